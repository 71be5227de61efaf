// Paths stay inside the project (the hardening issue, group 2): every path in awm.pipeline.yaml
// is refused, with its place in the file, when it is absolute, climbs out with ../, or leads out
// through a symbolic link; and a pipeline naming a file outside is never read, let alone sent to
// an LLM endpoint. And a list that others fan out over is checked where it is written: a row that
// cannot be used fails the stage that wrote it, and the build exits non-zero.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startMockLlmServer, mockStep } from '../src/testing/mock-llm-server.js';
import { TempProject } from './support/cli-rig.js';
import {
  diagnosticsFor,
  hints,
  messages,
  removeProjects,
  stubStage,
  writeProject,
  yaml,
} from './fixtures/config/project.js';
import { loadPipelineConfig } from '../src/config/load.js';

const Paths = suite('hardening: paths stay inside the project');
Paths.after.each(() => removeProjects());

const pipeline = (...stageLines: string[]): string =>
  yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'artifacts_dir: ../../x',
    'llm:',
    '  cache_dir: /var/tmp/awm-cache',
    'stages:',
    '  tasks:',
    '    code: stages/tasks.mjs',
    ...stageLines,
  );

Paths('../ and absolute paths are refused, each at its place, with what to do', async () => {
  const diagnostics = await diagnosticsFor(
    pipeline(
      '    prompts:',
      '      main: ../../../secret.md',
      '    inputs:',
      '      data: file:../outside.json',
      '    outputs:',
      '      tasks: artifacts/tasks.json',
    ),
    { 'stages/tasks.mjs': stubStage() },
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:3:16: "artifacts_dir" leaves the project folder (../../x)',
    'awm.pipeline.yaml:5:14: "llm.cache_dir" is an absolute path (/var/tmp/awm-cache); paths in the pipeline file stay inside the project',
    'awm.pipeline.yaml:10:13: prompt file "../../../secret.md" of stage "tasks" leaves the project folder (../../../secret.md)',
    'awm.pipeline.yaml:12:13: input "data" of stage "tasks" leaves the project folder (../outside.json)',
  ]);
  assert.equal(
    hints(diagnostics)[0],
    'write a path relative to the folder of awm.pipeline.yaml, without ".."; awm reads and writes only inside the project',
  );
});

Paths('a path through a symbolic link that leads out of the project is refused', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'awm-outside-'));
  try {
    writeFileSync(join(outside, 'secret.md'), 'the secret\n');
    const root = writeProject({
      'stages/tasks.mjs': stubStage(),
      'awm.pipeline.yaml': yaml(
        'version: 1',
        'world_clock: 2026-03-02T09:00:00Z',
        'stages:',
        '  tasks:',
        '    code: stages/tasks.mjs',
        '    prompts:',
        '      main: shared/secret.md',
        '    outputs:',
        '      tasks: out/tasks.json',
      ),
    });
    symlinkSync(outside, join(root, 'shared'));
    symlinkSync(outside, join(root, 'out'));
    const result = await loadPipelineConfig(root);
    assert.equal(result.ok ? [] : messages(result.error), [
      `awm.pipeline.yaml:7:13: prompt file "shared/secret.md" of stage "tasks" leads out of the project folder: shared is a link to ${outside}`,
      `awm.pipeline.yaml:9:14: output "tasks" of stage "tasks" leads out of the project folder: out is a link to ${outside}`,
    ]);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

Paths('a pipeline naming a prompt outside the project builds nothing and sends nothing to the LLM', async () => {
  const server = await startMockLlmServer({ respond: () => mockStep.json({}) });
  const project = new TempProject({
    'stages/tasks.mjs': `export default { description: 'asks', usesLlm: true, render: (ctx) => ({ main: ctx.prompts.main.render({}) }), async run(ctx) { await ctx.llm.structured({ messages: [{ role: 'user', content: ctx.requests.main }], schema: { type: 'object' } }); return { status: 'ok' }; } };\n`,
    'awm.pipeline.yaml': yaml(
      'version: 1',
      'world_clock: 2026-03-02T09:00:00Z',
      'llm:',
      '  model: gpt-test',
      'stages:',
      '  tasks:',
      '    code: stages/tasks.mjs',
      '    prompts:',
      '      main: ../secret.md',
      '    outputs:',
      '      tasks: artifacts/tasks.json',
    ),
  });
  try {
    writeFileSync(join(project.dir, '..', 'secret.md'), 'a secret that must not leave this machine\n');
    const result = await project.run(['build'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url });
    assert.is(result.code, 2, result.stdout);
    assert.match(result.stderr, /prompt file "\.\.\/secret\.md" of stage "tasks" leaves the project folder/);
    assert.is(server.requests.length, 0);
  } finally {
    rmSync(join(project.dir, '..', 'secret.md'), { force: true });
    project.remove();
    await server.close();
  }
});

Paths(
  'a scenario list row that cannot be used fails the stage that wrote it, and the build exits non-zero',
  async () => {
    const longId = 'x'.repeat(129);
    const project = new TempProject({
      'stages/list.mjs': `export default { description: 'list', usesLlm: false, async run(ctx) { await ctx.outputs.writeJson('scenarios', [{ id: 'alpha' }, { id: '${longId}' }]); return { status: 'ok' }; } };\n`,
      'stages/each.mjs': `export default { description: 'each', usesLlm: false, async run(ctx) { await ctx.outputs.writeText('out', ctx.scenario); return { status: 'ok' }; } };\n`,
      'awm.pipeline.yaml': yaml(
        'version: 1',
        'world_clock: 2026-03-02T09:00:00Z',
        'scenarios:',
        '  from: list.scenarios',
        'stages:',
        '  list:',
        '    code: stages/list.mjs',
        '    outputs:',
        '      scenarios: out/scenarios.json',
        '  each:',
        '    foreach: scenario',
        '    code: stages/each.mjs',
        '    outputs:',
        '      out: out/{scenario}.txt',
      ),
    });
    try {
      const result = await project.run(['build']);
      assert.is(result.code, 1, result.stdout);
      assert.match(
        result.stdout,
        /✗ failed list: the list it wrote cannot be fanned out over: out\/scenarios\.json: row 1 has no usable "id" \(1 to 128 lower-case letters/,
      );
      assert.match(result.stdout, /built 0, fresh 0, failed 1/);
      assert.not.ok(project.exists('out/scenarios.json'), 'the bad list was not put in place');
      assert.not.ok(project.exists('out/alpha.txt'));
    } finally {
      project.remove();
    }
  },
);

Paths.run();
