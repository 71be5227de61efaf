// sql mode of verifyRun: the fact gatherer in the real sandbox, then the judge through the real
// openai client and the local mock server. The request carries the task, the steps, the facts, the
// verifier's reasoning and criteria; each verdict gives its reward (server_error none); a judge that
// never answers in the schema leaves the run unscorable; one repaired on its second attempt counts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import { mockStep, startMockLlmServer, type MockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import type { LlmSettings } from '../src/config/types.js';
import { JUDGE_LLM_DEFAULTS, JUDGE_STAGE } from '../src/verify/judge.js';
import { describeSteps, DEFAULT_JUDGE_BUDGET } from '../src/verify/judge-trajectory.js';
import { readTrajectory } from '../src/verify/run-folder.js';
import type { SqlVerifyResult } from '../src/verify/verify-result.js';
import { verifyRun } from '../src/verify/verify-run.js';
import { llmForMock } from './support/mock-llm-fixture.js';
import { buyStep, judgeAnswer, TASK, writeRun, writeVerifier } from './support/verify-fixture.js';

const folder = mkdtempSync(join(tmpdir(), 'awm-verify-judge-'));
const sandbox = sandboxRunner({});
let count = 0;

interface Judged {
  readonly result: SqlVerifyResult;
  readonly server: MockLlmServer;
  /** The texts of the chat requests the judge sent. */
  readonly requests: readonly string[];
}

async function judge(
  steps: MockStep[],
  run: Parameters<typeof writeRun>[1] = {},
  verifier: Parameters<typeof writeVerifier>[1] = {},
  settings: Partial<LlmSettings> = {},
): Promise<Judged> {
  count += 1;
  const dir = writeRun(join(folder, `run_${count}`), run);
  const verifierPath = writeVerifier(join(folder, `verifier_${count}.json`), verifier);
  const server = await startMockLlmServer({ steps });
  const { llm } = llmForMock(server, join(folder, `project_${count}`), { settings });
  try {
    const session = llm.session(JUDGE_STAGE, 'shop', { defaults: JUDGE_LLM_DEFAULTS });
    const outcome = await verifyRun({ mode: 'sql', run: dir, verifierPath, sandbox, judge: session });
    if (!outcome.ok) throw new Error(`setup problem: ${outcome.error.message}`);
    return {
      result: outcome.value as SqlVerifyResult,
      server,
      requests: server.chatRequests.map((request) => request.text),
    };
  } finally {
    await llm.close();
    await server.close();
  }
}

test('the judge is told the task, the steps, the answer, the facts, and the verifier’s reasoning and criteria', async () => {
  const { requests } = await judge([mockStep.json(judgeAnswer('complete'))]);
  assert.is(requests.length, 1);
  const request = requests[0]!;
  for (const part of [
    TASK,
    'REASONING-MARK',
    'SUCCESS-MARK',
    'FAILURE-MARK',
    '"stock_before": 4',
    '"stock_after": 3',
    'It called buy_book {"book_id":1}',
    '→ ok: {"order_id":7,"stock_left":3}',
    'I bought one copy of Piranesi (order 7).',
    'It is 2026-03-02T09:00:00Z',
    '1 step, 1 tool call, none failed.',
  ])
    assert.ok(request.includes(part), `the request has ${JSON.stringify(part)}`);
  assert.not.ok(request.includes('{{'), 'every placeholder is filled');
});

test('complete: reward 1, with the classification, confidences, evidence, facts, model and usage', async () => {
  const { result } = await judge([mockStep.json(judgeAnswer('complete', { extra_key: 'dropped' }))]);
  assert.is(result.reward, 1);
  assert.is(result.reward_reason, 'complete');
  assert.is(result.classification, 'complete');
  assert.is(result.error, null);
  assert.equal(result.confidence, { complete: 0.85, incomplete: 0.05, server_error: 0.05, agent_error: 0.05 });
  assert.equal(result.judge, {
    reasoning: 'The run is complete.',
    evidence: {
      error_signals: [],
      last_actions: ['buy_book {"book_id":1} → ok'],
      database_verification: 'stock 4 → 3',
    },
  });
  assert.equal(result.facts, { today: '2026-03-02', stock_before: 4, stock_after: 3 });
  assert.is(result.judge_model, 'gpt-test');
  assert.equal({ attempts: result.usage?.attempts, cached: result.usage?.cached }, { attempts: 1, cached: 0 });
  assert.ok((result.usage?.prompt_tokens ?? 0) > 0);
});

test('server_error: a verdict, but never scored (reward null, no error); the failed call reaches the judge', async () => {
  const { result, requests } = await judge([mockStep.json(judgeAnswer('server_error'))], {
    finalStock: 4,
    steps: [buyStep(1, 'internal_error'), buyStep(2, 'internal_error')],
    finalAnswer: 'The shop keeps failing.',
  });
  assert.equal(
    [result.classification, result.reward, result.reward_reason, result.error],
    ['server_error', null, 'server_error', null],
  );
  assert.ok(
    requests[0]!.includes('→ error internal_error (an environment failure): the tool failed: database is locked'),
  );
  assert.ok(requests[0]!.includes('2 steps, 2 tool calls, 2 failed: internal_error × 2 (environment failure).'));
});

test('incomplete and agent_error get their rewards', async () => {
  assert.is((await judge([mockStep.json(judgeAnswer('incomplete'))], { finalStock: 4 })).result.reward, 0.1);
  assert.is((await judge([mockStep.json(judgeAnswer('agent_error'))], { finalStock: 4 })).result.reward, 0);
});

test('a judge that never answers in the schema: reward null with judge_error, after every attempt', async () => {
  const prose = mockStep.answer('I believe the agent completed the task.');
  const { result, requests } = await judge([prose, prose, prose]);
  assert.is(requests.length, 3);
  assert.equal([result.reward, result.reward_reason, result.classification], [null, 'judge_error', null]);
  assert.is(result.error?.code, 'judge_error');
  assert.match(result.error?.message ?? '', /^the judge gave no usable verdict: none of the 3 attempts passed/);
  assert.equal(result.facts, { today: '2026-03-02', stock_before: 4, stock_after: 3 });
});

test('a judge answer that breaks the schema is sent back and the repaired answer counts', async () => {
  const { result, requests } = await judge([
    mockStep.json(judgeAnswer('done')),
    mockStep.json(judgeAnswer('agent_error')),
  ]);
  assert.is(requests.length, 2);
  assert.match(requests[1]!, /Your previous answer \(attempt 1 of 3\) has these problems:\n- .*classification/);
  assert.equal([result.classification, result.reward, result.usage?.attempts], ['agent_error', 0, 2]);
});

test('the judge gets a reasoning model’s budget: 16,000 tokens, 32,000 after a cut-off answer', async () => {
  const { result, server } = await judge(
    [mockStep.truncated(judgeAnswer('complete')), mockStep.json(judgeAnswer('complete'))],
    {},
    {},
    { maxTokens: null },
  );
  const budgets = server.chatRequests.map((request) => (request.body as { max_tokens?: number }).max_tokens);
  assert.equal(budgets, [16_000, 32_000]);
  assert.is(result.reward, 1);
});

test('a fact gatherer that throws: reward null with fact_gatherer_error, and the judge is not asked', async () => {
  const { result, requests } = await judge(
    [],
    {},
    { fact_gatherer: "function () { throw new Error('no such column: qty'); }" },
  );
  assert.is(requests.length, 0);
  assert.equal(result.error, { code: 'fact_gatherer_error', message: 'the verifier threw: no such column: qty' });
  assert.equal([result.reward, result.facts, result.judge_model], [null, null, null]);
});

test('no final.db: reward null with missing_database; nothing runs', async () => {
  const { result, requests } = await judge([], { finalStock: null });
  assert.is(requests.length, 0);
  assert.equal([result.reward, result.reward_reason], [null, 'missing_database']);
});

test('a long run is fitted to the budget: long texts cut, then the first step and the last ones kept', () => {
  const steps = Array.from({ length: 40 }, (_unused, index) => ({
    iteration: index + 1,
    assistant: {
      content: `thinking ${index + 1} `.repeat(10),
      tool_calls: [{ id: 'c', name: 'list_books', arguments: {} }],
    },
    tool_results: [{ id: 'c', name: 'list_books', arguments: {}, ok: true, result: { rows: 'x'.repeat(10_000) } }],
  }));
  const trajectory = readTrajectory({ task: TASK, steps, final_answer: null });
  if (!trajectory.ok) throw new Error(trajectory.error.join('; '));
  const countTokens = (text: string): number => Math.ceil(text.length / 4);
  const budget = { ...DEFAULT_JUDGE_BUDGET, stepsTokens: 5_000, textChars: 2_000 };
  const text = describeSteps(trajectory.value, budget, countTokens);
  assert.ok(countTokens(text) <= budget.stepsTokens + 50, `${countTokens(text)} tokens`);
  assert.ok(text.startsWith('### Step 1\n'));
  assert.ok(text.includes('### Step 40\n'));
  assert.match(text, /\[3\d steps \(3\d tool calls\) left out here to fit the judge's budget\]/);
  assert.ok(text.includes('… [8011 more characters cut]'));
  assert.not.ok(text.includes('### Step 2\n'));
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
