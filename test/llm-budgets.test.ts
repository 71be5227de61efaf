// A stage's budget in the LLM layer, through the real openai client and the mock server: which
// setting wins (the stage's › the pipeline's › the module's › built-in), and the stage's own
// timeout per request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LlmSettings } from '../src/config/types.js';
import type { LlmNotice, StageLlmSources, StructuredResult } from '../src/llm/types.js';
import {
  mockStep,
  startMockLlmServer,
  type MockLlmScript,
  type MockLlmServer,
} from '../src/testing/mock-llm-server.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

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

test.run();
