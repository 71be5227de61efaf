// Code mode of verifyRun on hand-made run folders, through the real sandbox: a verdict gives its
// reward; a verifier that throws or hangs, and a run without final.db, give `reward: null` with the
// reason, never 0; what was asked for wrongly (no trajectory, no verifier, another task's verifier)
// is a setup problem and nothing runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import { verifyRun, type VerifyRunInput } from '../src/verify/verify-run.js';
import type { CodeVerifyResult } from '../src/verify/verify-result.js';
import { writeRun, writeVerifier } from './support/verify-fixture.js';

const folder = mkdtempSync(join(tmpdir(), 'awm-verify-code-'));
const sandbox = sandboxRunner({});
const clock = (): Date => new Date('2026-11-30T12:00:00.000Z');
let count = 0;

/** A fresh run folder and verifier, then verifyRun in code mode. */
async function verify(
  run: Parameters<typeof writeRun>[1] = {},
  verifier: Parameters<typeof writeVerifier>[1] = {},
  extra: Partial<VerifyRunInput> = {},
): Promise<CodeVerifyResult> {
  count += 1;
  const dir = writeRun(join(folder, `run_${count}`), run);
  const verifierPath = writeVerifier(join(folder, `verifier_${count}.json`), verifier);
  const outcome = await verifyRun({ mode: 'code', run: dir, verifierPath, sandbox, clock, ...extra });
  if (!outcome.ok) throw new Error(`setup problem: ${outcome.error.message}`);
  return outcome.value as CodeVerifyResult;
}

test('the verifier says complete: reward 1, with its reason and the run named', async () => {
  const result = await verify();
  assert.equal(
    { ...result, verifier: '' },
    {
      format: 1,
      mode: 'code',
      scenario: 'shop',
      task_id: 'task_01',
      verifier: '',
      verifier_discriminates: true,
      result: 'complete',
      reason: 'one copy sold',
      reward: 1,
      reward_reason: 'complete',
      error: null,
      warnings: [],
      at: '2026-11-30T12:00:00.000Z',
    },
  );
  assert.match(result.verifier, /verifier_\d+\.json$/);
});

test('the verifier says others: reward 0 by default, or what --rewards gives others', async () => {
  const result = await verify({ finalStock: 4 });
  assert.equal(
    [result.result, result.reason, result.reward, result.reward_reason],
    ['others', 'stock is 4', 0, 'others'],
  );
  const custom = await verify(
    { finalStock: 4 },
    {},
    { rewards: { complete: 2, incomplete: 0.5, agent_error: -1, others: -0.25 } },
  );
  assert.is(custom.reward, -0.25);
});

test('the final answer reaches the verifier as `answer`', async () => {
  const code =
    "function ({ answer }) { return { result: /order 7/.test(answer) ? 'complete' : 'others', reason: answer }; }";
  assert.is((await verify({}, { code_verifier: code })).result, 'complete');
  assert.is((await verify({ finalAnswer: null }, { code_verifier: code })).reason, '');
});

test('a verifier that throws: reward null with verifier_error and its message, never 0', async () => {
  const result = await verify({}, { code_verifier: "function () { throw new Error('no such table: orders'); }" });
  assert.is(result.reward, null);
  assert.is(result.reward_reason, 'verifier_error');
  assert.equal(result.error, { code: 'verifier_error', message: 'the verifier threw: no such table: orders' });
  assert.is(result.result, null);
});

test('a verifier that hangs is stopped at the time limit: reward null, verifier_error', async () => {
  const started = Date.now();
  const result = await verify({}, { code_verifier: 'function () { for (;;) {} }' }, { limits: { timeoutMs: 1500 } });
  const took = Date.now() - started;
  assert.ok(took < 6000, `stopped after ${took} ms`);
  assert.is(result.reward, null);
  assert.is(result.error?.code, 'verifier_error');
  assert.match(result.error?.message ?? '', /time limit|timed out|1\.5 s|1500/);
});

test('no final.db: reward null with missing_database, saying which file and what the trajectory says', async () => {
  const result = await verify({ finalStock: null, databaseNote: 'the agent ran against --mcp-url http://x/mcp' });
  assert.is(result.reward, null);
  assert.is(result.reward_reason, 'missing_database');
  assert.equal(result.error, {
    code: 'missing_database',
    message:
      'the run has no final.db (after the episode); the trajectory says: the agent ran against --mcp-url http://x/mcp',
  });
});

test('a verifier that failed its self-test still judges, with a warning', async () => {
  const result = await verify({}, { discriminates: false });
  assert.is(result.reward, 1);
  assert.equal(result.warnings, [
    'this verifier did not pass its self-test when it was built, so its verdict may be wrong',
  ]);
});

test('setup problems: no trajectory, no verifier, the verifier of another task', async () => {
  const verifierPath = writeVerifier(join(folder, 'setup.json'));
  const empty = await verifyRun({ mode: 'code', run: folder, verifierPath, sandbox });
  assert.equal(empty.ok ? null : empty.error.code, 'no-trajectory');
  const dir = writeRun(join(folder, 'setup_run'));
  const missing = await verifyRun({ mode: 'code', run: dir, verifierPath: join(folder, 'nope.json'), sandbox });
  assert.equal(missing.ok ? null : missing.error, {
    code: 'no-verifier',
    message: `there is no verifier file ${join(folder, 'nope.json')}`,
  });
  const other = writeVerifier(join(folder, 'other.json'), { task_id: 'task_02' });
  const mismatch = await verifyRun({ mode: 'code', run: dir, verifierPath: other, sandbox });
  assert.equal(mismatch.ok ? null : mismatch.error, {
    code: 'task-mismatch',
    message: `${other} verifies task task_02, but the run is of task task_01`,
  });
  const noJudge = await verifyRun({ mode: 'sql', run: dir, verifierPath, sandbox });
  assert.equal(noJudge.ok ? null : noJudge.error.code, 'no-judge');
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
