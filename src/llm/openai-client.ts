// The only place that constructs `openai` clients. Every option the client would otherwise read
// from process.env is passed explicitly, so the environment object given to createLlm is the
// whole truth; its own retries are off because call-with-retries.ts owns that policy.
import { AzureOpenAI, OpenAI } from 'openai';

/** Our own per-try timer aborts first; the client's is a backstop for the connection phase. */
const CLIENT_TIMEOUT_SLACK_MS = 1000;

/** What every client we make shares: nothing read from process.env, no retries of its own, quiet. */
function sharedOptions(timeoutMs: number) {
  return {
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: timeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    logLevel: 'off',
  } as const;
}

export function openAiClient(options: {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
}): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    ...sharedOptions(options.timeoutMs),
  });
}

export function azureClient(options: {
  readonly endpoint: string;
  readonly apiKey: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
}): AzureOpenAI {
  return new AzureOpenAI({
    // baseURL rather than endpoint: AzureOpenAI would otherwise fall back to OPENAI_BASE_URL.
    baseURL: `${options.endpoint}/openai`,
    apiKey: options.apiKey,
    apiVersion: options.apiVersion,
    ...sharedOptions(options.timeoutMs),
  });
}
