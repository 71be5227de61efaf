// Per-task fan-out: a stage that runs once per task of each scenario, over a task list written by
// a per-scenario stage. Each instance reads only its own task's row.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TempProject } from './support/cli-rig.js';

const PIPELINE = `version: 1
world_clock: "2026-03-02T09:00:00Z"
scenarios:
  from: list.scenarios
tasks:
  from: todo.items
stages:
  list:
    code: stages/list.mjs
    inputs:
      names: file:data/names.json
    outputs:
      scenarios: out/scenarios.json
  todo:
    foreach: scenario
    code: stages/todo.mjs
    inputs:
      row: list.scenarios[{scenario}]
    outputs:
      items: out/{scenario}/items.json
    params:
      count: 2
  tick:
    foreach: task
    code: stages/tick.mjs
    inputs:
      item: todo.items[{task}]
    outputs:
      ticked: out/{scenario}/ticks/{task}.json
`;

const FILES = {
  'awm.pipeline.yaml': PIPELINE,
  'data/names.json': JSON.stringify(['alpha', 'beta']),
  'stages/list.mjs': `export default { description: 'list', usesLlm: false, async run(ctx) {
    await ctx.outputs.writeJson('scenarios', ctx.inputs.json('names').map((id) => ({ id })));
    return { status: 'ok' };
  } };\n`,
  'stages/todo.mjs': `export default { description: 'todo', usesLlm: false,
    params: { type: 'object', properties: { count: { type: 'integer', minimum: 1 } }, additionalProperties: false },
    async run(ctx) {
      const items = Array.from({ length: ctx.params.count }, (_, i) => ({ id: 't' + (i + 1), text: ctx.scenario + ' item ' + (i + 1) }));
      await ctx.outputs.writeJson('items', items);
      return { status: 'ok' };
    } };\n`,
  'stages/tick.mjs': `export default { description: 'tick', usesLlm: false, async run(ctx) {
    await ctx.outputs.writeJson('ticked', { task: ctx.task, scenario: ctx.scenario, text: ctx.inputs.json('item').text, done: true });
    return { status: 'ok' };
  } };\n`,
};

const PerTask = suite('engine: per-task fan-out');
let project: TempProject;
PerTask.before.each(() => {
  project = new TempProject(FILES);
});
PerTask.after.each(() => project.remove());

PerTask('one instance per task of each scenario, reading only its own row', async () => {
  const build = await project.run(['build']);
  assert.is(build.code, 0, build.stderr + build.stdout);
  assert.match(build.stdout, /built 7, fresh 0/);
  assert.equal(JSON.parse(project.read('out/beta/ticks/t2.json')), {
    task: 't2',
    scenario: 'beta',
    text: 'beta item 2',
    done: true,
  });
  const status = (await project.json(['status', '--json'])) as {
    instances: { instance: string; task: string | null }[];
  };
  assert.ok(status.instances.some((entry) => entry.instance === 'alpha:tick[t1]' && entry.task === 't1'));
});

PerTask('a longer task list adds instances for the new tasks and leaves the others fresh', async () => {
  await project.run(['build']);
  project.write('awm.pipeline.yaml', PIPELINE.replace('count: 2', 'count: 3'));
  const build = await project.run(['build']);
  assert.is(build.code, 0, build.stderr);
  const built = [...build.stdout.matchAll(/✓ built (\S+) /g)].map((match) => match[1]).sort();
  assert.equal(built, ['alpha:tick[t3]', 'alpha:todo', 'beta:tick[t3]', 'beta:todo']);
});

PerTask('a target with a task stage builds what it needs', async () => {
  const build = await project.run(['build', 'beta:tick']);
  assert.is(build.code, 0, build.stderr);
  const built = [...build.stdout.matchAll(/✓ built (\S+) /g)].map((match) => match[1]).sort();
  assert.equal(built, ['beta:tick[t1]', 'beta:tick[t2]', 'beta:todo', 'list']);
});

PerTask.run();
