// The repair loop through the real client and the mock server: what is sent back, what is kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import type { LlmSettings } from '../src/config/types.js';
import type { CheckOutcome, StructuredRequest, StructuredResult } from '../src/llm/types.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

interface Tasks {
  readonly tasks: string[];
}

const PROMPT = [
  { role: 'system', content: 'You write tasks.' },
  { role: 'user', content: 'List three tasks as JSON.' },
] as const;

interface SentBody {
  readonly messages: unknown[];
  readonly max_tokens?: number;
}

async function loop(
  steps: MockStep[],
  request: Partial<StructuredRequest<Tasks>> = {},
  settings: Partial<LlmSettings> = {},
): Promise<{ result: StructuredResult<Tasks>; sent: unknown[]; budgets: (number | undefined)[] }> {
  const server = await startMockLlmServer({ steps });
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings });
    const result = await llm
      .session('tasks', 'online_bookstore', {})
      .structured<Tasks>({ messages: PROMPT, schema: TASKS_SCHEMA, ...request });
    const bodies = server.chatRequests.map((recorded) => recorded.body as SentBody);
    return { result, sent: bodies.map((body) => body.messages), budgets: bodies.map((body) => body.max_tokens) };
  } finally {
    await server.close();
    folder.remove();
  }
}

test('prose and a code fence around the JSON are tolerated and recorded as repairs', async () => {
  const { result } = await loop([mockStep.proseAround({ tasks: ['a'] })]);
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.value, { tasks: ['a'] });
  assert.equal(result.attempts[0]!.repairs, ['removed the ``` code fence']);
  assert.is(result.attempts[0]!.stage, 'passed');
  assert.match(result.attempts[0]!.answer ?? '', /^Sure! Here is the JSON/);
});

test('a schema violation is sent back: original messages, the previous answer, then every problem', async () => {
  const bad = '{"tasks": ["a", 2, 3], "extra": true}';
  const { result, sent } = await loop([mockStep.answer(bad), mockStep.json({ tasks: ['a', 'b', 'c'] })]);
  assert.ok(result.ok);
  assert.is(sent.length, 2);
  assert.equal(sent[1], [
    ...PROMPT,
    { role: 'assistant', content: bad },
    {
      role: 'user',
      content: [
        'Your previous answer (attempt 1 of 3) has these problems:',
        "- (the whole answer): must NOT have additional properties ('extra')",
        '- /tasks/1: must be string',
        '- /tasks/2: must be string',
        '',
        'Reply with the complete corrected JSON object: the whole answer, not only the parts that change, and nothing else.',
      ].join('\n'),
    },
  ]);
  if (result.ok)
    assert.equal(
      result.attempts.map((attempt) => attempt.stage),
      ['validation', 'passed'],
    );
});

test('a cut-off answer fails at once, naming the instance and budget; the original messages go again with max_tokens doubled', async () => {
  const { result, sent, budgets } = await loop(
    [mockStep.truncated({ tasks: ['a', 'b', 'c'] }), mockStep.json({ tasks: ['a'] })],
    {},
    { maxTokens: 1000, maxTokensCap: 4000 },
  );
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.attempts[0]!.errors, [
    'stage tasks, scenario online_bookstore: the answer was cut off at max_tokens 1000 (finish_reason: length); retrying with max_tokens 2000',
  ]);
  assert.is(result.attempts[0]!.finishReason, 'length');
  assert.equal(result.attempts[0]!.repairs, []);
  assert.equal(
    result.attempts.map((attempt) => attempt.maxTokens),
    [1000, 2000],
  );
  assert.equal(budgets, [1000, 2000]);
  // Asked for anew: no assistant turn, no repair message.
  assert.equal(sent[1], PROMPT);
});

test('a raised budget is kept: later repairs go with it, and it never passes the cap', async () => {
  const { result, budgets, sent } = await loop(
    [
      mockStep.truncated({ tasks: ['a'] }),
      mockStep.truncated({ tasks: ['a'] }),
      mockStep.answer('{}'),
      mockStep.json({ tasks: ['a'] }),
    ],
    { maxAttempts: 4 },
    { maxTokens: 1000, maxTokensCap: 3000 },
  );
  assert.ok(result.ok);
  assert.equal(budgets, [1000, 2000, 3000, 3000]);
  assert.is((sent[3] as unknown[]).length, PROMPT.length + 2);
});

test('cut off at the cap: the loop ends without another paid request and says what to raise', async () => {
  const { result, budgets } = await loop(
    [mockStep.truncated({ tasks: ['a'] }), mockStep.truncated({ tasks: ['a'] }), mockStep.json({ tasks: ['a'] })],
    { item: 'generate-0' },
    { maxTokens: 1000, maxTokensCap: 2000 },
  );
  assert.equal(budgets, [1000, 2000]);
  if (result.ok) throw new Error('expected a failure');
  assert.is(result.failure, 'parse');
  assert.is(
    result.message,
    'stage tasks, scenario online_bookstore, item generate-0: the answer was cut off at max_tokens 2000 (finish_reason: length), ' +
      'and max_tokens_cap allows no more; raise stages.tasks.llm.max_tokens or stages.tasks.llm.max_tokens_cap in awm.pipeline.yaml ' +
      'if the answer needs more room',
  );
  assert.equal(
    result.attempts.map((attempt) => [attempt.maxTokens, attempt.errors.length, attempt.stage]),
    [
      [1000, 1, 'parse'],
      [2000, 1, 'parse'],
    ],
  );
});

test('without a cap above max_tokens, the first cut-off answer ends the loop', async () => {
  const { result, budgets } = await loop([mockStep.truncated({ tasks: ['a'] }), mockStep.json({ tasks: ['a'] })]);
  assert.equal(budgets, [1000]);
  assert.not.ok(result.ok);
  if (!result.ok)
    assert.match(result.message, /cut off at max_tokens 1000 \(finish_reason: length\), and max_tokens_cap/);
});

test('a cut-off answer keeps an earlier schema-valid attempt as the best', async () => {
  const check = (): CheckOutcome => ({ ok: false, errors: ['too few'], score: 1 });
  const { result } = await loop([mockStep.json({ tasks: ['a'] }), mockStep.truncated({ tasks: ['a', 'b'] })], {
    check,
  });
  if (result.ok) throw new Error('expected a failure');
  assert.is(result.failure, 'check');
  assert.equal(result.best, { value: { tasks: ['a'] }, errors: ['too few'] });
});

test('the raised request is cached like any other: a rerun pays for nothing', async () => {
  const server = await startMockLlmServer({
    steps: [mockStep.truncated({ tasks: ['a'] }), mockStep.json({ tasks: ['a'] })],
  });
  const folder = tempFolder();
  try {
    const settings = { maxTokens: 1000, maxTokensCap: 2000 };
    const ask = () =>
      llmForMock(server, folder.dir, { settings })
        .llm.session('tasks', 'online_bookstore', {})
        .structured<Tasks>({ messages: PROMPT, schema: TASKS_SCHEMA });
    assert.ok((await ask()).ok);
    const again = await ask();
    assert.is(server.chatRequests.length, 2);
    assert.ok(again.ok);
    assert.equal(
      again.attempts.map((attempt) => [attempt.maxTokens, attempt.cached]),
      [
        [1000, true],
        [2000, true],
      ],
    );
  } finally {
    await server.close();
    folder.remove();
  }
});

test('repeated identical answers still reach the model: each repair request names its attempt', async () => {
  const { result, sent } = await loop([mockStep.answer('{}'), mockStep.answer('{}'), mockStep.answer('{}')]);
  assert.not.ok(result.ok);
  assert.is(sent.length, 3);
  if (!result.ok)
    assert.equal(
      result.attempts.map((attempt) => attempt.cached),
      [false, false, false],
    );
  assert.match(
    (sent[2] as { content: string }[])[3]!.content,
    /^Your previous answer \(attempt 2 of 3\) has these problems:/,
  );
});

test('the best attempt is the schema-valid one with the lowest check score', async () => {
  const scores = new Map([
    ['first', 0.5],
    ['second', 0.2],
    ['third', 0.4],
  ]);
  const check = (value: Tasks): CheckOutcome => ({
    ok: false,
    errors: [`${value.tasks[0]} is not good enough`],
    score: scores.get(value.tasks[0]!) ?? 1,
  });
  const { result } = await loop(
    [mockStep.json({ tasks: ['first'] }), mockStep.json({ tasks: ['second'] }), mockStep.json({ tasks: ['third'] })],
    { check },
  );
  assert.not.ok(result.ok);
  if (result.ok) return;
  assert.is(result.failure, 'check');
  assert.equal(result.best, { value: { tasks: ['second'] }, errors: ['second is not good enough'] });
  assert.is(
    result.message,
    "none of the 3 attempts passed; the best (attempt 2) failed the stage's check: second is not good enough.",
  );
  assert.is(result.attempts.length, 3);
});

test('a schema-valid attempt beats one with fewer errors that broke the schema', async () => {
  const check = (): CheckOutcome => ({ ok: false, errors: ['one', 'two', 'three'] });
  const { result } = await loop([mockStep.json({ tasks: ['valid'] }), mockStep.json({ tasks: [] })], {
    check,
    maxAttempts: 2,
  });
  if (result.ok) throw new Error('expected failure');
  assert.is(result.failure, 'check');
  assert.equal(result.best?.value, { tasks: ['valid'] });
});

test('answers that never parse fail as parse, with no best value, and the last answer was the one sent back', async () => {
  const { result, sent } = await loop([mockStep.answer('no json here'), mockStep.answer('{"tasks": [}')], {
    maxAttempts: 2,
  });
  if (result.ok) throw new Error('expected failure');
  assert.is(result.failure, 'parse');
  assert.is(result.best, null);
  assert.is((sent[1] as { content: string }[])[2]!.content, 'no json here');
  assert.equal(
    result.attempts.map((attempt) => attempt.answer),
    ['no json here', '{"tasks": [}'],
  );
});

test('a transport error ends the loop as llm but keeps the best earlier attempt', async () => {
  const check = (): CheckOutcome => ({ ok: false, errors: ['too few'], score: 1 });
  const { result } = await loop([mockStep.json({ tasks: ['a'] }), mockStep.unauthorized()], { check });
  if (result.ok) throw new Error('expected failure');
  assert.is(result.failure, 'llm');
  assert.equal(result.best, { value: { tasks: ['a'] }, errors: ['too few'] });
  assert.equal(
    result.attempts.map((attempt) => attempt.stage),
    ['check', 'llm'],
  );
});

test('check warnings come back with a passing value', async () => {
  const check = (): CheckOutcome => ({ ok: true, warnings: ['task 1 is vague'] });
  const { result } = await loop([mockStep.json({ tasks: ['a'] })], { check });
  assert.ok(result.ok);
  if (result.ok) assert.equal(result.warnings, ['task 1 is vague']);
});

test.run();
