// Turns what the openai client throws into a TransportFailure: which kind, whether another try
// may help, and a message that names the setting to fix.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AnswerTooLargeError } from './capped-fetch.js';
import { retryAfterMs } from './retry-delay.js';
import type { TransportFailure } from './call-with-retries.js';

/** What the message should point the user at. */
export interface EndpointDescription {
  /** e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** The variable holding the key, e.g. `OPENAI_API_KEY`. */
  readonly keyVariable: string;
  /** The variable holding the URL, e.g. `OPENAI_BASE_URL`. */
  readonly urlVariable: string;
  readonly model: string;
  /** Azure calls models deployments. */
  readonly modelWord: 'model' | 'deployment';
}

export function describeOpenAiError(error: unknown, endpoint: EndpointDescription, nowMs: number): TransportFailure {
  const tooLarge = causeOfType(error, AnswerTooLargeError);
  if (tooLarge) return failure('too-large', tooLargeMessage(tooLarge, endpoint), false);
  if (error instanceof APIUserAbortError) return failure('cancelled', 'the request was aborted', false);
  if (error instanceof APIConnectionTimeoutError)
    return failure('timeout', `${endpoint.baseUrl} did not answer in time`, true);
  if (error instanceof APIConnectionError) {
    return {
      ...failure('network', `could not reach ${endpoint.baseUrl}${rootCause(error)}`, true),
      hint: `check ${endpoint.urlVariable} and the network`,
    };
  }
  if (error instanceof APIError && typeof error.status === 'number') return describeStatus(error, endpoint, nowMs);
  const detail = error instanceof Error ? error.message : String(error);
  return failure('network', `unexpected answer from ${endpoint.baseUrl}: ${detail}`, false);
}

function describeStatus(error: APIError, endpoint: EndpointDescription, nowMs: number): TransportFailure {
  const status = error.status ?? 0;
  const said = `${endpoint.baseUrl} answered ${error.message.replace(/\.+$/, '')}`;
  if (status === 401 || status === 403) return failure('auth', `${said}. ${authAdvice(status, endpoint)}`, false);
  if (status === 429 && error.code === 'insufficient_quota') {
    return failure(
      'rate-limit',
      `${said}. The account behind ${endpoint.keyVariable} is out of quota; retrying will not help.`,
      false,
    );
  }
  if (status === 429) {
    return {
      ...failure('rate-limit', said, true, retryAfterMs(error.headers, nowMs)),
      hint: 'the provider kept throttling: lower llm.concurrency in awm.pipeline.yaml or raise llm.retries',
    };
  }
  if (status === 408) return failure('timeout', said, true, retryAfterMs(error.headers, nowMs));
  if (status >= 500 || status === 409) {
    return {
      ...failure('server', said, true, retryAfterMs(error.headers, nowMs)),
      hint: 'the server kept failing; try again later',
    };
  }
  if (status === 404) {
    const where = `(llm.model in awm.pipeline.yaml, or AWM_SYN_OVERRIDE_MODEL) and ${endpoint.urlVariable}`;
    return failure('bad-request', `${said}. Check the ${endpoint.modelWord} name '${endpoint.model}' ${where}.`, false);
  }
  return failure('bad-request', said, false);
}

/**
 * The client wraps what our fetch throws (as a connection error) or what reading the body met (as
 * the body's error, perhaps wrapped by undici): look through the causes.
 */
function causeOfType<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1)
    if (cause instanceof type) return cause;
  return null;
}

function tooLargeMessage(error: AnswerTooLargeError, endpoint: EndpointDescription): string {
  const limit = `llm.max_answer_kb (${kilobytes(error.limitBytes)} KB)`;
  const what =
    error.declaredBytes === null
      ? `the answer from ${endpoint.baseUrl} grew past ${limit} and was cut off there`
      : `the answer from ${endpoint.baseUrl} is ${kilobytes(error.declaredBytes)} KB, more than ${limit}, and was not read`;
  return (
    `${what}; it is not retried, cached or sent back for repair. ` +
    'Raise llm.max_answer_kb in awm.pipeline.yaml if answers this large are expected; otherwise check the model and llm.max_tokens.'
  );
}

function kilobytes(bytes: number): string {
  return Math.ceil(bytes / 1024).toLocaleString('en-US');
}

/** fetch wraps the useful part (`connect ECONNREFUSED 127.0.0.1:8000`) in `fetch failed`. */
function rootCause(error: Error): string {
  let cause: unknown = error.cause;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? `: ${cause.message}` : '';
}

function authAdvice(status: number, endpoint: EndpointDescription): string {
  const access = status === 403 ? ` with access to ${endpoint.modelWord} '${endpoint.model}'` : '';
  return `Check ${endpoint.keyVariable}: it must hold a valid key for ${endpoint.baseUrl}${access}; it is never retried.`;
}

function failure(
  kind: TransportFailure['kind'],
  message: string,
  retryable: boolean,
  retryAfter: number | null = null,
): TransportFailure {
  return { kind, message, retryable, retryAfterMs: retryAfter };
}
