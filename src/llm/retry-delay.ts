// How long to wait before retrying a failed request: what the server asked for (Retry-After), or
// else exponential backoff with jitter so that 64 throttled requests do not return in lockstep.

export interface BackoffOptions {
  /** The first retry waits about this long; each later one twice as long. */
  readonly baseMs: number;
  /** No computed wait is longer than this. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000 };

/** A server asking for more than this is obeyed only up to it: a build should not sleep for hours. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI, Azure), else `Retry-After` as
 * seconds or as an HTTP date. null when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | null {
  const milliseconds = parseNumber(headers?.get('retry-after-ms'));
  if (milliseconds !== null) return clampWait(milliseconds);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return null;
  const seconds = parseNumber(value);
  if (seconds !== null) return clampWait(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : clampWait(date - nowMs);
}

/** Backoff for the `retryNumber`-th retry (1-based): base·2^(n−1), jittered to 50–100 %. */
export function backoffMs(retryNumber: number, options: BackoffOptions, random: () => number): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

function parseNumber(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  return Number(value);
}

function clampWait(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
