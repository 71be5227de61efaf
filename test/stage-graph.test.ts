// The stage graph: dependencies (with the implicit list stages), stable topological order, cycles
// as named paths, and up/downstream closures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asStageId, type StageId } from '../src/util/brand.js';
import type { Fanout, InputRef } from '../src/config/types.js';
import {
  findCycles,
  stageDependencies,
  stageOrder,
  topologicalOrder,
  upstreamStages,
  type StageGraphInput,
} from '../src/config/stage-graph.js';

/** `[name, fanout, stages it reads]` in file order; the scenario list is `scenarios.list`, the task list `tasks.tasks`. */
function graph(stages: readonly (readonly [string, Fanout, readonly string[]])[], lists = true): StageGraphInput {
  const inputs = (reads: readonly string[]) =>
    Object.fromEntries(
      reads.map((stage, index): [string, InputRef] => [
        `in${index}`,
        { kind: 'output', stage: asStageId(stage), output: 'out', row: null },
      ]),
    );
  return {
    stages: new Map(
      stages.map(([name, fanout, reads]) => [
        asStageId(name),
        { fanout, inputs: { ...inputs(reads), file: { kind: 'file', path: 'x.json', optional: false } } },
      ]),
    ),
    scenarios: lists ? { stage: asStageId('scenarios'), output: 'list' } : null,
    tasks: lists ? { stage: asStageId('tasks'), output: 'tasks' } : null,
  };
}

const ids = (names: readonly string[]): StageId[] => names.map(asStageId);
const demo = graph([
  ['scenarios', 'global', []],
  ['scenario', 'scenario', []],
  ['tasks', 'scenario', ['scenario']],
  ['schema', 'scenario', ['scenario', 'tasks']],
  ['verify', 'task', ['schema']],
]);

test('dependencies: the list stages a fan-out needs, then the inputs, without repeats', () => {
  assert.equal(stageDependencies(demo, asStageId('scenarios')), []);
  assert.equal(stageDependencies(demo, asStageId('scenario')), ids(['scenarios']));
  assert.equal(
    stageDependencies(demo, asStageId('tasks')),
    ids(['scenarios', 'scenario']),
    'the task list stage does not need itself',
  );
  assert.equal(stageDependencies(demo, asStageId('schema')), ids(['scenarios', 'scenario', 'tasks']));
  assert.equal(stageDependencies(demo, asStageId('verify')), ids(['scenarios', 'tasks', 'schema']));
  assert.equal(
    stageDependencies(graph([['a', 'global', ['nowhere', 'a']]]), asStageId('a')),
    ids(['a']),
    'unknown stages are left out, self-reads kept',
  );
  assert.equal(
    stageDependencies(graph([['a', 'scenario', []]], false), asStageId('a')),
    [],
    'no list declared: no implicit dependency',
  );
});

test('upstream closures, in file order, without the starting stages', () => {
  assert.equal([...upstreamStages(demo, asStageId('verify'))], ids(['scenarios', 'scenario', 'tasks', 'schema']));
  assert.equal([...upstreamStages(demo, asStageId('scenarios'))], []);
});

test('topological order keeps file order among stages ready together', () => {
  const shuffled = graph(
    [
      ['report', 'global', ['b', 'a']],
      ['b', 'global', ['a']],
      ['c', 'global', []],
      ['a', 'global', []],
    ],
    false,
  );
  assert.equal(topologicalOrder(shuffled), { ok: true, value: ids(['c', 'a', 'b', 'report']) });
  assert.equal(stageOrder(demo), ids(['scenarios', 'scenario', 'tasks', 'schema', 'verify']));
});

test('a cycle comes back as the whole path, from its first stage in file order', () => {
  const cyclic = graph(
    [
      ['x', 'global', []],
      ['a', 'global', ['c']],
      ['b', 'global', ['a']],
      ['c', 'global', ['b']],
      ['d', 'global', ['x']],
    ],
    false,
  );
  assert.equal(findCycles(cyclic), [ids(['a', 'b', 'c', 'a'])]);
  assert.equal(topologicalOrder(cyclic), { ok: false, error: ids(['a', 'b', 'c', 'a']) });
  assert.throws(() => stageOrder(cyclic), /internal error: stage cycle a → b → c → a passed config validation/);
});

test('self-reads, separate cycles and the shortest way round are found', () => {
  const tangled = graph(
    [
      ['p', 'global', ['p']],
      ['a', 'global', ['b', 'c']],
      ['b', 'global', ['a']],
      ['c', 'global', ['b']],
    ],
    false,
  );
  assert.equal(findCycles(tangled), [ids(['p', 'p']), ids(['a', 'b', 'a'])]);
  assert.equal(findCycles(demo), []);
});

test('cycles through the implicit list dependencies are found', () => {
  const throughList = graph([
    ['scenarios', 'global', ['late']],
    ['late', 'scenario', []],
  ]);
  assert.equal(findCycles(throughList), [ids(['scenarios', 'late', 'scenarios'])]);
});

test.run();
