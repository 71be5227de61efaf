// Transport faults through the real openai client against the mock server: what recovers, what
// fails, and what each failure says.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  mockStep,
  startMockLlmServer,
  type MockLlmScript,
  type MockLlmServer,
} from '../src/testing/mock-llm-server.js';
import type { LlmSettings } from '../src/config/types.js';
import type { StructuredResult } from '../src/llm/types.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

const GOOD = { tasks: ['Find the cheapest book.'] };

/** One structured request against a fresh mock server and cache, both cleaned up afterwards. */
async function ask(
  script: MockLlmScript,
  settings: Partial<LlmSettings> = {},
): Promise<{ result: StructuredResult<unknown>; server: MockLlmServer }> {
  const server = await startMockLlmServer(script);
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings });
    const session = llm.session('tasks', 'online_bookstore', {});
    const result = await session.structured({
      messages: [{ role: 'user', content: 'List tasks as JSON.' }],
      schema: TASKS_SCHEMA,
    });
    await llm.close();
    return { result, server };
  } finally {
    await server.close();
    folder.remove();
  }
}

function failureOf(result: StructuredResult<unknown>): { failure: string; message: string } {
  if (result.ok) throw new Error('expected a failure');
  return { failure: result.failure, message: result.message };
}

test('a plain answer is read, with the key sent as a bearer token', async () => {
  const { result, server } = await ask({ steps: [mockStep.json(GOOD)] });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 1);
  const request = server.chatRequests[0]!;
  assert.is(request.path, '/v1/chat/completions');
  assert.is(request.headers['authorization'], 'Bearer sk-test');
  assert.equal(request.body, {
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'List tasks as JSON.' }],
    temperature: 0.5,
    max_tokens: 1000,
    response_format: { type: 'json_object' },
  });
});

test('429 with Retry-After: 0 is retried and recovers', async () => {
  const { result, server } = await ask({ steps: [mockStep.rateLimited({ 'retry-after': '0' }), mockStep.json(GOOD)] });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 2);
});

test('429 with retry-after-ms is retried and recovers', async () => {
  const { result, server } = await ask({
    steps: [mockStep.rateLimited({ 'retry-after-ms': '10' }), mockStep.json(GOOD)],
  });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 2);
});

test('429 on every try fails as rate-limit after the configured retries, saying what to change', async () => {
  const { result, server } = await ask({ respond: () => mockStep.rateLimited() }, { retries: 2 });
  const { failure, message } = failureOf(result);
  assert.is(failure, 'llm');
  assert.is(server.chatRequests.length, 3);
  assert.match(
    message,
    /answered 429 Rate limit reached for requests \(gave up after 3 tries\); the provider kept throttling: lower llm\.concurrency/,
  );
});

test('429 insufficient_quota is not retried', async () => {
  const quota = {
    kind: 'status',
    status: 429,
    message: 'You exceeded your current quota.',
    code: 'insufficient_quota',
  } as const;
  const { result, server } = await ask({ steps: [quota] });
  assert.match(
    failureOf(result).message,
    /The account behind OPENAI_API_KEY is out of quota; retrying will not help\./,
  );
  assert.is(server.chatRequests.length, 1);
});

test('500 is retried and recovers', async () => {
  const { result, server } = await ask({
    steps: [mockStep.serverError(500), mockStep.serverError(503), mockStep.json(GOOD)],
  });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 3);
});

test('a hang past the timeout is aborted and retried', async () => {
  const { result, server } = await ask({ steps: [mockStep.hang(), mockStep.json(GOOD)] }, { timeoutMs: 200 });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 2);
});

test('hanging on every try fails as a timeout naming the setting', async () => {
  const { result, server } = await ask({ respond: () => mockStep.hang() }, { timeoutMs: 100, retries: 1 });
  assert.is(
    failureOf(result).message,
    'no answer within 0.1 s (gave up after 2 tries); raise stages.tasks.llm.timeout_s in awm.pipeline.yaml if the model needs longer for these answers',
  );
  assert.is(server.chatRequests.length, 2);
});

test('401 is never retried and names the variable to fix', async () => {
  const { result, server } = await ask({ respond: () => mockStep.unauthorized() });
  const { failure, message } = failureOf(result);
  assert.is(failure, 'llm');
  assert.is(server.chatRequests.length, 1);
  assert.is(
    message,
    `${server.url} answered 401 Incorrect API key provided. Check OPENAI_API_KEY: it must hold a valid key for ${server.url}; it is never retried.`,
  );
  if (!result.ok)
    assert.equal(
      result.attempts.map((attempt) => attempt.stage),
      ['llm'],
    );
});

test('a refusal is reported as such and not retried', async () => {
  const { result, server } = await ask({ respond: () => mockStep.refusal('I cannot help with that.') });
  assert.is(failureOf(result).message, 'the model declined to answer: I cannot help with that.');
  assert.is(server.chatRequests.length, 1);
  if (!result.ok) assert.match(result.attempts[0]!.errors[0]!, /^refusal: /);
});

test('finish_reason content_filter is a refusal', async () => {
  const { result } = await ask({ respond: () => mockStep.contentFilter() });
  assert.match(failureOf(result).message, /content filter stopped the answer \(finish_reason=content_filter\)/);
});

test('a server that is not there fails as network, naming OPENAI_BASE_URL', async () => {
  const gone = await startMockLlmServer();
  await gone.close();
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(gone, folder.dir, { settings: { retries: 1 } });
    const result = await llm
      .session('tasks', null, {})
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA });
    assert.match(
      failureOf(result).message,
      new RegExp(`^could not reach ${gone.url}.*\\(gave up after 2 tries\\); check OPENAI_BASE_URL and the network$`),
    );
  } finally {
    folder.remove();
  }
});

test('a model that rejects max_tokens gets max_completion_tokens instead', async () => {
  const { result, server } = await ask({
    respond: (request) =>
      (request.body as Record<string, unknown>)['max_tokens'] === undefined
        ? mockStep.json(GOOD)
        : {
            kind: 'status',
            status: 400,
            message:
              "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          },
  });
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 2);
  assert.is((server.chatRequests[1]!.body as Record<string, unknown>)['max_completion_tokens'], 1000);
});

test('an unknown model (404) is not retried and says where the model name comes from', async () => {
  const missing = { kind: 'status', status: 404, message: 'The model `gpt-test` does not exist.' } as const;
  const { result, server } = await ask({ steps: [missing] });
  assert.match(
    failureOf(result).message,
    /Check the model name 'gpt-test' \(llm\.model in awm\.pipeline\.yaml, or AWM_SYN_OVERRIDE_MODEL\) and OPENAI_BASE_URL\.$/,
  );
  assert.is(server.chatRequests.length, 1);
});

test('stopping the build lets a request in flight be answered and cached, sends no repair; Llm.close() cancels the rest', async () => {
  // a: answered after a delay, with an answer the schema refuses (so the loop would repair); b: hangs.
  const server = await startMockLlmServer({
    respond: (request) =>
      request.text === 'a' ? mockStep.answer('{"tasks": "none"}', { delayMs: 300 }) : mockStep.hang(),
  });
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings: { timeoutMs: 60_000 } });
    const stop = new AbortController();
    const stopped = llm.session('tasks', 'a', {}).structured({
      messages: [{ role: 'user', content: 'a' }],
      schema: TASKS_SCHEMA,
      signal: stop.signal,
      maxAttempts: 3,
    });
    const closed = llm
      .session('tasks', 'b', {})
      .structured({ messages: [{ role: 'user', content: 'b' }], schema: TASKS_SCHEMA });
    while (server.chatRequests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    const result = await stopped;
    assert.is(failureOf(result).message, 'the build was stopped, so no further request was sent');
    assert.is(result.attempts[0]?.answer, '{"tasks": "none"}', 'the request in flight was answered');
    assert.is(cachedAnswers(folder.dir), 1, 'and its answer cached');
    await llm.close();
    assert.is(failureOf(await closed).message, 'the LLM request was cancelled because the build was stopped');
    assert.is(server.chatRequests.length, 2, 'no repair request after the stop');
  } finally {
    await server.close();
    folder.remove();
  }
});

function cachedAnswers(root: string): number {
  const cache = join(root, '.awm/cache/llm');
  return existsSync(cache)
    ? readdirSync(cache, { recursive: true }).filter((name) => String(name).endsWith('.json')).length
    : 0;
}

test.run();
