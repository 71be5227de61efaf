// Shared setup for the LLM layer's tests: a temp project folder, settings with tiny timeouts and
// backoff, and an Llm wired to a mock server through the real openai client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLlm } from '../../src/llm/create-llm.js';
import type { Env } from '../../src/llm/environment.js';
import type { MockLlmServer } from '../../src/testing/mock-llm-server.js';
import type { Llm, LlmNotice } from '../../src/llm/types.js';
import type { LlmSettings } from '../../src/config/types.js';
import { describeNotice } from '../../src/logging/describe.js';

export function tempFolder(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'awm-llm-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testSettings(overrides: Partial<LlmSettings> = {}): LlmSettings {
  return {
    model: 'gpt-test',
    temperature: 0.5,
    maxTokens: 1000,
    maxTokensCap: null,
    timeoutMs: 2000,
    reasoningEffort: null,
    contextTokens: null,
    concurrency: 8,
    retries: 2,
    maxAnswerBytes: 4096 * 1024,
    maxRequestsPerInstance: 500,
    demoResponses: 'demo/recorded-responses',
    cacheDir: '.awm/cache/llm',
    ...overrides,
  };
}

export interface MockedLlm {
  readonly llm: Llm;
  /** In words, as the loggers print them. */
  readonly notices: string[];
  readonly rawNotices: LlmNotice[];
}

/** An Llm talking to `server` as an OpenAI-compatible endpoint, cache under `root`. */
export function llmForMock(
  server: MockLlmServer,
  root: string,
  options: { settings?: Partial<LlmSettings>; env?: Env; fresh?: boolean; heartbeatMs?: number } = {},
): MockedLlm {
  const notices: string[] = [];
  const rawNotices: LlmNotice[] = [];
  const llm = createLlm({
    settings: testSettings(options.settings),
    env: options.env ?? { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    root,
    fresh: options.fresh ?? false,
    onNotice: (notice) => {
      rawNotices.push(notice);
      notices.push(describeNotice(notice));
    },
    backoff: { baseMs: 1, maxMs: 5 },
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  return { llm, notices, rawNotices };
}

/** A schema for a small answer: `{ "tasks": [string, …] }`. */
export const TASKS_SCHEMA = {
  type: 'object',
  properties: { tasks: { type: 'array', items: { type: 'string' }, minItems: 1 } },
  required: ['tasks'],
  additionalProperties: false,
} as const;
