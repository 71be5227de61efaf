// What one request, and one stage instance, may cost: an answer past llm.max_answer_kb is refused
// as it arrives (once, uncached, never sent back), and an instance stops at
// llm.max_requests_per_instance. Through the real openai client against the mock server.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import type { StructuredResult } from '../src/llm/types.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';
import { setUp } from './support/set-up.js';

const MB = 1024 * 1024;

function failureOf(result: StructuredResult<unknown>): { failure: string; message: string } {
  if (result.ok) throw new Error('expected a failure');
  return { failure: result.failure, message: result.message };
}

function cachedAnswers(root: string): number {
  const cache = join(root, '.awm/cache/llm');
  return existsSync(cache)
    ? readdirSync(cache, { recursive: true }).filter((name) => String(name).endsWith('.json')).length
    : 0;
}

/** The highest resident set size seen while `work` runs, sampled every few milliseconds. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

// The first requests of a process load the openai client and fetch and compile the streaming
// path (~20 MB of resident memory): pay that before measuring.
setUp(test, async () => {
  const server = await startMockLlmServer({ respond: () => mockStep.huge(8 * MB) });
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings: { maxAnswerBytes: MB } });
    const session = llm.session('tasks', null, {});
    for (const content of ['a', 'b'])
      await session.structured({ messages: [{ role: 'user', content }], schema: TASKS_SCHEMA, maxAttempts: 1 });
    await llm.close();
  } finally {
    await server.close();
    folder.remove();
  }
});

// Read whole, the same answer costs over 300 MB of resident memory (measured with the cap at 200 MB);
// cut off at 1 MB, 0-18 MB (garbage collection decides). The connection closed early is the sharp
// proof; the memory bound is loose enough not to flake.
for (const declareLength of [false, true]) {
  const how = declareLength ? 'with a Content-Length' : 'streamed without a length';
  test(`a 50 MB answer ${how} is refused once and never re-sent, cached or held in memory`, async () => {
    const server = await startMockLlmServer({ respond: () => mockStep.huge(50 * MB, { declareLength }) });
    const folder = tempFolder();
    try {
      const { llm } = llmForMock(server, folder.dir, { settings: { maxAnswerBytes: MB, retries: 3 } });
      const { value: result, growth } = await peakRss(() =>
        llm.session('tasks', 'online_bookstore', {}).structured({
          messages: [{ role: 'user', content: 'List tasks as JSON.' }],
          schema: TASKS_SCHEMA,
          maxAttempts: 3,
        }),
      );
      await llm.close();
      const { failure, message } = failureOf(result);
      assert.is(failure, 'llm');
      const what = declareLength
        ? `the answer from ${server.url} is 51,201 KB, more than llm.max_answer_kb (1,024 KB), and was not read`
        : `the answer from ${server.url} grew past llm.max_answer_kb (1,024 KB) and was cut off there`;
      assert.is(
        message,
        `${what}; it is not retried, cached or sent back for repair. ` +
          'Raise llm.max_answer_kb in awm.pipeline.yaml if answers this large are expected; otherwise check the model and llm.max_tokens.',
      );
      assert.is(server.chatRequests.length, 1, 'one request: no transport retry, no repair request');
      assert.equal(
        result.attempts.map((attempt) => [attempt.stage, attempt.answer]),
        [['llm', null]],
      );
      assert.ok(result.attempts[0]!.errors[0]!.startsWith('too-large: '));
      assert.is(cachedAnswers(folder.dir), 0, 'nothing cached');
      await until(() => server.streamed.length === 1);
      const [streamed] = server.streamed;
      assert.is(streamed!.complete, false, 'the client closed the connection before the answer was sent whole');
      assert.ok(streamed!.sent < 20 * MB, `sent ${streamed!.sent} bytes of ${streamed!.size}`);
      assert.ok(growth < 40 * MB, `resident memory grew by ${(growth / MB).toFixed(1)} MB`);
    } finally {
      await server.close();
      folder.remove();
    }
  });
}

test('an answer under the cap is read as before', async () => {
  const server = await startMockLlmServer({ steps: [mockStep.json({ tasks: ['x'.repeat(600_000)] })] });
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings: { maxAnswerBytes: MB } });
    const result = await llm
      .session('tasks', null, {})
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA });
    await llm.close();
    assert.ok(result.ok);
    assert.is(cachedAnswers(folder.dir), 1);
  } finally {
    await server.close();
    folder.remove();
  }
});

test('a session stops at llm.max_requests_per_instance, cache hits included; each instance has its own budget', async () => {
  const server = await startMockLlmServer({ respond: () => mockStep.json({ tasks: [] }) }); // never valid: minItems 1
  const folder = tempFolder();
  const ask = (llm: ReturnType<typeof llmForMock>['llm'], scenario: string) =>
    llm.session('tasks', scenario, {}).structured({
      messages: [{ role: 'user', content: `List tasks for ${scenario} as JSON.` }],
      schema: TASKS_SCHEMA,
      maxAttempts: 5,
    });
  const limit =
    'stage "tasks" (scenario online_bookstore) has made 2 LLM requests, the most llm.max_requests_per_instance allows ' +
    '(repairs and answers from the cache count); raise it in awm.pipeline.yaml if the stage really needs more';
  try {
    const first = llmForMock(server, folder.dir, { settings: { maxRequestsPerInstance: 2 } }).llm;
    const result = await ask(first, 'online_bookstore');
    assert.equal(failureOf(result), { failure: 'llm', message: limit });
    assert.equal(
      result.attempts.map((attempt) => attempt.stage),
      ['validation', 'validation', 'llm'],
    );
    assert.is(server.chatRequests.length, 2);
    assert.is(failureOf(await ask(first, 'clinic')).failure, 'llm', 'another instance gets its own two requests');
    assert.is(server.chatRequests.length, 4);
    await first.close();
    // A rebuild answered from the cache ends where the build that filled it did.
    const second = llmForMock(server, folder.dir, { settings: { maxRequestsPerInstance: 2 } }).llm;
    assert.equal(failureOf(await ask(second, 'online_bookstore')), { failure: 'llm', message: limit });
    assert.is(server.chatRequests.length, 4, 'nothing sent: both answers came from the cache');
    await second.close();
  } finally {
    await server.close();
    folder.remove();
  }
});

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test.run();
