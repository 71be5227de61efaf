// The only place that constructs `openai` clients. Every option the client would otherwise read
// from process.env is passed explicitly, so the environment object given to createLlm is the
// whole truth; its own retries are off because call-with-retries.ts owns that policy.
import { AzureOpenAI, OpenAI } from 'openai';
import { cappedFetch } from './capped-fetch.js';

/** Our own per-try timer aborts first; the client's is a backstop for the connection phase. */
export const CLIENT_TIMEOUT_SLACK_MS = 1000;

/**
 * What every client we make shares: nothing read from process.env, no retries of its own, quiet;
 * answers past `maxAnswerBytes` (when given) are refused as they arrive (capped-fetch.ts). A chat
 * request passes its stage's own timeout (openai-provider.ts); `timeoutMs` is the default.
 */
function sharedOptions(timeoutMs: number, maxAnswerBytes: number | undefined) {
  return {
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: timeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    logLevel: 'off',
    ...(maxAnswerBytes === undefined ? {} : { fetch: cappedFetch(maxAnswerBytes) }),
  } as const;
}

export function openAiClient(options: {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxAnswerBytes?: number;
}): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    ...sharedOptions(options.timeoutMs, options.maxAnswerBytes),
  });
}

export function azureClient(options: {
  readonly endpoint: string;
  readonly apiKey: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly maxAnswerBytes?: number;
}): AzureOpenAI {
  return new AzureOpenAI({
    // baseURL rather than endpoint: AzureOpenAI would otherwise fall back to OPENAI_BASE_URL.
    baseURL: `${options.endpoint}/openai`,
    apiKey: options.apiKey,
    apiVersion: options.apiVersion,
    ...sharedOptions(options.timeoutMs, options.maxAnswerBytes),
  });
}
