// The semantic checks of awm.pipeline.yaml: references, fan-out, cycles, paths and files. Each test
// asserts the exact diagnostic text and place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatInputRef, parseInputRef } from '../src/config/draft.js';
import { asStageId } from '../src/util/brand.js';
import {
  basePipeline,
  configFor,
  diagnosticsFor,
  hints,
  messages,
  removeProjects,
  yaml,
} from './fixtures/config/project.js';

test.after(removeProjects);

/** The base pipeline's header and its scenarios and tasks stages (lines 1-18), then `lines` from line 19. */
function withStages(...lines: string[]): string {
  return yaml(...basePipeline.slice(0, 18), ...lines);
}

test('an unknown stage is named, with a did-you-mean and the known stages', async () => {
  const diagnostics = await diagnosticsFor(
    withStages(
      '  schema:',
      '    foreach: scenario',
      '    code: stages/tasks.mjs',
      '    inputs:',
      '      tasks: taks.tasks',
      '      other: zebra.list',
      '    outputs:',
      '      schema: artifacts/{scenario}/schema.json',
    ),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:23:14: stage "schema" reads "taks.tasks", but there is no stage "taks"',
    'awm.pipeline.yaml:24:14: stage "schema" reads "zebra.list", but there is no stage "zebra"',
  ]);
  assert.equal(hints(diagnostics), [
    'did you mean "tasks"? Stages: scenarios, tasks, schema',
    'Stages: scenarios, tasks, schema',
  ]);
});

test('an unknown output of a known stage lists its outputs', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(...basePipeline.slice(0, 15), '      row: scenarios.lists[{scenario}]', ...basePipeline.slice(16)),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:16:12: stage "tasks" reads "scenarios.lists[{scenario}]", but stage "scenarios" has no output "lists"',
  ]);
  assert.equal(hints(diagnostics), ['did you mean "list"? Outputs of "scenarios": list']);
});

test('scenarios.from naming an unknown stage', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(...basePipeline.slice(0, 3), '  from: scenario.list', ...basePipeline.slice(4)),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:4:9: "scenarios.from" names "scenario.list", but there is no stage "scenario"',
  ]);
  assert.equal(hints(diagnostics), ['did you mean "scenarios"? Stages: scenarios, tasks, verify']);
});

test('a cycle is named in full, at its first stage in file order', async () => {
  const stage = (name: string, reads: string) => [
    `  ${name}:`,
    '    foreach: scenario',
    '    code: stages/tasks.mjs',
    '    inputs:',
    `      x: ${reads}.out`,
    '    outputs:',
    `      out: artifacts/{scenario}/${name}.json`,
  ];
  const diagnostics = await diagnosticsFor(withStages(...stage('a', 'c'), ...stage('b', 'a'), ...stage('c', 'b')));
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:19:3: stage "a" depends on itself: a → b → c → a']);
  assert.equal(hints(diagnostics), [
    'in "a → b", b reads an output of a (a stage with foreach also reads the stage that writes its list); remove one of these reads to break the cycle',
  ]);
});

test('a stage reading its own output is a cycle too', async () => {
  const diagnostics = await diagnosticsFor(
    withStages(
      '  a:',
      '    foreach: scenario',
      '    code: stages/tasks.mjs',
      '    inputs:',
      '      me: a.out',
      '    outputs:',
      '      out: artifacts/{scenario}/a.json',
    ),
  );
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:19:3: stage "a" depends on itself: a → a']);
});

test('a cycle through the scenario list is found', async () => {
  // The list's stage reads a per-scenario stage, which needs the list: two problems, both reported.
  const diagnostics = await diagnosticsFor(
    yaml(...basePipeline.slice(0, 9), '    inputs:', '      all: tasks.tasks', ...basePipeline.slice(9)),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:8:3: stage "scenarios" depends on itself: scenarios → tasks → scenarios',
    'awm.pipeline.yaml:11:12: stage "scenarios" runs once (global) but reads "tasks.tasks", which stage "tasks" writes per scenario',
  ]);
  assert.equal(
    hints(diagnostics)[1],
    'a global stage cannot read per-scenario outputs; add "foreach: scenario" to "scenarios", or read a global output',
  );
});

test('missing code, prompt and input files are reported; per-scenario file inputs are not checked', async () => {
  const pipeline = withStages(
    '  schema:',
    '    foreach: scenario',
    '    code: stages/schema.mjs',
    '    prompts:',
    '      schema: prompts/schema.md',
    '      folder: prompts',
    '    inputs:',
    '      seeds: file:data/seeds.json',
    '      hints: file:data/{scenario}/hints.md',
    '    outputs:',
    '      schema: artifacts/{scenario}/schema.json',
  );
  const diagnostics = await diagnosticsFor(pipeline, { 'prompts/other.md': '' });
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:21:11: code file "stages/schema.mjs" of stage "schema" does not exist',
    'awm.pipeline.yaml:23:15: prompt file "prompts/schema.md" of stage "schema" does not exist',
    'awm.pipeline.yaml:24:15: prompt file "prompts" of stage "schema" is a folder, not a file',
    'awm.pipeline.yaml:26:14: input file "data/seeds.json" of stage "schema" does not exist',
  ]);
  assert.equal(hints(diagnostics), [
    'create it (export default defineStage({ … })), or correct the path; paths are relative to the folder of awm.pipeline.yaml',
    'create the template, or correct the path; paths are relative to the folder of awm.pipeline.yaml',
    'name a file, not a folder',
    'create the file, or correct the path; paths are relative to the folder of awm.pipeline.yaml',
  ]);
});

test('an output whose path the schema rejects is reported once, not again where it is read', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(...basePipeline.slice(0, 17), '      tasks: /tmp/tasks.json', ...basePipeline.slice(18)),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:18:14: output "tasks" of stage "tasks" must be a relative path inside the project (no leading / and no ..), e.g. artifacts/{scenario}/tasks.json (got "/tmp/tasks.json")',
  ]);
});

test('two outputs with the same path pattern are reported at the second', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 18),
    '      copy: artifacts/{scenario}/./tasks.json',
    '  other:',
    '    code: stages/tasks.mjs',
    '    outputs:',
    '      list: artifacts/scenarios.json',
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:19:13: output "copy" of stage "tasks" writes "artifacts/{scenario}/./tasks.json", which output "tasks" of stage "tasks" also writes',
    'awm.pipeline.yaml:23:13: output "list" of stage "other" writes "artifacts/scenarios.json", which output "list" of stage "scenarios" also writes',
  ]);
  assert.equal(hints(diagnostics), ['give each output its own path', 'give each output its own path']);
});

test('reading outputs that cannot exist for the reader', async () => {
  const reader = (name: string, foreach: string | null, ref: string) => [
    `  ${name}:`,
    ...(foreach ? [`    foreach: ${foreach}`] : []),
    '    code: stages/tasks.mjs',
    '    inputs:',
    `      in: ${ref}`,
    '    outputs:',
    `      out: artifacts/${foreach ? '{scenario}/' : ''}${foreach === 'task' ? '{task}/' : ''}${name}.json`,
  ];
  const pipeline = yaml(
    ...basePipeline,
    ...reader('g1', null, 'tasks.tasks'), // lines 26-31
    ...reader('g2', null, 'scenarios.list[{scenario}]'), // 32-37
    ...reader('s1', 'scenario', 'verify.verifier'), // 38-44
    ...reader('s2', 'scenario', 'tasks.tasks[{scenario}]'), // 45-51
    ...reader('s3', 'scenario', 'tasks.tasks[{task}]'), // 52-58
    ...reader('t1', 'task', 'scenarios.list[{task}]'), // 59-65
    ...reader('t2', 'task', 'verify.verifier'), // fine: this task's output
    ...reader('t3', 'task', 'scenarios.list[{scenario}]'), // fine: this scenario's row
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:29:11: stage "g1" runs once (global) but reads "tasks.tasks", which stage "tasks" writes per scenario',
    'awm.pipeline.yaml:35:11: stage "g2" runs once (global), so "scenarios.list[{scenario}]" has no scenario to select',
    'awm.pipeline.yaml:42:11: stage "s1" runs per scenario but reads "verify.verifier", which stage "verify" writes per task',
    'awm.pipeline.yaml:49:11: "tasks.tasks[{scenario}]" selects a row of a global list, but stage "tasks" writes "tasks" per scenario',
    'awm.pipeline.yaml:56:11: stage "s3" runs per scenario, so "tasks.tasks[{task}]" has no task to select',
    'awm.pipeline.yaml:63:11: "scenarios.list[{task}]" selects a row of a per-scenario list, but stage "scenarios" writes "list" once (global)',
  ]);
  assert.equal(hints(diagnostics), [
    'a global stage cannot read per-scenario outputs; add "foreach: scenario" to "g1", or read a global output',
    `[{scenario}] selects this scenario's row and only works in stages with foreach; read "scenarios.list" whole, or add "foreach: scenario" to "g2"`,
    'only stages with "foreach: task" can read per-task outputs; add "foreach: task" to "s1"',
    'drop [{scenario}]: "tasks.tasks" already reads the output for this scenario',
    `[{task}] selects this task's row and only works in stages with "foreach: task"`,
    'use [{task}] on a per-scenario list, e.g. "tasks.tasks[{task}]"',
  ]);
});

test('selecting a row of an output that is not JSON', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(
      ...basePipeline.slice(0, 18),
      '      db: artifacts/{scenario}/seed.db',
      ...basePipeline.slice(18, 22),
      '      task: tasks.db[{task}]',
      ...basePipeline.slice(23),
    ),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:24:13: "tasks.db[{task}]" selects a row, but output "db" of stage "tasks" is "artifacts/{scenario}/seed.db", not a .json file',
  ]);
  assert.equal(hints(diagnostics), ['rows can only be selected from a JSON list; read "tasks.db" whole']);
});

test('fanning out without a list to fan out over', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 2),
    ...basePipeline.slice(6, 18),
    '  per_task:',
    '    foreach: task',
    '    code: stages/tasks.mjs',
    '    outputs:',
    '      out: artifacts/{scenario}/{task}.json',
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:9:14: stage "tasks" runs per scenario, but the pipeline has no scenario list',
    'awm.pipeline.yaml:16:14: stage "per_task" runs per task, but the pipeline has no task list',
  ]);
  assert.equal(hints(diagnostics), [
    'add "scenarios:" with "from: STAGE.OUTPUT", naming the output of a global stage that writes a JSON array of rows with a string "id"',
    'add "tasks:" with "from: STAGE.OUTPUT", naming the output of a per-scenario stage that writes a JSON array of rows with a string "id"',
  ]);
});

test('list sources must have the right fan-out and be JSON', async () => {
  const pipeline = yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'scenarios:',
    '  from: tasks.tasks',
    'tasks:',
    '  from: scenarios.list',
    ...basePipeline.slice(6, 10),
    '      list: artifacts/scenarios.yaml',
    ...basePipeline.slice(11, 18),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:4:9: the scenario list must come from a global stage, but stage "tasks" runs per scenario',
    'awm.pipeline.yaml:6:9: the task list must come from a per-scenario stage, but stage "scenarios" runs once (global)',
    'awm.pipeline.yaml:16:12: "scenarios.list[{scenario}]" selects a row, but output "list" of stage "scenarios" is "artifacts/scenarios.yaml", not a .json file',
  ]);
  assert.equal(hints(diagnostics).slice(0, 2), [
    'point "scenarios.from" at an output of a stage without "foreach"',
    'point "tasks.from" at an output of a stage with "foreach: scenario"',
  ]);
});

test('a list source that is not a JSON file', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(
      ...basePipeline.slice(0, 10),
      '      list: artifacts/scenarios.txt',
      '      rows: artifacts/rows.json',
      ...basePipeline.slice(11, 15),
      '      row: scenarios.rows[{scenario}]',
      ...basePipeline.slice(16),
    ),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:4:9: the scenario list must be a JSON file, but output "list" of stage "scenarios" is "artifacts/scenarios.txt"',
  ]);
  assert.equal(hints(diagnostics), [
    'point "scenarios.from" at an output whose path ends in .json (a JSON array of rows with a string "id")',
  ]);
});

test('output placeholders must fit the fan-out', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 11),
    '      per: artifacts/{scenario}/list.json',
    ...basePipeline.slice(11, 18),
    '      each: artifacts/{scenario}/{task}.json',
    '      shared: artifacts/all.json',
    ...basePipeline.slice(18, 25),
    '      one: artifacts/{scenario}/verifier.json',
    '      typo: artifacts/{scenarios}/{task}.json',
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:12:12: output "per" of stage "scenarios" contains {scenario}, but stage "scenarios" runs once (global)',
    'awm.pipeline.yaml:20:13: output "each" of stage "tasks" contains {task}, but stage "tasks" runs per scenario',
    'awm.pipeline.yaml:21:15: output "shared" of stage "tasks" lacks {scenario}, so every scenario would write the same file',
    'awm.pipeline.yaml:29:12: output "one" of stage "verify" lacks {task}, so every task of a scenario would write the same file',
    'awm.pipeline.yaml:30:13: output "typo" of stage "verify" uses unknown placeholder {scenarios}',
  ]);
  assert.equal(hints(diagnostics), [
    'remove {scenario}, or add "foreach: scenario" to "scenarios"',
    'remove {task}, or make the stage run per task with "foreach: task"',
    'put {scenario} in the path, e.g. artifacts/{scenario}/all.json',
    'put {task} in the path, e.g. artifacts/{scenario}/tasks/{task}/verifier.json',
    'did you mean {scenario}? Allowed here: {scenario}, {task}',
  ]);
});

test('file inputs may use {scenario} only, and only in stages with foreach', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 9),
    '    inputs:',
    '      seeds: file:data/{scenario}.json',
    ...basePipeline.slice(9, 16),
    '      notes: file:data/{task}.md',
    ...basePipeline.slice(16),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:11:14: input "seeds" of stage "scenarios" uses {scenario}, but stage "scenarios" runs once (global)',
    'awm.pipeline.yaml:19:14: input "notes" of stage "tasks" uses placeholder {task}, which file inputs do not support',
  ]);
  assert.equal(hints(diagnostics), [
    'remove {scenario}, or add "foreach: scenario" to "scenarios"',
    'Allowed here: {scenario}',
  ]);
});

test('optional file inputs (file?:) may be absent; otherwise they are checked like file: inputs', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 9),
    '    inputs:',
    '      extra: file?:data/extra.json',
    '      folder: file?:data',
    '      outside: file?:../notes.json',
    '      per_scenario: file?:data/{scenario}.json',
    ...basePipeline.slice(9, 16),
    '      notes: file?:notes/{scenario}.txt',
    '      per_task: file?:notes/{task}.md',
    '      empty: "file?:"',
    ...basePipeline.slice(16),
  );
  const diagnostics = await diagnosticsFor(pipeline, { 'data/inside.json': '{}' });
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:12:15: input file "data" of stage "scenarios" is a folder, not a file',
    'awm.pipeline.yaml:13:16: input "outside" of stage "scenarios" leaves the project folder (../notes.json)',
    'awm.pipeline.yaml:14:21: input "per_scenario" of stage "scenarios" uses {scenario}, but stage "scenarios" runs once (global)',
    'awm.pipeline.yaml:23:17: input "per_task" of stage "tasks" uses placeholder {task}, which file inputs do not support',
    'awm.pipeline.yaml:24:14: input "empty" of stage "tasks" must be file:PATH, file?:PATH, STAGE.OUTPUT, STAGE.OUTPUT[{scenario}] or STAGE.OUTPUT[{task}] (got "file?:")',
  ]);
  assert.equal(hints(diagnostics)[0], 'name a file, not a folder');
  assert.match(hints(diagnostics)[4] ?? '', /file\?:PATH reads one that may be absent/);
});

test('an optional file input loads as optional, and is written back as file?:', async () => {
  const config = await configFor(
    yaml(
      ...basePipeline.slice(0, 16),
      '      notes: file?:notes/{scenario}.txt',
      '      seeds: file:data/seeds.json',
      ...basePipeline.slice(16),
    ),
    { 'data/seeds.json': '[]' },
  );
  const inputs = config.stages.get(asStageId('tasks'))?.inputs ?? {};
  assert.equal(inputs['notes'], { kind: 'file', path: 'notes/{scenario}.txt', optional: true });
  assert.equal(inputs['seeds'], { kind: 'file', path: 'data/seeds.json', optional: false });
  assert.is(formatInputRef(inputs['notes']!), 'file?:notes/{scenario}.txt');
  assert.is(formatInputRef(inputs['seeds']!), 'file:data/seeds.json');
  assert.is(parseInputRef('file?:'), null);
  assert.is(parseInputRef('file??:x'), null);
});

test.run();
