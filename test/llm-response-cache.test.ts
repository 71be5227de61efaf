// The response cache: a rerun costs no requests, a changed prompt misses, `fresh` skips reads,
// errors are never stored, and usage keeps new and cached tokens apart.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheKeyOf } from '../src/llm/response-cache.js';
import { mockStep, startMockLlmServer, type MockLlmServer } from '../src/testing/mock-llm-server.js';
import type { StructuredResult } from '../src/llm/types.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

const ANSWER = { tasks: ['Find the cheapest book.'] };

async function build(
  server: MockLlmServer,
  root: string,
  prompt: string,
  options: { fresh?: boolean; stage?: string } = {},
) {
  const { llm } = llmForMock(server, root, { fresh: options.fresh ?? false });
  const session = llm.session(options.stage ?? 'tasks', 'online_bookstore', {});
  const result: StructuredResult<unknown> = await session.structured({
    messages: [{ role: 'user', content: prompt }],
    schema: TASKS_SCHEMA,
  });
  await llm.close();
  return { result, usage: llm.usageByStage(), sessionUsage: session.usage() };
}

async function withServer(run: (server: MockLlmServer, root: string) => Promise<void>): Promise<void> {
  const server = await startMockLlmServer({ respond: () => mockStep.json(ANSWER) });
  const folder = tempFolder();
  try {
    await run(server, folder.dir);
  } finally {
    await server.close();
    folder.remove();
  }
}

test('a rerun is answered from the cache: zero requests, zero new tokens, the recorded usage reported', async () => {
  await withServer(async (server, root) => {
    const first = await build(server, root, 'List tasks as JSON.');
    assert.is(server.chatRequests.length, 1);
    const recorded = first.result.attempts[0]!.usage;
    const second = await build(server, root, 'List tasks as JSON.');
    assert.is(server.chatRequests.length, 1);
    assert.ok(second.result.ok);
    assert.is(second.result.attempts[0]!.cached, true);
    assert.equal(second.result.attempts[0]!.usage, recorded);
    assert.equal(second.sessionUsage, { promptTokens: 0, completionTokens: 0 });
    assert.equal(second.usage.get('tasks'), {
      promptTokens: 0,
      completionTokens: 0,
      requests: 0,
      cachedRequests: 1,
      cachedPromptTokens: recorded.promptTokens,
      cachedCompletionTokens: recorded.completionTokens,
      failedRequests: 0,
    });
    assert.equal(first.usage.get('tasks')?.requests, 1);
  });
});

test('a changed prompt misses the cache', async () => {
  await withServer(async (server, root) => {
    await build(server, root, 'List tasks as JSON.');
    await build(server, root, 'List ten tasks as JSON.');
    assert.is(server.chatRequests.length, 2);
  });
});

test('the tag is not part of the key: another stage sending the same request hits', async () => {
  await withServer(async (server, root) => {
    await build(server, root, 'List tasks as JSON.', { stage: 'tasks' });
    const other = await build(server, root, 'List tasks as JSON.', { stage: 'schema' });
    assert.is(server.chatRequests.length, 1);
    assert.is(other.usage.get('schema')?.cachedRequests, 1);
  });
});

test('fresh skips reading the cache but still writes it', async () => {
  await withServer(async (server, root) => {
    await build(server, root, 'List tasks as JSON.');
    const forced = await build(server, root, 'List tasks as JSON.', { fresh: true });
    assert.is(server.chatRequests.length, 2);
    assert.is(forced.result.attempts[0]!.cached, false);
    await build(server, root, 'List tasks as JSON.');
    assert.is(server.chatRequests.length, 2);
  });
});

test('errors are never cached', async () => {
  const server = await startMockLlmServer({ steps: [mockStep.unauthorized(), mockStep.json(ANSWER)] });
  const folder = tempFolder();
  try {
    const failed = await build(server, folder.dir, 'List tasks as JSON.');
    assert.not.ok(failed.result.ok);
    assert.is(failed.usage.get('tasks')?.failedRequests, 1);
    const retried = await build(server, folder.dir, 'List tasks as JSON.');
    assert.ok(retried.result.ok);
    assert.is(server.chatRequests.length, 2);
  } finally {
    await server.close();
    folder.remove();
  }
});

test('files sit under <cacheDir>/<first two hex>/<key>.json with no temp files left', async () => {
  await withServer(async (server, root) => {
    await build(server, root, 'List tasks as JSON.');
    const key = cacheKeyOf({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'List tasks as JSON.' }],
      temperature: 0.5,
      max_tokens: 1000,
      json: true,
    });
    const folder = join(root, '.awm/cache/llm', key.slice(0, 2));
    assert.ok(existsSync(join(folder, `${key}.json`)));
    assert.equal(readdirSync(folder), [`${key}.json`]);
  });
});

test('the key depends on what decides the answer, never on key order or extra fields', () => {
  const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 1, json: true };
  const reordered = { json: true, temperature: 1, messages: [{ content: 'hi', role: 'user' as const }], model: 'm' };
  const withExtras = { ...request, tag: { stage: 'tasks' }, apiKey: 'sk-secret', baseUrl: 'http://elsewhere' };
  assert.is(cacheKeyOf(reordered), cacheKeyOf(request));
  assert.is(cacheKeyOf(withExtras), cacheKeyOf(request));
  assert.is.not(cacheKeyOf({ ...request, temperature: 0 }), cacheKeyOf(request));
  assert.is.not(cacheKeyOf({ ...request, model: 'n' }), cacheKeyOf(request));
  assert.is.not(cacheKeyOf({ ...request, max_tokens: 2000 }), cacheKeyOf({ ...request, max_tokens: 1000 }));
  assert.is.not(
    cacheKeyOf({ ...request, reasoning_effort: 'high' }),
    cacheKeyOf({ ...request, reasoning_effort: 'low' }),
  );
  assert.is.not(cacheKeyOf({ ...request, reasoning_effort: 'low' }), cacheKeyOf(request));
});

test.run();
