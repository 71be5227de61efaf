// Loading awm.pipeline.yaml: YAML syntax, the JSON Schema's rules, defaults, ordering of many
// problems, and the real pipeline of this repo.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { formatDiagnostics } from '../src/config/diagnostic.js';
import { loadPipelineConfig } from '../src/config/load.js';
import { MAX_YAML_DEPTH } from '../src/config/yaml-positions.js';
import {
  basePipeline,
  configFor,
  diagnosticsFor,
  hints,
  messages,
  removeProjects,
  stubFiles,
  stubStage,
  writeProject,
  yaml,
} from './fixtures/config/project.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

test.after(removeProjects);

test('a valid pipeline loads with defaults applied', async () => {
  const config = await configFor(yaml(...basePipeline));
  assert.equal([...config.stages.keys()], ['scenarios', 'tasks', 'verify']);
  assert.equal(config.artifactsDir, 'artifacts');
  assert.equal(config.worldClock, '2026-03-02T09:00:00Z');
  // The per-stage keys stay unset (null): each stage then gets its module's default, else the built-in one.
  assert.equal(config.llm, {
    model: null,
    temperature: null,
    maxTokens: null,
    maxTokensCap: null,
    timeoutMs: null,
    reasoningEffort: null,
    contextTokens: null,
    concurrency: 64,
    retries: 5,
    maxAnswerBytes: 4096 * 1024,
    maxRequestsPerInstance: 500,
    demoResponses: 'demo/recorded-responses',
    cacheDir: '.awm/cache/llm',
  });
  assert.equal(config.scenarios, { stage: 'scenarios', output: 'list' });
  assert.equal(config.tasks, { stage: 'tasks', output: 'tasks' });
  const verify = config.stages.get('verify' as never)!;
  assert.equal(verify.fanout, 'task');
  assert.equal(verify.inputs, { task: { kind: 'output', stage: 'tasks', output: 'tasks', row: 'task' } });
  assert.equal(config.stages.get('scenarios' as never)!.fanout, 'global');
  assert.equal(config.positionOf(['stages', 'verify', 'inputs', 'task']), { line: 23, col: 13, length: 19 });
  assert.equal(config.positionOf(['stages', 'verify', 'inputs', 'task'], 'key'), { line: 23, col: 7, length: 4 });
});

test('llm settings and per-stage overrides are read', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 2),
    'llm:',
    '  model: gpt-4.1',
    '  temperature: 0.5',
    '  max_tokens: 2000',
    '  max_tokens_cap: 8000',
    '  reasoning_effort: low',
    '  context_tokens: 128000',
    '  concurrency: 8',
    '  timeout_s: 30',
    '  retries: 0',
    '  max_answer_kb: 512',
    '  max_requests_per_instance: 40',
    ...basePipeline.slice(2, 11),
    '    llm:',
    '      model: small',
    '      temperature: 0',
    '      max_tokens: 64000',
    '      max_tokens_cap: 128000',
    '      timeout_s: 1200',
    '      reasoning_effort: high',
    '      context_tokens: 200000',
    ...basePipeline.slice(11),
  );
  const config = await configFor(pipeline);
  assert.equal(config.llm, {
    model: 'gpt-4.1',
    temperature: 0.5,
    maxTokens: 2000,
    maxTokensCap: 8000,
    timeoutMs: 30_000,
    reasoningEffort: 'low',
    contextTokens: 128_000,
    concurrency: 8,
    retries: 0,
    maxAnswerBytes: 512 * 1024,
    maxRequestsPerInstance: 40,
    demoResponses: 'demo/recorded-responses',
    cacheDir: '.awm/cache/llm',
  });
  assert.equal(config.stages.get('scenarios' as never)!.llm, {
    model: 'small',
    temperature: 0,
    maxTokens: 64_000,
    maxTokensCap: 128_000,
    timeoutMs: 1_200_000,
    reasoningEffort: 'high',
    contextTokens: 200_000,
  });
  assert.equal(config.stages.get('tasks' as never)!.llm, {});
});

test('a YAML syntax error is reported with its line and column', async () => {
  const diagnostics = await diagnosticsFor(
    yaml('version: 1', 'world_clock: 2026-03-02T09:00:00Z', 'stages:', '  a:', '    code: [stages/a.mjs', '  b: 1'),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:6:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.equal(hints(diagnostics), [
    'check the indentation and that each key is followed by ": "; quote values that contain ": " or start with a special character',
  ]);
});

test('a duplicate key is a YAML error with its own hint', async () => {
  const diagnostics = await diagnosticsFor(yaml('version: 1', 'version: 1'));
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:2:1: YAML syntax error: Map keys must be unique']);
  assert.equal(hints(diagnostics), ['each key may appear only once in a mapping; remove or rename one of them']);
});

test('an alias naming no anchor is reported at the alias', async () => {
  const diagnostics = await diagnosticsFor(yaml('version: 1', 'world_clock: *clock', 'stages: {}'));
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:2:14: YAML error: the alias *clock names no anchor']);
  assert.equal(hints(diagnostics), ['define the anchor (&clock) on a value above this line, or write the value here']);
});

test('bytes that are not UTF-8 are refused at the first bad byte, before anything reads the value', async () => {
  const root = writeProject({ ...stubFiles });
  const text = Buffer.from(yaml('version: 1', 'artifacts_dir: "artéfacts', 'stages: {}'));
  const bad = Buffer.concat([text.subarray(0, 27), Buffer.from([0xff, 0xfe]), text.subarray(27)]);
  writeFileSync(join(root, 'awm.pipeline.yaml'), bad);
  const result = await loadPipelineConfig(root);
  const diagnostics = result.ok ? [] : result.error;
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:2:17: awm.pipeline.yaml is not UTF-8 text: byte 27 (0xff) starts no valid character',
  ]);
  assert.match(hints(diagnostics)[0]!, /save the file as UTF-8/);
});

test('a pipeline file that is a folder says so', async () => {
  const root = writeProject({ 'awm.pipeline.yaml/keep': '' });
  const result = await loadPipelineConfig(root);
  assert.equal(result.ok ? [] : messages(result.error), [
    'awm.pipeline.yaml: awm.pipeline.yaml is a folder, not a file',
  ]);
});

test('nesting past the limit is one positioned problem, however deep (no stack overflow)', async () => {
  const value = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const within = await diagnosticsFor(yaml(...basePipeline, `x-deep: ${value(MAX_YAML_DEPTH - 1)}`));
  assert.equal(messages(within), []);
  const past = await diagnosticsFor(yaml(...basePipeline, `x-deep: ${value(MAX_YAML_DEPTH)}`));
  const line = basePipeline.length + 1;
  assert.equal(messages(past), [
    `awm.pipeline.yaml:${line}:${9 + MAX_YAML_DEPTH - 1}: YAML error: mappings and lists nest more than ${MAX_YAML_DEPTH} levels deep here`,
  ]);
  const far = await diagnosticsFor(yaml(...basePipeline, `x-deep: ${value(5000)}`));
  assert.equal(far.length, 1);
  assert.match(far[0]!.message, `nest more than ${MAX_YAML_DEPTH} levels`);
  assert.is(far[0]!.position?.line, line);
});

test('a long source line is shown as a window around the column', () => {
  const line = `x: ${'a'.repeat(300)}!${'b'.repeat(300)}`;
  const text = formatDiagnostics(
    [{ file: 'f.yaml', position: { line: 1, col: 304, length: 1 }, message: 'here', hint: null }],
    line,
  );
  const [, shown, underline] = text.split('\n');
  assert.ok(shown!.length < 140, shown);
  assert.is(shown![underline!.indexOf('~')], '!');
});

test('a missing pipeline file says where awm looked', async () => {
  const root = writeProject({});
  const result = await loadPipelineConfig(root);
  assert.equal(result.ok ? [] : messages(result.error), [
    `awm.pipeline.yaml: there is no awm.pipeline.yaml in ${root}`,
  ]);
});

test('required top-level keys are named, with what they are for', async () => {
  const diagnostics = await diagnosticsFor(yaml('version: 1'));
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml: missing required top-level key "world_clock"',
    'awm.pipeline.yaml: missing required top-level key "stages"',
  ]);
  assert.equal(
    hints(diagnostics)[1],
    'add "stages". The stages, by name, in the order they are usually read. Each stage is one module in stages/.',
  );
});

test('unknown keys are errors, with a did-you-mean and the allowed keys', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 9),
    '    prompt:',
    '      x: prompts/x.md',
    ...basePipeline.slice(9),
    'stage: {}',
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:10:5: unknown key "prompt" in stage "scenarios"',
    'awm.pipeline.yaml:28:1: unknown top-level key "stage"',
  ]);
  assert.equal(hints(diagnostics), [
    'did you mean "prompts"? Allowed keys: foreach, code, prompts, inputs, outputs, params, llm',
    'did you mean "stages"? Allowed top-level keys: version, world_clock, artifacts_dir, llm, scenarios, tasks, stages',
  ]);
});

test('an unknown key with nothing close lists the allowed keys only', async () => {
  const diagnostics = await diagnosticsFor(
    yaml(...basePipeline.slice(0, 2), 'llm:', '  provider: openai', ...basePipeline.slice(2)),
  );
  assert.equal(messages(diagnostics), ['awm.pipeline.yaml:4:3: unknown key "provider" in "llm"']);
  assert.equal(hints(diagnostics), [
    'Allowed keys: model, temperature, max_tokens, max_tokens_cap, reasoning_effort, context_tokens, concurrency, timeout_s, retries, max_answer_kb, max_requests_per_instance, demo_responses, cache_dir',
  ]);
});

test('bad per-stage LLM settings are placed, with what is allowed', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 2),
    'llm:',
    '  reasoning_effort: extreme',
    '  timeout_s: 0',
    ...basePipeline.slice(2, 11),
    '    llm:',
    '      reasoning_effort: hihg',
    '      max_tokens_cap: 1.5',
    '      context_tokens: 0',
    ...basePipeline.slice(11),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:4:21: "llm.reasoning_effort" must be "minimal", "low", "medium" or "high" (got "extreme")',
    'awm.pipeline.yaml:5:14: "llm.timeout_s" must be greater than 0 (got 0)',
    'awm.pipeline.yaml:16:25: "llm.reasoning_effort" of stage "scenarios" must be "minimal", "low", "medium" or "high" (got "hihg")',
    'awm.pipeline.yaml:17:23: "llm.max_tokens_cap" of stage "scenarios" must be an integer (got 1.5)',
    'awm.pipeline.yaml:18:23: "llm.context_tokens" of stage "scenarios" must be at least 1 (got 0)',
  ]);
  assert.match(hints(diagnostics)[0] ?? '', /^expected: How much a reasoning model may think/);
  assert.match(hints(diagnostics)[2] ?? '', /^did you mean "high"\? expected: How much a reasoning model may think/);
});

test('a max_tokens_cap below the max_tokens it caps is an error, in the pipeline or in a stage', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 2),
    'llm:',
    '  max_tokens: 16000',
    '  max_tokens_cap: 8000',
    ...basePipeline.slice(2, 11),
    '    llm:',
    '      max_tokens_cap: 12000',
    ...basePipeline.slice(11, 18),
    '    llm:',
    '      max_tokens: 64000',
    '      max_tokens_cap: 32000',
    ...basePipeline.slice(18),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:5:19: "llm.max_tokens_cap" must be at least max_tokens, 16000 (got 8000)',
    'awm.pipeline.yaml:16:23: "llm.max_tokens_cap" of stage "scenarios" must be at least max_tokens, 16000 (got 12000)',
    'awm.pipeline.yaml:26:23: "llm.max_tokens_cap" of stage "tasks" must be at least max_tokens, 64000 (got 32000)',
  ]);
  assert.equal(
    hints(diagnostics)[1],
    'max_tokens_cap is the most a retry after a cut-off answer may raise max_tokens to; make it at least 16000 ("llm.max_tokens"), e.g. 32000 to allow one doubling',
  );
  assert.match(hints(diagnostics)[2] ?? '', /at least 64000 \("llm.max_tokens" of stage "tasks"\)/);
});

test("the pipeline's cap under a stage's own larger max_tokens is no error: that stage's answers are not raised", async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 2),
    'llm:',
    '  max_tokens_cap: 32000',
    ...basePipeline.slice(2, 11),
    '    llm:',
    '      max_tokens: 64000',
    ...basePipeline.slice(11),
  );
  assert.equal(messages(await diagnosticsFor(pipeline)), []);
});

test('wrong types and values say what was expected and what was found', async () => {
  const pipeline = yaml(
    'version: 2',
    'world_clock: "2026-03-02 09:00"',
    'llm:',
    '  temperature: hot',
    '  max_tokens: 1.5',
    '  concurrency: 0',
    ...basePipeline.slice(2, 12),
    '    foreach: scenarios',
    ...basePipeline.slice(13),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:1:10: "version" must be 1 (got 2)',
    'awm.pipeline.yaml:2:14: "world_clock" must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-02T09:00:00Z (got "2026-03-02 09:00")',
    'awm.pipeline.yaml:4:16: "llm.temperature" must be a number (got "hot")',
    'awm.pipeline.yaml:5:15: "llm.max_tokens" must be an integer (got 1.5)',
    'awm.pipeline.yaml:6:16: "llm.concurrency" must be at least 1 (got 0)',
    'awm.pipeline.yaml:17:14: "foreach" of stage "tasks" must be "scenario" or "task" (got "scenarios")',
  ]);
  assert.equal(hints(diagnostics)[0], 'expected: The pipeline file format version; this awm reads version 1.');
  assert.match(hints(diagnostics)[5] ?? '', /^did you mean "scenario"\? expected: How the stage fans out/);
});

test('a calendar-impossible world clock is caught', async () => {
  const diagnostics = await diagnosticsFor(
    yaml('version: 1', 'world_clock: 2026-02-30T09:00:00+01:00', ...basePipeline.slice(2)),
  );
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:2:14: "world_clock" must be a real date and time (got "2026-02-30T09:00:00+01:00")',
  ]);
});

test('names, input refs, code and output paths must be well-formed', async () => {
  const pipeline = yaml(
    ...basePipeline.slice(0, 7),
    '  Fetch-Data:',
    '    code: stages/fetch.py',
    '    inputs:',
    '      seeds: seeds.json',
    '      other: data/seeds.json',
    '    outputs:',
    '      Out: ../outside.json',
    ...basePipeline.slice(7),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:8:3: stage name "Fetch-Data" must start with a lower-case letter and contain only lower-case letters, digits and underscores',
    'awm.pipeline.yaml:9:11: "code" of stage "Fetch-Data" must be a path inside the project to a .ts, .js or .mjs file, e.g. stages/tasks.ts (got "stages/fetch.py")',
    'awm.pipeline.yaml:11:14: stage "Fetch-Data" reads "seeds.json", but there is no stage "seeds"',
    'awm.pipeline.yaml:12:14: input "other" of stage "Fetch-Data" must be file:PATH, file?:PATH, STAGE.OUTPUT, STAGE.OUTPUT[{scenario}] or STAGE.OUTPUT[{task}] (got "data/seeds.json")',
    'awm.pipeline.yaml:14:7: output name "Out" of stage "Fetch-Data" must start with a lower-case letter and contain only lower-case letters, digits and underscores',
    'awm.pipeline.yaml:14:12: output "Out" of stage "Fetch-Data" must be a relative path inside the project (no leading / and no ..), e.g. artifacts/{scenario}/tasks.json (got "../outside.json")',
  ]);
  assert.equal(
    hints(diagnostics)[2],
    'to read a project file, write "file:seeds.json". Stages: Fetch-Data, scenarios, tasks, verify',
  );
});

test('x- keys are free for YAML anchors, and merge keys share settings', async () => {
  const config = await configFor(
    yaml(
      ...basePipeline.slice(0, 2),
      'x-defaults: &defaults',
      '  code: stages/tasks.mjs',
      ...basePipeline.slice(2, 12),
      '    <<: *defaults',
      ...basePipeline.slice(12, 13),
      ...basePipeline.slice(14),
    ),
  );
  assert.is(config.stages.get('tasks' as never)!.code, 'stages/tasks.mjs');
});

test('an empty pipeline file and empty sections', async () => {
  assert.equal(messages(await diagnosticsFor('# nothing yet\n')), [
    'awm.pipeline.yaml: the pipeline file must be a mapping (got an empty value)',
  ]);
  assert.equal(messages(await diagnosticsFor(yaml(...basePipeline.slice(0, 2), 'stages: {}'))), [
    'awm.pipeline.yaml:3:1: "stages" must not be empty',
  ]);
});

test('a stage without code or outputs is reported at the stage', async () => {
  const diagnostics = await diagnosticsFor(yaml(...basePipeline, '  empty:', '    foreach: scenario'));
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml:26:3: missing required key "code" in stage "empty"',
    'awm.pipeline.yaml:26:3: missing required key "outputs" in stage "empty"',
  ]);
});

test('many problems of every kind come back at once, sorted by position', async () => {
  const pipeline = yaml(
    'world_clock: 2026-03-02T09:00:00Z',
    ...basePipeline.slice(2, 4),
    'tasks:',
    '  from: tasks.task',
    ...basePipeline.slice(6, 9),
    '    colour: blue',
    '    prompts:',
    '      generate: prompts/generate.md',
    ...basePipeline.slice(9, 22),
    '      task: taks.tasks[{task}]',
    ...basePipeline.slice(23),
  );
  const diagnostics = await diagnosticsFor(pipeline);
  assert.equal(messages(diagnostics), [
    'awm.pipeline.yaml: missing required top-level key "version"',
    'awm.pipeline.yaml:5:9: "tasks.from" names "tasks.task", but stage "tasks" has no output "task"',
    'awm.pipeline.yaml:9:5: unknown key "colour" in stage "scenarios"',
    'awm.pipeline.yaml:11:17: prompt file "prompts/generate.md" of stage "scenarios" does not exist',
    'awm.pipeline.yaml:25:13: stage "verify" reads "taks.tasks[{task}]", but there is no stage "taks"',
  ]);
});

test('formatDiagnostics underlines each problem and adds its hint', async () => {
  const pipeline = yaml(...basePipeline.slice(0, 22), '      task: taks.tasks[{task}]', ...basePipeline.slice(23));
  const diagnostics = await diagnosticsFor(pipeline);
  assert.is(
    formatDiagnostics(diagnostics, pipeline),
    [
      'awm.pipeline.yaml:23:13: stage "verify" reads "taks.tasks[{task}]", but there is no stage "taks"',
      '  23 |       task: taks.tasks[{task}]',
      '                   ~~~~~~~~~~~~~~~~~~',
      '  hint: did you mean "tasks"? Stages: scenarios, tasks, verify',
    ].join('\n'),
  );
});

test('the real awm.pipeline.yaml loads cleanly when the files it names exist', async () => {
  const text = readFileSync(join(repoRoot, 'awm.pipeline.yaml'), 'utf8');
  const raw = parse(text) as {
    stages: Record<string, { code: string; prompts?: Record<string, string>; inputs?: Record<string, string> }>;
  };
  const files: Record<string, string> = { 'awm.pipeline.yaml': text };
  for (const stage of Object.values(raw.stages)) {
    files[stage.code] = stubStage();
    for (const prompt of Object.values(stage.prompts ?? {})) files[prompt] = 'prompt\n';
    for (const input of Object.values(stage.inputs ?? {}))
      if (input.startsWith('file:')) files[input.slice(5)] = '[]\n';
  }
  const root = writeProject(files);
  copyFileSync(join(repoRoot, 'awm.pipeline.schema.json'), join(root, 'awm.pipeline.schema.json'));
  const result = await loadPipelineConfig(root);
  assert.equal(result.ok ? [] : messages(result.error), []);
  if (!result.ok) return;
  assert.equal([...result.value.stages.keys()], Object.keys(raw.stages));
  assert.equal(result.value.llm.model, 'gpt-4.1');
  assert.ok(text.startsWith('# yaml-language-server: $schema=./awm.pipeline.schema.json'));
});

test.run();
