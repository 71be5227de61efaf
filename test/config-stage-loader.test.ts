// The stage loader: modules imported (compiled .ts from dist/, .js/.mjs directly), code hashes,
// params checked against each stage's schema with defaults applied, every problem at once.
import { createHash } from 'node:crypto';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPipelineConfig } from '../src/config/load.js';
import type { Diagnostic } from '../src/config/diagnostic.js';
import type { LoadedStage } from '../src/engine/stage-loader.js';
import { loadStages } from '../src/engine/stage-loader.js';
import { hints, messages, removeProjects, stubStage, writeProject, yaml } from './fixtures/config/project.js';

test.after(removeProjects);

const countParams = {
  type: 'object',
  properties: { count: { type: 'integer', minimum: 1, default: 10 }, style: { type: 'string', default: 'plain' } },
};

/** A pipeline of one global stage `tasks` with `code` and the given params lines. */
function onePipeline(code: string, ...paramLines: string[]): string {
  return yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'stages:',
    '  tasks:',
    `    code: ${code}`,
    '    outputs:',
    '      tasks: artifacts/tasks.json',
    ...paramLines,
  );
}

async function load(files: Record<string, string>): Promise<{ stages: LoadedStage[]; diagnostics: Diagnostic[] }> {
  const root = writeProject({ 'package.json': '{ "type": "module" }\n', ...files });
  const config = await loadPipelineConfig(root);
  if (!config.ok) throw new Error(`the pipeline should load: ${messages(config.error).join('\n')}`);
  const loaded = await loadStages(config.value);
  return loaded.ok ? { stages: loaded.value, diagnostics: [] } : { stages: [], diagnostics: loaded.error };
}

test('an .mjs stage loads with its params defaults applied and its source hashed', async () => {
  const source = stubStage(countParams);
  const { stages, diagnostics } = await load({
    'stages/tasks.mjs': source,
    'awm.pipeline.yaml': onePipeline('stages/tasks.mjs', '    params:', '      count: 3'),
  });
  assert.equal(messages(diagnostics), []);
  assert.is(stages.length, 1);
  assert.equal(stages[0]!.params, { count: 3, style: 'plain' });
  assert.is(stages[0]!.codeHash, createHash('sha256').update(source).digest('hex'));
  assert.is(stages[0]!.definition.description, 'stub');
  assert.is(stages[0]!.config.id, 'tasks');
});

test('a bad param type is reported at the param, with what was found', async () => {
  const { diagnostics } = await load({
    'stages/tasks.mjs': stubStage(countParams),
    'awm.pipeline.yaml': onePipeline('stages/tasks.mjs', '    params:', '      count: ten', '      style: 3'),
  });
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:9:14: param "count" of stage "tasks" must be an integer (got "ten")',
    'awm.pipeline.yaml:10:14: param "style" of stage "tasks" must be a string (got 3)',
  ]);
});

test('an unknown param is an error even when the schema does not forbid extra keys', async () => {
  const { diagnostics } = await load({
    'stages/tasks.mjs': stubStage(countParams),
    'awm.pipeline.yaml': onePipeline('stages/tasks.mjs', '    params:', '      cuont: 3'),
  });
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:9:7: unknown param "cuont" of stage "tasks"']);
  assert.equal(hints(diagnostics), ['did you mean "count"? Params of "tasks": count, style']);
});

test('params given to a stage that declares none', async () => {
  const { diagnostics } = await load({
    'stages/tasks.mjs': stubStage(),
    'awm.pipeline.yaml': onePipeline('stages/tasks.mjs', '    params:', '      count: 3'),
  });
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:8:5: stage "tasks" takes no params, but the pipeline gives "count"',
  ]);
  assert.equal(hints(diagnostics), [
    `remove "params:", or declare them in stages/tasks.mjs (params: { type: 'object', properties: { … } })`,
  ]);
});

test('a required param that is missing is reported at the stage', async () => {
  const required = {
    type: 'object',
    required: ['count'],
    properties: { count: { type: 'integer', description: 'How many tasks to write.' } },
  };
  const { diagnostics } = await load({
    'stages/tasks.mjs': stubStage(required),
    'awm.pipeline.yaml': onePipeline('stages/tasks.mjs'),
  });
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:4:3: missing required param "count" of stage "tasks"']);
  assert.equal(hints(diagnostics), ['add "count". How many tasks to write.']);
});

test('modules that are not stages: no default export, a wrong shape, an import error', async () => {
  const pipeline = yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'stages:',
    '  a:',
    '    code: stages/a.mjs',
    '    outputs: { out: artifacts/a.json }',
    '  b:',
    '    code: stages/b.js',
    '    outputs: { out: artifacts/b.json }',
    '  c:',
    '    code: stages/c.mjs',
    '    outputs: { out: artifacts/c.json }',
  );
  const files = {
    'awm.pipeline.yaml': pipeline,
    'stages/a.mjs': 'export const stage = {};\n',
    'stages/b.js': 'export default { description: 1, usesLlm: false };\n',
    'stages/c.mjs': "throw new Error('boom at import');\n",
  };
  const { diagnostics } = await load(files);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:5:11: stage code stages/a.mjs has no default export',
    'awm.pipeline.yaml:8:11: the default export of stages/b.js is not a stage definition: "description" must be a string; "run" must be a function',
    'awm.pipeline.yaml:11:11: stage code stages/c.mjs failed to load: boom at import',
  ]);
  assert.equal(hints(diagnostics), [
    'the module must `export default defineStage({ description, usesLlm, params?, render?, run })`',
    'the module must `export default defineStage({ description, usesLlm, params?, render?, run })`',
    '`node stages/c.mjs` shows the whole error',
  ]);
});

test("a stage module's LLM defaults must be well-formed", async () => {
  const pipeline = yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'stages:',
    '  a:',
    '    code: stages/a.mjs',
    '    outputs: { out: artifacts/a.json }',
    '  b:',
    '    code: stages/b.mjs',
    '    outputs: { out: artifacts/b.json }',
    '  c:',
    '    code: stages/c.mjs',
    '    outputs: { out: artifacts/c.json }',
  );
  const stage = (llm: string) =>
    `export default { description: 'x', usesLlm: true, llm: ${llm}, async run() { return { status: 'ok' }; } };\n`;
  const files = {
    'awm.pipeline.yaml': pipeline,
    'stages/a.mjs': stage("{ maxTokens: 0, timeoutS: '20m', reasoningEffort: 'max', maxTokenz: 1 }"),
    'stages/b.mjs': stage('{ maxTokens: 64000, maxTokensCap: 32000 }'),
    'stages/c.mjs': stage('64000'),
  };
  const { diagnostics } = await load(files);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:5:11: the default export of stages/a.mjs is not a stage definition: "llm.maxTokenz" is not a setting (maxTokens, maxTokensCap, timeoutS, reasoningEffort); "llm.maxTokens" must be an integer ≥ 1; "llm.timeoutS" must be a number of seconds > 0; "llm.reasoningEffort" must be "minimal", "low", "medium" or "high"',
    'awm.pipeline.yaml:8:11: the default export of stages/b.mjs is not a stage definition: "llm.maxTokensCap" must be at least "llm.maxTokens"',
    'awm.pipeline.yaml:11:11: the default export of stages/c.mjs is not a stage definition: "llm" must be an object such as { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 }',
  ]);
});

test('a .ts stage runs from dist/, and must be compiled and current', async () => {
  const pipeline = onePipeline('stages/tasks.ts');
  const source = 'export default {};\n';
  const missing = await load({ 'awm.pipeline.yaml': pipeline, 'stages/tasks.ts': source });
  assert.equal(messages(missing.diagnostics), [
    'awm.pipeline.yaml:5:11: stage code stages/tasks.ts has not been compiled (dist/stages/tasks.js is missing)',
  ]);
  assert.equal(hints(missing.diagnostics), ['run `npm run build`']);

  const root = writeProject({
    'package.json': '{ "type": "module" }\n',
    'awm.pipeline.yaml': pipeline,
    'stages/tasks.ts': source,
    'dist/stages/tasks.js': stubStage(),
  });
  const config = await loadPipelineConfig(root);
  assert.ok(config.ok);
  if (!config.ok) return;
  const current = await loadStages(config.value);
  assert.ok(current.ok, 'compiled after the source was written');
  if (current.ok)
    assert.is(
      current.value[0]!.codeHash,
      createHash('sha256').update(source).digest('hex'),
      'the hash is of the .ts source',
    );

  utimesSync(join(root, 'dist/stages/tasks.js'), new Date(1_000_000), new Date(1_000_000));
  const outdated = await loadStages(config.value);
  assert.equal(outdated.ok ? [] : messages(outdated.error), [
    'awm.pipeline.yaml:5:11: stage code stages/tasks.ts has changed since it was compiled',
  ]);
});

test('an older compiled file is current when tsc build info holds the source hash', async () => {
  // tsc --incremental does not re-emit an unchanged file after a checkout or a touch.
  const source = 'export default {};\n';
  const hash = createHash('sha256').update(source).digest('hex');
  const buildInfo = (pending: number[]) =>
    JSON.stringify({
      fileNames: ['../lib.d.ts', '../stages/tasks.ts'],
      fileInfos: ['x', { version: hash }],
      affectedFilesPendingEmit: pending,
    });
  const files = {
    'package.json': '{ "type": "module" }\n',
    'awm.pipeline.yaml': onePipeline('stages/tasks.ts'),
    'stages/tasks.ts': source,
    'dist/stages/tasks.js': stubStage(),
  };
  for (const [pending, expected] of [
    [[], []],
    [[2], ['awm.pipeline.yaml:5:11: stage code stages/tasks.ts has changed since it was compiled']],
  ] as const) {
    const root = writeProject({ ...files, 'dist/.tsbuildinfo': buildInfo([...pending]) });
    utimesSync(join(root, 'dist/stages/tasks.js'), new Date(1_000_000), new Date(1_000_000));
    const config = await loadPipelineConfig(root);
    if (!config.ok) throw new Error('the pipeline should load');
    const loaded = await loadStages(config.value);
    assert.equal(loaded.ok ? [] : messages(loaded.error), [...expected], `pending emit: ${JSON.stringify(pending)}`);
  }
});

test('problems of several stages come back together, sorted', async () => {
  const pipeline = yaml(
    'version: 1',
    'world_clock: 2026-03-02T09:00:00Z',
    'stages:',
    '  a:',
    '    code: stages/a.mjs',
    '    outputs: { out: artifacts/a.json }',
    '    params: { count: -1 }',
    '  b:',
    '    code: stages/b.mjs',
    '    outputs: { out: artifacts/b.json }',
  );
  const { diagnostics } = await load({
    'awm.pipeline.yaml': pipeline,
    'stages/a.mjs': stubStage(countParams),
    'stages/b.mjs': 'export {};\n',
  });
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:7:22: param "count" of stage "a" must be at least 1 (got -1)',
    'awm.pipeline.yaml:9:11: stage code stages/b.mjs has no default export',
  ]);
});

test('the real pipeline loads its stages from .mjs stand-ins, params intact', async () => {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const text = readFileSync(join(repoRoot, 'awm.pipeline.yaml'), 'utf8').replace(
    /code: stages\/(\w+)\.ts/g,
    'code: stages/$1.mjs',
  );
  const files: Record<string, string> = { 'awm.pipeline.yaml': text, 'data/seed-scenarios.json': '[]\n' };
  for (const match of text.matchAll(/code: (stages\/\w+\.mjs)/g))
    files[match[1]!] = stubStage({
      type: 'object',
      properties: { target: { type: 'integer' }, count: { type: 'integer' } },
    });
  for (const match of text.matchAll(/: (prompts\/[\w-]+\.md)/g)) files[match[1]!] = 'prompt\n';
  const { stages, diagnostics } = await load(files);
  assert.equal(messages(diagnostics), []);
  assert.equal(
    stages.map((stage) => [stage.config.id, stage.params]),
    [
      ['scenarios', { target: 3 }],
      ['scenario', {}],
      ['tasks', { count: 10 }],
      ['schema', {}],
      ['sample', {}],
      ['spec', {}],
      ['env', {}],
    ],
  );
});

test.run();
