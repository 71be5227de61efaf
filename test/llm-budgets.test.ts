// A stage's budget in the LLM layer, through the real openai client and the mock server: which
// setting wins (the stage's › the pipeline's › the module's › built-in), the stage's own timeout
// per request, and the warning for a request that will not fit its model's context window.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LlmSettings } from '../src/config/types.js';
import { countChatTokens } from '../src/llm/token-count.js';
import type { LlmNotice, StageLlmSources, StructuredResult } from '../src/llm/types.js';
import {
  mockStep,
  startMockLlmServer,
  type MockLlmScript,
  type MockLlmServer,
} from '../src/testing/mock-llm-server.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

const GOOD = { tasks: ['Find the cheapest book.'] };
const MESSAGES = [{ role: 'user', content: 'List tasks as JSON.' }] as const;

interface Asked {
  readonly result: StructuredResult<unknown>;
  readonly server: MockLlmServer;
  readonly notices: readonly string[];
  readonly rawNotices: readonly LlmNotice[];
  readonly tookMs: number;
}

/** One structured request of stage tasks (scenario online_bookstore) with these settings and sources. */
async function ask(
  script: MockLlmScript,
  settings: Partial<LlmSettings>,
  sources: StageLlmSources = {},
  times = 1,
): Promise<Asked> {
  const server = await startMockLlmServer(script);
  const folder = tempFolder();
  try {
    const { llm, notices, rawNotices } = llmForMock(server, folder.dir, { settings });
    const started = Date.now();
    let result: StructuredResult<unknown> | null = null;
    for (let time = 0; time < times; time += 1)
      result = await llm
        .session('tasks', 'online_bookstore', sources)
        .structured({ messages: MESSAGES, schema: TASKS_SCHEMA, maxAttempts: 1 });
    const tookMs = Date.now() - started;
    await llm.close();
    return { result: result!, server, notices, rawNotices, tookMs };
  } finally {
    await server.close();
    folder.remove();
  }
}

const unset = { maxTokens: null, timeoutMs: null } as const;

test("each key comes from the stage's llm:, else the pipeline's, else the module's default, else the built-in one", async () => {
  const server = await startMockLlmServer({});
  const folder = tempFolder();
  try {
    const defaults = { maxTokens: 64_000, maxTokensCap: 128_000, timeoutS: 1200, reasoningEffort: 'low' } as const;
    const choose = (settings: Partial<LlmSettings>, sources: StageLlmSources) => {
      const choice = llmForMock(server, folder.dir, { settings }).llm.modelFor(sources);
      if (!choice.ok) throw new Error(choice.error.message);
      return choice.value;
    };
    assert.equal(choose(unset, {}), {
      model: 'gpt-test',
      temperature: 0.5,
      maxTokens: 16_000,
      reasoningEffort: null,
      maxTokensCap: 16_000,
      timeoutMs: 300_000,
      contextTokens: null,
    });
    assert.equal(choose(unset, { defaults }), {
      model: 'gpt-test',
      temperature: 0.5,
      maxTokens: 64_000,
      reasoningEffort: 'low',
      maxTokensCap: 128_000,
      timeoutMs: 1_200_000,
      contextTokens: null,
    });
    const pipeline = { maxTokens: 8000, timeoutMs: 60_000, reasoningEffort: 'medium', contextTokens: 200_000 } as const;
    assert.equal(choose(pipeline, { defaults }), {
      model: 'gpt-test',
      temperature: 0.5,
      maxTokens: 8000,
      reasoningEffort: 'medium',
      maxTokensCap: 128_000,
      timeoutMs: 60_000,
      contextTokens: 200_000,
    });
    const stage = { maxTokens: 4000, maxTokensCap: 6000, timeoutMs: 5000, reasoningEffort: 'high' } as const;
    assert.equal(choose(pipeline, { config: stage, defaults }), {
      model: 'gpt-test',
      temperature: 0.5,
      maxTokens: 4000,
      reasoningEffort: 'high',
      maxTokensCap: 6000,
      timeoutMs: 5000,
      contextTokens: 200_000,
    });
    // A cap from a less specific place than max_tokens never lowers it: no raise then.
    assert.is(choose(unset, { config: { maxTokens: 200_000 }, defaults }).maxTokensCap, 200_000);
  } finally {
    await server.close();
    folder.remove();
  }
});

test("a stage's timeout is its own: 0.3 s fails a hung request fast although the pipeline's is a minute", async () => {
  const { result, tookMs } = await ask(
    { respond: () => mockStep.hang() },
    { timeoutMs: 60_000, retries: 0 },
    { config: { timeoutMs: 300 } },
  );
  if (result.ok) throw new Error('expected a timeout');
  assert.is(
    result.message,
    'no answer within 0.3 s; raise stages.tasks.llm.timeout_s in awm.pipeline.yaml if the model needs longer for these answers',
  );
  assert.ok(tookMs < 5_000, `took ${tookMs} ms`);
});

test("the module's timeout applies when the pipeline sets none; the pipeline's beats it when written", async () => {
  const moduleOnly = await ask(
    { respond: () => mockStep.hang() },
    { timeoutMs: null, retries: 0 },
    { defaults: { timeoutS: 0.3 } },
  );
  assert.not.ok(moduleOnly.result.ok);
  if (!moduleOnly.result.ok)
    assert.is(
      moduleOnly.result.message,
      'no answer within 0.3 s; raise stages.tasks.llm.timeout_s in awm.pipeline.yaml if the model needs longer for these answers',
    );
  const pipeline = await ask(
    { respond: () => mockStep.hang() },
    { timeoutMs: 200, retries: 0 },
    { defaults: { timeoutS: 600 } },
  );
  if (pipeline.result.ok) throw new Error('expected a timeout');
  assert.is(
    pipeline.result.message,
    'no answer within 0.2 s; raise stages.tasks.llm.timeout_s in awm.pipeline.yaml if the model needs longer for these answers',
  );
});

test('a prompt plus max_tokens over llm.context_tokens warns, with the real token count, and is still sent', async () => {
  const { result, server, notices, rawNotices } = await ask(
    { respond: () => mockStep.json(GOOD) },
    { maxTokens: 1000, contextTokens: 1005 },
  );
  assert.ok(result.ok);
  assert.is(server.chatRequests.length, 1);
  const promptTokens = await countChatTokens('gpt-test', MESSAGES);
  assert.is(promptTokens, 3 + 3 + 1 + 5);
  assert.equal(rawNotices, [
    {
      code: 'context-overflow',
      stage: 'tasks',
      scenario: 'online_bookstore',
      item: null,
      model: 'gpt-test',
      promptTokens,
      maxTokens: 1000,
      contextTokens: 1005,
      contextFrom: 'setting',
    },
  ]);
  assert.equal(notices, [
    'warning: LLM request (stage "tasks", scenario online_bookstore): its prompt of 12 tokens plus max_tokens 1,000 ' +
      'exceed the context window of 1,005 tokens set by llm.context_tokens; it is sent anyway, but the model may refuse it ' +
      'or cut the answer short. Lower stages.tasks.llm.max_tokens, shorten the prompt, or set llm.context_tokens ' +
      '(for every stage or in the stage) if the window is larger.',
  ]);
});

test('no warning when the request fits, for an unknown model without a setting, or for an answer from the cache', async () => {
  const fits = await ask({ respond: () => mockStep.json(GOOD) }, { maxTokens: 1000, contextTokens: 1012 });
  assert.equal(fits.rawNotices, []);
  const unknown = await ask({ respond: () => mockStep.json(GOOD) }, { maxTokens: 10_000_000 });
  assert.equal(unknown.rawNotices, []);
  const cached = await ask({ respond: () => mockStep.json(GOOD) }, { maxTokens: 1000, contextTokens: 100 }, {}, 2);
  assert.is(cached.server.chatRequests.length, 1);
  assert.is(cached.rawNotices.length, 1);
});

test("a known model's window is used without a setting; a stage's context_tokens beats the pipeline's", async () => {
  const known = await ask({ respond: () => mockStep.json(GOOD) }, { model: 'gpt-3.5-turbo', maxTokens: 16_380 });
  assert.equal(
    known.rawNotices.map((notice) => notice.code === 'context-overflow' && [notice.contextTokens, notice.contextFrom]),
    [[16_385, 'known-model']],
  );
  assert.match(known.notices[0] ?? '', /exceed the 16,385-token context window of gpt-3\.5-turbo;/);
  const stage = await ask(
    { respond: () => mockStep.json(GOOD) },
    { maxTokens: 1000, contextTokens: 1_000_000 },
    { config: { contextTokens: 500 } },
  );
  assert.equal(
    stage.rawNotices.map((notice) => notice.code === 'context-overflow' && notice.contextTokens),
    [500],
  );
});

test.run();
