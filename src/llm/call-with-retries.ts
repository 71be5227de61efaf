// The transport loop shared by chat and embedding requests: one concurrency slot per try, a
// timeout per try, and retries with backoff for failures that may pass (429, 5xx, timeouts,
// network). The openai client's own retries are off so that this is the only policy.
import { err, type Result } from '../util/result.js';
import { abortableSleep } from '../util/abortable-sleep.js';
import { backoffMs, type BackoffOptions } from './retry-delay.js';
import type { RequestHeartbeat } from './heartbeat.js';
import type { Semaphore } from '../util/semaphore.js';
import type { LlmError } from './types.js';

/** One try's failure, as classified by the provider. */
export interface TransportFailure extends LlmError {
  readonly retryable: boolean;
  /** What the server asked for (Retry-After), if anything. */
  readonly retryAfterMs: number | null;
  /** Said once retries ran out, e.g. `lower llm.concurrency`. */
  readonly hint?: string;
}

export interface RetryOptions {
  /** Retries after the first try. */
  readonly retries: number;
  readonly timeoutMs: number;
  /** Which setting to raise after timeouts, e.g. `stages.spec.llm.timeout_s` (default `llm.timeout_s`). */
  readonly timeoutSetting?: string;
  /** What to do after timeouts, when it is not a setting of awm.pipeline.yaml (a command-line flag, say). */
  readonly timeoutHint?: string;
  readonly backoff: BackoffOptions;
  readonly limiter: Semaphore;
  readonly random?: () => number;
}

export type TransportTry<T> = (signal: AbortSignal) => Promise<Result<T, TransportFailure>>;

/** `heartbeat` is told each phase (queued, in flight, pausing before a retry) and stopped at the end. */
export async function callWithRetries<T>(
  attempt: TransportTry<T>,
  options: RetryOptions,
  signal?: AbortSignal,
  heartbeat?: RequestHeartbeat,
): Promise<Result<T, LlmError>> {
  try {
    for (let retry = 0; ; retry += 1) {
      const outcome = await tryOnce(attempt, options, signal, heartbeat, retry + 1);
      if (outcome.ok) return outcome;
      const failure = outcome.error;
      if (!failure.retryable || retry >= options.retries) return err(finalError(failure, retry + 1));
      const wait = failure.retryAfterMs ?? backoffMs(retry + 1, options.backoff, options.random ?? Math.random);
      heartbeat?.phase({ kind: 'retry', transportTry: retry + 1, after: failure.kind, pauseMs: wait });
      if (!(await abortableSleep(wait, signal))) return err(cancelledError());
    }
  } finally {
    heartbeat?.stop();
  }
}

export function cancelledError(): LlmError {
  return { kind: 'cancelled', message: 'the LLM request was cancelled because the build was stopped' };
}

async function tryOnce<T>(
  attempt: TransportTry<T>,
  options: RetryOptions,
  signal: AbortSignal | undefined,
  heartbeat: RequestHeartbeat | undefined,
  transportTry: number,
): Promise<Result<T, TransportFailure>> {
  heartbeat?.phase({ kind: 'queued' });
  const release = await options.limiter.acquire(signal);
  if (release === null) return err({ ...cancelledError(), retryable: false, retryAfterMs: null });
  heartbeat?.phase({ kind: 'answer', transportTry });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const forwardAbort = (): void => controller.abort();
  signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    const outcome = await attempt(controller.signal);
    // The client reports any abort alike; only we know whether it was the clock or the user.
    if (outcome.ok || !controller.signal.aborted) return outcome;
    if (signal?.aborted) return err({ ...cancelledError(), retryable: false, retryAfterMs: null });
    return err(timedOut ? timeoutFailure(options) : outcome.error);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
    release();
  }
}

function timeoutFailure(options: RetryOptions): TransportFailure {
  const setting = options.timeoutSetting ?? 'llm.timeout_s';
  return {
    kind: 'timeout',
    message: `no answer within ${options.timeoutMs / 1000} s`,
    retryable: true,
    retryAfterMs: null,
    hint: options.timeoutHint ?? `raise ${setting} in awm.pipeline.yaml if the model needs longer for these answers`,
  };
}

function finalError(failure: TransportFailure, tries: number): LlmError {
  const after = failure.retryable && tries > 1 ? ` (gave up after ${tries} tries)` : '';
  const hint = failure.retryable && failure.hint ? `; ${failure.hint}` : '';
  return { kind: failure.kind, message: `${failure.message}${after}${hint}` };
}
