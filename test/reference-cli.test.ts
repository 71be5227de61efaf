// The reference system's spellings of `awm agent`, `awm verify` and `awm gen` through the real CLI:
// each reaches what awm's own spelling does (same exit code, output and files), a flag given in both
// spellings is refused naming both, `awm gen` refuses what does not map, and `awm --help` lists
// them. The env commands' spellings run on a built project in reference-env-cli.test.ts.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { makeShopProject, readTrajectory, runFolderOf } from './support/agent-fixture.js';
import { TempProject } from './support/cli-rig.js';
import { writeRun, writeVerifier } from './support/verify-fixture.js';

test('awm --help lists the reference spellings', async () => {
  const project = new TempProject({});
  try {
    const help = await project.run(['--help']);
    assert.is(help.code, 0);
    for (const line of [
      '  env check_all, env reset_db       = env check-all, env reset-db\n',
      '  --task_id, --mcp_url, --api_url   = --task-id, --mcp-url, --api-url (env, agent, verify: any flag, _ for -)\n',
      '  verify --input RUN_DIR            = verify RUN_DIR\n',
      '  env start --envs_load_path P      = env start; P is not read: awm serves the env it built (likewise\n',
      "  gen STAGE --input F --output F    = import F, build each scenario's STAGE, export its file (gen all: every stage)\n",
    ])
      assert.ok(help.stdout.includes(line), line);
  } finally {
    project.remove();
  }
});

test('agent --scenario --task_id --api_url --max_tokens --max_iterations --output_dir: the run awm’s spelling makes', async () => {
  const project = makeShopProject();
  const mock = await startMockLlmServer({ steps: [mockStep.answer('Order 1 and order 2 are placed.')] });
  try {
    const result = await project.run([
      'agent',
      '--model',
      'mock-model',
      '--scenario',
      'shop',
      '--task_id',
      '1',
      '--api_url',
      mock.url,
      '--max_tokens',
      '77',
      '--max_iterations',
      '3',
      '--temperature',
      '0.5',
      '--output_dir',
      'runs/reference-spelling',
    ]);
    assert.is(result.code, 0, result.stderr);
    assert.is(runFolderOf(project, result), join(project.dir, 'runs/reference-spelling'));
    assert.is(mock.chatRequests.length, 1);
    const body = mock.chatRequests[0]!.body as { max_tokens: number; temperature: number };
    assert.equal([body.max_tokens, body.temperature], [77, 0.5]);
    const trajectory = readTrajectory(join(project.dir, 'runs/reference-spelling'));
    assert.equal(
      [trajectory.task_id, trajectory.max_iterations, trajectory.stop_reason, trajectory.final_answer],
      ['task_01', 3, 'final_answer', 'Order 1 and order 2 are placed.'],
    );
  } finally {
    await mock.close();
    project.remove();
  }
});

test('agent --task --mcp_url: the same refusal as --mcp-url when nothing listens; both spellings at once: exit 2', async () => {
  const project = makeShopProject();
  try {
    const dead = 'http://127.0.0.1:9/mcp';
    const common = ['agent', '--model', 'm', '--api-url', 'http://127.0.0.1:9/v1', '--task', 'List my orders.'];
    const ours = await project.run([...common, '--mcp-url', dead]);
    const theirs = await project.run([...common, '--mcp_url', dead]);
    assert.is(ours.code, 1, ours.stderr);
    assert.equal(
      [theirs.code, theirs.stdout, theirs.stderr],
      [
        ours.code,
        ours.stdout,
        "awm: note: awm agent calls tools natively (--protocol tools) unless told; the reference's agent writes <tool_call> text, which is --protocol awm-xml (the protocol the Arctic-AWM models were trained on)\n" +
          ours.stderr,
      ],
    );

    const both = await project.run(['agent', '--scenario', 'shop', '--task_id', '3', '--task-id', '4']);
    assert.equal(
      [both.code, both.stdout, both.stderr],
      [
        2,
        '',
        'awm: --task_id and --task-id are one option (--task-id) in two spellings; give it once\nRun `awm --help` for usage.\n',
      ],
    );
    const unknown = await project.run(['agent', '--scenario', 'shop', '--task_id', '0', '--envs_path', 'x.jsonl']);
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /^awm: Unknown option '--envs_path'\./);
  } finally {
    project.remove();
  }
});

test('verify --input RUN_DIR --mode code: the verdict and file of verify RUN_DIR; with both, exit 2', async () => {
  const project = new TempProject({});
  try {
    writeRun(join(project.dir, 'runs', 'done'));
    writeVerifier(join(project.dir, 'artifacts', 'shop', 'verifiers', 'task_01.json'));
    const theirs = await project.run(['verify', '--input', 'runs/done', '--mode', 'code']);
    assert.equal([theirs.code, theirs.stdout, theirs.stderr], [0, 'complete (reward 1)\n', '']);
    const written = project.read('runs/done/verify.code.json');
    const ours = await project.run(['verify', 'runs/done', '--mode', 'code']);
    assert.equal([ours.code, ours.stdout, ours.stderr], [0, 'complete (reward 1)\n', '']);
    const strip = (text: string): unknown => ({ ...JSON.parse(text), at: null });
    assert.equal(strip(project.read('runs/done/verify.code.json')), strip(written));

    const both = await project.run(['verify', 'runs/done', '--input', 'runs/done', '--mode', 'code']);
    assert.is(both.code, 2);
    assert.is(
      both.stderr,
      "awm: `awm verify` takes the run folder once: as RUN_DIR or as --input RUN_DIR (the reference's spelling), not both\nRun `awm --help` for usage.\n",
    );
  } finally {
    project.remove();
  }
});

test('awm gen: what does not map is refused, saying what to do instead', async () => {
  const project = new TempProject({});
  try {
    const bogus = await project.run(['gen', 'bogus']);
    assert.equal(
      [bogus.code, bogus.stderr],
      [
        2,
        'awm: `awm gen` takes a stage: task, db, sample, spec, env, verifier, all (awm gen task --input gen_scenario.jsonl --output gen_tasks.jsonl)\n',
      ],
    );
    const scenario = await project.run(['gen', 'scenario', '--output', 'x.jsonl']);
    assert.is(scenario.code, 2);
    assert.match(scenario.stderr, 'data/seed-scenarios.json');
    const env = await project.run(['gen', 'env', '--output', 'x.jsonl']);
    assert.is(env.code, 2);
    assert.match(env.stderr, 'JavaScript handlers');
  } finally {
    project.remove();
  }
});

test.run();
