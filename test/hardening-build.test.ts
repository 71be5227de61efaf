// Hardening through the real CLI against the local mock LLM server (issue 9, groups 1 and 4):
// LLM-written SQL that reaches for a file outside the project or never ends, checked by the real
// schema and sample stages; and a build stopped with Ctrl-C or killed with SIGKILL while LLM
// answers are in flight. The unit-level proofs are in sandbox.test.ts, sql-statement-guard.test.ts
// and llm-transport.test.ts; these show the whole build behaving.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  mockStep,
  startMockLlmServer,
  type MockLlmScript,
  type MockLlmServer,
  type MockStep,
} from '../src/testing/mock-llm-server.js';
import { REPO_ROOT, TempProject } from './support/cli-rig.js';
import {
  commandLine,
  descendantsOf,
  exitCode,
  isRunning,
  killLeftoverClis,
  runCli,
  sleep,
  startCli,
  waitFor,
} from './support/cli-process.js';

const SCENARIO = {
  id: 'online_bookstore',
  name: 'Online Bookstore',
  category: 'e-commerce',
  description: 'A web shop for printed books.',
};
const TASKS = [{ id: 'task_00', kind: 'question', text: 'How many copies of Piranesi are in stock?' }];
const SCHEMA = {
  tables: [
    { name: 'users', ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)', indexes: [] },
    {
      name: 'books',
      ddl: 'CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, stock INTEGER NOT NULL)',
      indexes: [],
    },
  ],
};
/**
 * An INSERT whose recursive CTE never ends. Sample inserts must open with `INSERT INTO t (columns)`,
 * so the WITH comes after the column list; `WHERE x < 0` keeps its memory flat (the recursion holds
 * one row at a time and nothing is inserted), so only the time limit can stop it.
 */
const ENDLESS_INSERT =
  'INSERT INTO books (id, title, stock) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, x, x FROM c WHERE x < 0;';

/** A stage module in the temp project that is one of the repository's compiled modules. */
const reexport = (compiled: string): string =>
  `export { default } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', compiled)).href)};\n`;

type SqlStage = 'schema' | 'sample';

/** A project whose one LLM stage is the real schema or sample stage, its inputs given as files. */
function sqlStageProject(stage: SqlStage, params: Readonly<Record<string, number>>): TempProject {
  const schemaInput = stage === 'sample' ? ['      schema: file:data/schema.json'] : [];
  const outputs =
    stage === 'sample'
      ? ['      sample: out/sample.json', '      seed_db: out/seed.db']
      : ['      schema: out/schema.json'];
  const pipeline = [
    'version: 1',
    'world_clock: "2026-03-02T09:00:00Z"',
    'llm:',
    '  model: gpt-test',
    '  timeout_s: 60',
    '  retries: 0',
    'stages:',
    `  ${stage}:`,
    `    code: stages/${stage}.mjs`,
    '    prompts:',
    `      ${stage}: prompts/${stage}.md`,
    '    inputs:',
    '      scenario: file:data/scenario.json',
    '      tasks: file:data/tasks.json',
    ...schemaInput,
    '    outputs:',
    ...outputs,
    '    params:',
    // The test schemas are tiny: the schema stage's depth target (min_tables) is lowered to them.
    ...Object.entries(stage === 'schema' ? { min_tables: 1, ...params } : params).map(
      ([name, value]) => `      ${name}: ${value}`,
    ),
  ];
  return new TempProject({
    'awm.pipeline.yaml': `${pipeline.join('\n')}\n`,
    [`stages/${stage}.mjs`]: reexport(`stages/${stage}.js`),
    [`prompts/${stage}.md`]: readFileSync(join(REPO_ROOT, 'prompts', `${stage}.md`), 'utf8'),
    'data/scenario.json': JSON.stringify(SCENARIO),
    'data/tasks.json': JSON.stringify(TASKS),
    'data/schema.json': JSON.stringify(SCHEMA),
  });
}

/** A sample answer whose books rows are `books` (user 1 is always there). */
function sampleAnswer(...books: string[]): unknown {
  return {
    tables: [
      {
        table_name: 'users',
        reasoning: 'the signed-in user',
        insert_statements: ["INSERT INTO users (id, name) VALUES (1, 'Maya');"],
      },
      { table_name: 'books', reasoning: 'books in stock', insert_statements: books },
    ],
  };
}

/** A project of independent stages, each asking for a poem about its name (a real llmStage, 2 attempts). */
function poemProject(names: readonly string[] = ['sea', 'desert']): TempProject {
  const stage = (name: string): string[] => [
    `  ${name}:`,
    '    code: stages/poem.mjs',
    '    prompts:',
    '      ask: prompts/ask.md',
    '    inputs:',
    `      topic: file:data/${name}.txt`,
    '    outputs:',
    `      poem: out/${name}.json`,
    '    params:',
    '      max_attempts: 2',
  ];
  const pipeline = [
    'version: 1',
    'world_clock: "2026-03-02T09:00:00Z"',
    'llm:',
    '  model: gpt-test',
    '  timeout_s: 60',
    '  retries: 0',
    'stages:',
    ...names.flatMap(stage),
  ];
  const stageApi = JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist/src/stage-api/index.js')).href);
  return new TempProject({
    'awm.pipeline.yaml': `${pipeline.join('\n')}\n`,
    'stages/poem.mjs': `import { llmStage } from ${stageApi};
export default llmStage({
  description: 'asks for a two-line poem',
  prompt: (context) => ['ask', { topic: context.inputs.text('topic').trim() }],
  answer: { type: 'object', required: ['lines'], additionalProperties: false,
    properties: { lines: { type: 'array', minItems: 2, items: { type: 'string' } } } },
  check: () => ({ ok: true, warnings: [] }),
  failure: 'no poem',
  write: (answer, context) => context.outputs.writeJson('poem', answer),
});
`,
    'prompts/ask.md': 'Write a two-line poem about {{topic}}. Answer as JSON: {"lines": [..]}.\n',
    ...Object.fromEntries(names.map((name) => [`data/${name}.txt`, `the ${name}\n`])),
  });
}

const GOOD_POEM = mockStep.json({ lines: ['waves fold', 'into salt'] });
/** Schema-invalid, so the stage would ask again with a repair request. */
const BAD_POEM = (options: { delayMs?: number } = {}): MockStep =>
  mockStep.answer(JSON.stringify({ lines: 'one line only' }), options);

/** The sandboxed SQL check's processes, once its node child is running. */
const sandboxProcesses = (cli: number): number[] | false => {
  const below = descendantsOf(cli);
  return below.some((pid) => commandLine(pid).includes('child-entry.js')) && below;
};

function cachedAnswers(project: TempProject): string[] {
  const cache = join(project.dir, '.awm/cache/llm');
  if (!existsSync(cache)) return [];
  return readdirSync(cache, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.json'))
    .map((name) => (JSON.parse(readFileSync(join(cache, name), 'utf8')) as { answer: { text: string } }).answer.text);
}

const Hardening = suite('hardening: the build against runaway SQL and interruptions');
let openMock: MockLlmServer | null = null;
let project: TempProject | null = null;
let outside = '';
/** The sandbox's processes a test saw, killed afterwards should one outlive a failed test. */
let sandbox: number[] = [];

/** The mock LLM server for this test, closed after it. */
async function startMock(script: MockLlmScript): Promise<MockLlmServer> {
  openMock = await startMockLlmServer(script);
  return openMock;
}

const llmEnv = (mock: MockLlmServer): Record<string, string> => ({
  OPENAI_BASE_URL: mock.url,
  OPENAI_API_KEY: 'sk-test',
});

Hardening.before.each(() => {
  outside = mkdtempSync(join(tmpdir(), 'awm-outside-'));
});
Hardening.after.each(async () => {
  killLeftoverClis();
  for (const pid of sandbox.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await openMock?.close();
  openMock = null;
  project?.remove();
  project = null;
  rmSync(outside, { recursive: true, force: true });
});

const REFUSALS = [
  {
    stage: 'schema',
    construct: 'ATTACH',
    answer: (target: string) => ({
      tables: [{ name: 't', ddl: `ATTACH DATABASE '${target}' AS x; CREATE TABLE x.t(a)`, indexes: [] }],
    }),
    refusal: /statement 1 \(ATTACH DATABASE '[^']+' AS x\) is refused: ATTACH opens or creates another database file/,
  },
  {
    stage: 'schema',
    construct: 'VACUUM INTO',
    answer: (target: string) => ({
      tables: [{ name: 't', ddl: `CREATE TABLE t (a INTEGER); VACUUM INTO '${target}'`, indexes: [] }],
    }),
    refusal: /statement 2 \(VACUUM INTO '[^']+'\) is refused: VACUUM INTO writes a copy of the database to a file/,
  },
  {
    stage: 'sample',
    construct: 'ATTACH',
    answer: (target: string) =>
      sampleAnswer(`INSERT INTO books (id, title, stock) VALUES (1, 'Piranesi', 3); ATTACH DATABASE '${target}' AS x`),
    refusal: /statement 2 \(ATTACH DATABASE '[^']+' AS x\) is refused: ATTACH opens or creates another database file/,
  },
  {
    stage: 'sample',
    construct: 'VACUUM INTO',
    answer: (target: string) =>
      sampleAnswer(`INSERT INTO books (id, title, stock) VALUES (1, 'Piranesi', 3); VACUUM INTO '${target}'`),
    refusal: /statement 2 \(VACUUM INTO '[^']+'\) is refused: VACUUM INTO writes a copy of the database to a file/,
  },
] as const;

for (const { stage, construct, answer, refusal } of REFUSALS) {
  Hardening(`${construct} in a ${stage} answer is refused, fed back, reported, and writes no file`, async () => {
    const target = join(outside, 'stolen.db');
    const mock = await startMock({ respond: () => mockStep.json(answer(target)) });
    project = sqlStageProject(stage, { max_attempts: 2 });
    const build = await runCli(project, ['build'], llmEnv(mock));
    assert.is(build.code, 1, build.stdout + build.stderr);
    const failure = build.stdout.split('\n').find((line) => line.includes(`✗ failed check ${stage}:`)) ?? '';
    assert.match(failure, refusal, build.stdout);
    assert.match(mock.chatRequests[1]?.text ?? '', refusal, 'the refusal is fed back to the LLM');
    const log = JSON.parse(project.read(`artifacts/logs/${stage}.json`)) as { outcome: string };
    assert.is(log.outcome, 'failed-check');
    assert.not.ok(existsSync(target), `${target} was created`);
    assert.equal(readdirSync(outside), []);
  });
}

Hardening('an endless recursive CTE in a sample insert is stopped by the check time limit and reported', async () => {
  const mock = await startMock({ respond: () => mockStep.json(sampleAnswer(ENDLESS_INSERT)) });
  project = sqlStageProject('sample', { max_attempts: 1, check_time_limit_s: 2 });
  const started = Date.now();
  const build = await runCli(project, ['build'], llmEnv(mock));
  assert.is(build.code, 1, build.stdout + build.stderr);
  assert.match(
    build.stdout,
    /✗ failed check sample: .*running the SQL was stopped after 2000 ms, its time limit; look for work that never ends/,
  );
  assert.ok(Date.now() - started >= 2000, 'the check ran until its time limit');
  assert.not.ok(project.exists('out/seed.db'));
});

Hardening('check_time_limit_s is checked with the other params', async () => {
  project = sqlStageProject('sample', { check_time_limit_s: 0 });
  const build = await runCli(project, ['build']);
  assert.is(build.code, 2, build.stdout + build.stderr);
  assert.is(
    build.stderr.split('\n')[0],
    'awm.pipeline.yaml:20:27: param "check_time_limit_s" of stage "sample" must be at least 1 (got 0)',
  );
});

Hardening(
  'Ctrl-C during an endless check: the build exits 130 once the time limit stops it, leaving nothing running',
  async () => {
    const mock = await startMock({ respond: () => mockStep.json(sampleAnswer(ENDLESS_INSERT)) });
    project = sqlStageProject('sample', { max_attempts: 3, check_time_limit_s: 3 });
    const cli = startCli(project, ['build'], llmEnv(mock));
    sandbox = await waitFor('the sandboxed SQL check to start', () => sandboxProcesses(cli.pid), { cli });
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    assert.is(await exitCode(cli), 130, cli.stdout() + cli.stderr());
    const seconds = (Date.now() - interrupted) / 1000;
    assert.ok(seconds < 3 + 5, `the build took ${seconds} s to stop after Ctrl-C`);
    assert.match(cli.stderr(), /interrupted; letting running instances finish/);
    // It started, and was stopped before its repair request.
    assert.match(cli.stdout(), /awm: built 0, fresh 0, failed 0, skipped 0, interrupted 1 in /);
    assert.is(mock.chatRequests.length, 1, 'no repair request after Ctrl-C');
    await waitFor('the sandbox processes to end', () => sandbox.every((pid) => !isRunning(pid)), { timeoutMs: 5_000 });
    assert.not.ok(project.exists('.awm/build.pid'));
  },
);

Hardening('a second Ctrl-C during an endless check stops the build and its sandbox at once', async () => {
  const mock = await startMock({ respond: () => mockStep.json(sampleAnswer(ENDLESS_INSERT)) });
  project = sqlStageProject('sample', { max_attempts: 3, check_time_limit_s: 60 });
  const cli = startCli(project, ['build'], llmEnv(mock));
  sandbox = await waitFor('the sandboxed SQL check to start', () => sandboxProcesses(cli.pid), { cli });
  cli.child.kill('SIGINT');
  await waitFor('the first Ctrl-C to be acknowledged', () => /interrupted;/.test(cli.stderr()), { cli });
  const interrupted = Date.now();
  cli.child.kill('SIGINT');
  assert.is(await exitCode(cli), 130, cli.stdout() + cli.stderr());
  const seconds = (Date.now() - interrupted) / 1000;
  assert.ok(seconds < 5, `the build took ${seconds} s to stop after the second Ctrl-C`);
  await waitFor('the sandbox processes to end', () => sandbox.every((pid) => !isRunning(pid)), { timeoutMs: 5_000 });
  assert.not.ok(project.exists('.awm/build.pid'));
});

Hardening('an answer received 50 ms before kill -9 is not requested again', async () => {
  // A is answered at once but fails the schema, so the stage asks again: that repair, B, hangs.
  // B's arrival also proves the CLI has received A; the kill waits for it and for 50 ms after A.
  const mock = await startMock({ steps: [BAD_POEM(), mockStep.hang()], respond: () => GOOD_POEM });
  project = poemProject(['sea']);
  // startCli spawns it detached: the kill reaches its whole process group, as kill -9 of a job would.
  const cli = startCli(project, ['build'], llmEnv(mock));
  const requestA = await waitFor('A to be answered', () => mock.replied[0], { cli });
  await sleep(50);
  await waitFor('B to be asked', () => mock.chatRequests.length === 2, { cli });
  assert.is(mock.replied.length, 1, 'B is still pending');
  cli.killGroup('SIGKILL');
  await exitCode(cli);
  const before = mock.chatRequests.length;
  const rerun = await runCli(project, ['build'], llmEnv(mock));
  assert.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  const again = mock.chatRequests.slice(before).map((request) => request.text);
  assert.not.ok(again.includes(requestA.text), 'A was requested again');
  assert.match(rerun.stdout, /✓ built sea \(.*2 LLM requests \(1 from cache\)\)/);
});

Hardening('the first Ctrl-C lets a request in flight be answered and cached, and starts nothing new', async () => {
  const mock = await startMock({ steps: [BAD_POEM({ delayMs: 1000 })], respond: () => GOOD_POEM });
  project = poemProject();
  const cli = startCli(project, ['build', '--jobs', '1'], llmEnv(mock));
  const requestA = await waitFor('a request in flight', () => mock.chatRequests[0], { cli });
  cli.child.kill('SIGINT');
  assert.is(await exitCode(cli), 130, cli.stdout() + cli.stderr());
  assert.match(cli.stderr(), /interrupted; letting running instances finish/);
  assert.is(mock.replied.length, 1, 'the CLI waited for the answer');
  assert.is(mock.chatRequests.length, 1, 'no repair and no other instance was started after Ctrl-C');
  assert.match(cli.stdout(), /awm: built 0, fresh 0, failed 0, skipped 0, interrupted 2 in /);
  assert.equal(cachedAnswers(project), [JSON.stringify({ lines: 'one line only' })]);
  assert.not.ok(project.exists('.awm/build.pid'));
  const rerun = await runCli(project, ['build'], llmEnv(mock));
  assert.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  const again = mock.chatRequests.slice(1).map((request) => request.text);
  assert.not.ok(again.includes(requestA.text), 'the answered request was sent again');
  assert.match(rerun.stdout, /LLM requests \(1 from cache\)/);
});

Hardening('a second Ctrl-C stops at once, without waiting for or caching the answer in flight', async () => {
  const mock = await startMock({ respond: () => BAD_POEM({ delayMs: 5000 }) });
  project = poemProject();
  const cli = startCli(project, ['build', '--jobs', '1'], llmEnv(mock));
  await waitFor('a request in flight', () => mock.chatRequests[0], { cli });
  cli.child.kill('SIGINT');
  await waitFor('the first Ctrl-C to be acknowledged', () => /interrupted;/.test(cli.stderr()), { cli });
  cli.child.kill('SIGINT');
  assert.is(await exitCode(cli), 130, cli.stdout() + cli.stderr());
  assert.is(mock.replied.length, 0, 'the CLI did not wait for the answer');
  assert.is(mock.chatRequests.length, 1);
  assert.equal(cachedAnswers(project), []);
  assert.not.ok(project.exists('.awm/build.pid'));
});

Hardening.run();
