// The heartbeat of one request: while it waits for an answer or for its next try, an `llm-waiting`
// notice every `intervalMs` (15 s by default) says which request, how long it has waited, which
// try of how many and why. A request answered within the interval says nothing; one waiting for
// a concurrency slot says nothing either (thousands may queue behind a slow server, and the
// requests in flight already speak for it).
//
//   queued ──slot──▶ answer ──failure, retryable──▶ retry ──pause over──▶ queued ─▶ …
//     (silent)       (beats)                        (beats)
import type { LlmErrorKind, LlmNotice, RequestTag } from './types.js';

/** How often a waiting request speaks; createLlm's `heartbeatMs` overrides it (tests use ~50 ms). */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** What callWithRetries is doing for the request, as it tells the heartbeat. */
export type RequestPhase =
  | { readonly kind: 'queued' }
  /** Try `transportTry` (1-based) is in flight. */
  | { readonly kind: 'answer'; readonly transportTry: number }
  /** Try `transportTry` failed with `after`; the next is sent in `pauseMs`. */
  | { readonly kind: 'retry'; readonly transportTry: number; readonly after: LlmErrorKind; readonly pauseMs: number };

export interface RequestHeartbeat {
  phase(phase: RequestPhase): void;
  /** The request is over (answered or failed): no more beats. */
  stop(): void;
}

export interface HeartbeatOptions {
  readonly intervalMs: number;
  /** Tries in all (llm.retries + 1) and each try's timeout, for the words. */
  readonly transportTries: number;
  readonly timeoutMs: number;
  readonly onNotice: (notice: LlmNotice) => void;
  readonly now?: () => number;
}

/** The clock starts when the first try is sent, not while the request waits for a slot. */
export function startHeartbeat(
  request: 'chat' | 'embedding',
  tag: RequestTag,
  options: HeartbeatOptions,
): RequestHeartbeat {
  const now = options.now ?? Date.now;
  let current: RequestPhase = { kind: 'queued' };
  let sentAt: number | null = null;
  let phaseAt = now();
  let timer: ReturnType<typeof setInterval> | null = null;
  const beat = (): void => {
    if (current.kind === 'queued' || sentAt === null) return;
    const at = now();
    options.onNotice({
      code: 'llm-waiting',
      request,
      stage: tag.stage,
      scenario: tag.scenario,
      item: tag.item,
      attempt: tag.attempt,
      transportTry: current.transportTry,
      transportTries: options.transportTries,
      waitedMs: at - sentAt,
      waitingFor:
        current.kind === 'answer'
          ? { kind: 'answer', tryMs: at - phaseAt, timeoutMs: options.timeoutMs }
          : {
              kind: 'retry',
              after: current.after,
              pauseMs: current.pauseMs,
              leftMs: Math.max(0, current.pauseMs - (at - phaseAt)),
            },
    });
  };
  return {
    phase(phase) {
      current = phase;
      phaseAt = now();
      if (phase.kind === 'queued' || timer !== null) return;
      sentAt = phaseAt;
      timer = setInterval(beat, options.intervalMs);
      // A heartbeat never keeps the process alive on its own.
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      current = { kind: 'queued' };
    },
  };
}
