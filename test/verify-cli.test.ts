// `awm verify` end to end: the real CLI in a temp project, hand-made run folders, the judge through
// the local mock server. The verdict's line and verify.<mode>.json, exit 0 with a reward, 1 without
// one, 2 when the command cannot run (with what is missing and what to do).
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer, type MockLlmServer } from '../src/testing/mock-llm-server.js';
import { TempProject } from './support/cli-rig.js';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { buyStep, judgeAnswer, writePythonVerifier, writeRun, writeVerifier } from './support/verify-fixture.js';

// The verifier stage writes to out/…/checks/ here: awm verify looks where the pipeline says.
const PIPELINE = `version: 1
world_clock: "2026-03-02T09:00:00Z"
llm:
  model: judge-from-pipeline
  retries: 0
scenarios:
  from: list.scenarios
tasks:
  from: tasks.tasks
stages:
  list:
    code: stages/noop.mjs
    outputs:
      scenarios: out/scenarios.json
  tasks:
    foreach: scenario
    code: stages/noop.mjs
    inputs:
      row: list.scenarios[{scenario}]
    outputs:
      tasks: out/{scenario}/tasks.json
  verifier:
    foreach: task
    code: stages/noop.mjs
    inputs:
      task: tasks.tasks[{task}]
    outputs:
      verifier: out/{scenario}/checks/{task}.json
`;

const NOOP_STAGE =
  "export default { description: 'does nothing', usesLlm: false, async run() { return { status: 'ok' }; } };\n";

// Asked before any suite runs: uvu starts the queued suites as soon as the module yields.
const python = await findPython();
if (!python.ok) console.log(`  skipped: awm verify with Python verifiers (${python.error})`);

const Code = suite('awm verify --mode code');
let project: TempProject;

Code.before.each(() => {
  project = new TempProject({});
  writeRun(join(project.dir, 'runs', 'done'));
  writeRun(join(project.dir, 'runs', 'untouched'), { finalStock: 4 });
  writeVerifier(join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_01.json'));
});
Code.after.each(() => project.remove());

Code('a completed run: one line, verify.code.json with reward 1, exit 0', async () => {
  const result = await project.run(['verify', 'runs/done', '--mode', 'code']);
  assert.equal([result.code, result.stdout, result.stderr], [0, 'complete (reward 1)\n', '']);
  const written = JSON.parse(project.read('runs/done/verify.code.json'));
  assert.equal(
    [
      written.format,
      written.mode,
      written.scenario,
      written.task_id,
      written.result,
      written.reward,
      written.reward_reason,
    ],
    [1, 'code', 'shop', 'task_01', 'complete', 1, 'complete'],
  );
  assert.is(written.verifier, join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_01.json'));
});

Code('others with --rewards; -C names the project and the folder paths are read from', async () => {
  const result = await project.run([
    '-C',
    project.dir,
    'verify',
    'runs/untouched',
    '--mode',
    'code',
    '--rewards',
    'others=-1',
  ]);
  assert.equal([result.code, result.stdout], [0, 'others (reward -1)\n']);
  assert.is(JSON.parse(project.read('runs/untouched/verify.code.json')).reward, -1);
});

Code('a verifier that throws: reward null and why, exit 1', async () => {
  writeVerifier(join(project.dir, 'broken.json'), { code_verifier: "function () { throw new Error('boom'); }" });
  const result = await project.run(['verify', 'runs/done', '--mode', 'code', '--verifier', 'broken.json']);
  assert.equal([result.code, result.stdout], [1, 'reward null: verifier_error: the verifier threw: boom\n']);
  const written = JSON.parse(project.read('runs/done/verify.code.json'));
  assert.equal(
    [written.reward, written.error],
    [null, { code: 'verifier_error', message: 'the verifier threw: boom' }],
  );
});

Code('what cannot run says what is missing and what to do, exit 2, nothing written', async () => {
  writeRun(join(project.dir, 'runs', 'other'), { taskId: 'task_07' });
  const noVerifier = await project.run(['verify', 'runs/other', '--mode', 'code']);
  const expected = join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_07.json');
  assert.equal(
    [noVerifier.code, noVerifier.stderr],
    [
      2,
      `awm: no verifier for task task_07 of scenario shop: ${expected} does not exist. Build it with \`npx awm build shop:verifier\` in the project folder (or pass -C DIR), or pass --verifier FILE\n`,
    ],
  );
  assert.not.ok(project.exists('runs/other/verify.code.json'));
  const noRun = await project.run(['verify', 'runs', '--mode', 'code']);
  assert.equal(
    [noRun.code, noRun.stderr],
    [2, `awm: ${join(project.dir, 'runs')} has no trajectory.json: it is not a finished run folder of \`awm agent\`\n`],
  );
  const usage = await project.run(['verify', 'runs/done', 'runs/untouched', '--mode', 'code', '--model', 'm']);
  assert.equal(
    [usage.code, usage.stderr],
    [
      2,
      'awm: `awm verify` takes one run folder, not 2 (runs/done, runs/untouched)\n' +
        'awm: --model is for sql mode (the judge); code mode asks no LLM\n' +
        'Run `awm --help` for usage.\n',
    ],
  );
});

Code('a run without final.db is written as unscorable, exit 1', async () => {
  writeRun(join(project.dir, 'runs', 'foreign'), { finalStock: null, databaseNote: 'the agent ran against --mcp-url' });
  const result = await project.run(['verify', 'runs/foreign', '--mode', 'code']);
  assert.equal(
    [result.code, result.stdout],
    [
      1,
      'reward null: missing_database: the run has no final.db (after the episode); the trajectory says: the agent ran against --mcp-url\n',
    ],
  );
});

Code.run();

const Sql = suite('awm verify --mode sql');
let mock: MockLlmServer;
const env = (): Record<string, string> => ({ OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'sk-test' });

Sql.before.each(async () => {
  project = new TempProject({ 'awm.pipeline.yaml': PIPELINE, 'stages/noop.mjs': NOOP_STAGE });
  writeRun(join(project.dir, 'runs', 'done'));
  writeVerifier(join(project.dir, 'out', 'shop', 'checks', 'task_01.json'));
  mock = await startMockLlmServer({});
});
Sql.after.each(async () => {
  await mock.close();
  project.remove();
});

Sql('the judge says complete: verify.sql.json with its verdict, facts and model; exit 0', async () => {
  mock.push(mockStep.json(judgeAnswer('complete')));
  const result = await project.run(['verify', 'runs/done', '--mode', 'sql'], env());
  assert.equal([result.code, result.stdout, result.stderr], [0, 'complete (reward 1)\n', '']);
  const written = JSON.parse(project.read('runs/done/verify.sql.json'));
  assert.equal(
    [written.mode, written.classification, written.reward, written.judge_model, written.facts],
    ['sql', 'complete', 1, 'judge-from-pipeline', { today: '2026-03-02', stock_before: 4, stock_after: 3 }],
  );
  assert.is(written.verifier, join(project.dir, 'out', 'shop', 'checks', 'task_01.json'));
  const sent = mock.chatRequests[0]!;
  assert.is((sent.body as { model: string }).model, 'judge-from-pipeline');
  assert.ok(sent.text.includes('SUCCESS-MARK') && sent.text.includes('"stock_after": 3'));
});

Sql('--model picks the judge; server_error is never scored: exit 1', async () => {
  writeRun(join(project.dir, 'runs', 'broken'), { finalStock: 4, steps: [buyStep(1, 'unavailable')] });
  mock.push(mockStep.json(judgeAnswer('server_error')));
  const result = await project.run(['verify', 'runs/broken', '--mode', 'sql', '--model', 'other-judge'], env());
  assert.equal(
    [result.code, result.stdout],
    [1, 'server_error (reward null: an environment failure is never scored)\n'],
  );
  assert.is((mock.chatRequests[0]!.body as { model: string }).model, 'other-judge');
  const written = JSON.parse(project.read('runs/broken/verify.sql.json'));
  assert.equal([written.classification, written.reward, written.error], ['server_error', null, null]);
});

Sql('a judge that never answers usably: reward null with judge_error, exit 1', async () => {
  mock.push(mockStep.answer('complete!'), mockStep.answer('complete!'), mockStep.answer('complete!'));
  const result = await project.run(['verify', 'runs/done', '--mode', 'sql'], env());
  assert.is(result.code, 1);
  assert.match(
    result.stdout,
    /^reward null: judge_error: the judge gave no usable verdict: none of the 3 attempts passed/,
  );
  assert.is(JSON.parse(project.read('runs/done/verify.sql.json')).reward, null);
});

Sql('with no LLM configured, sql mode cannot run: exit 2, saying how to configure one', async () => {
  const result = await project.run(['verify', 'runs/done', '--mode', 'sql']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /^awm: sql mode asks an LLM judge, and no LLM is configured: set OPENAI_API_KEY/);
  assert.not.ok(project.exists('runs/done/verify.sql.json'));
});

Sql('in a project, a missing verifier is found where its pipeline puts it, and the build target named', async () => {
  writeRun(join(project.dir, 'runs', 'other'), { taskId: 'task_07' });
  const result = await project.run(['verify', 'runs/other', '--mode', 'code']);
  const expected = join(project.dir, 'out', 'shop', 'checks', 'task_07.json');
  assert.equal(
    [result.code, result.stderr],
    [
      2,
      `awm: no verifier for task task_07 of scenario shop: ${expected} does not exist. Build it with \`npx awm build shop:verifier\`, or pass --verifier FILE\n`,
    ],
  );
});

Sql.run();

// The reference pipeline's Python verifiers, as the import helper writes them: the same command.
const Python = suite('awm verify --mode code, Python verifiers');

Python.before.each(() => {
  project = new TempProject({});
  writeRun(join(project.dir, 'runs', 'done'));
  writeRun(join(project.dir, 'runs', 'untouched'), { finalStock: 4 });
  writePythonVerifier(join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_01.json'));
});
Python.after.each(() => project.remove());

(python.ok ? Python : Python.skip)(
  'found where the project keeps it, or given with --verifier; verify.code.json',
  async () => {
    const done = await project.run(['verify', 'runs/done', '--mode', 'code']);
    assert.equal([done.code, done.stdout, done.stderr], [0, 'complete (reward 1)\n', '']);
    const written = JSON.parse(project.read('runs/done/verify.code.json'));
    assert.equal([written.result, written.reason, written.reward], ['complete', 'one copy sold', 1]);
    writePythonVerifier(join(project.dir, 'broken.json'), {
      code_verifier: 'def verify_task_completion(a, b, c):\n    return 1 / 0\n',
    });
    const untouched = await project.run(['verify', 'runs/untouched', '--mode', 'code']);
    assert.equal([untouched.code, untouched.stdout], [0, 'others (reward 0)\n']);
    const broken = await project.run(['verify', 'runs/untouched', '--mode', 'code', '--verifier', 'broken.json']);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stdout,
      /^reward null: verifier_error: the verifier raised ZeroDivisionError: division by zero\n/,
    );
  },
);

Python('without python3 on PATH: exit 2, saying python3 is needed and how to get it', async () => {
  const result = await project.run(['verify', 'runs/done', '--mode', 'code'], { PATH: join(project.dir, 'no-bin') });
  const verifier = join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_01.json');
  assert.equal(
    [result.code, result.stdout, result.stderr.split('. Install')[0]],
    [
      2,
      '',
      `awm: ${verifier}: running this Python verifier needs \`python3\`, but it is not on PATH (${join(project.dir, 'no-bin')})`,
    ],
  );
  assert.match(result.stderr, /apt-get install python3/);
  assert.not.ok(project.exists('runs/done/verify.code.json'));
});

Python.run();
