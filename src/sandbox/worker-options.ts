// What a sandboxed worker is given: its entry, init value and scratch folder, the limits of each
// child, and each call's time limit; and what it reports about itself.
import type { SandboxOptions } from './run-sandboxed.js';
import type { SandboxIsolation } from './sandbox-outcome.js';

/** `memoryMb`, `env`, `namespaces` and `onNotice` mean what they mean for runSandboxed, per child. */
export interface SandboxedWorkerOptions<Init> extends Pick<
  SandboxOptions,
  'memoryMb' | 'env' | 'namespaces' | 'onNotice'
> {
  /** Absolute path of a compiled ES module whose default export is a WorkerEntry (worker-entry.ts). */
  readonly entry: string;
  /** JSON, given to the entry's `init` at every start of a child. */
  readonly init: Init;
  /** The one writable folder (the env's run folder). It must exist; the worker never removes it. */
  readonly scratchDir: string;
  /** From spawn to `init` done; default 10 000. */
  readonly startTimeoutMs?: number;
  /** Largest answer accepted, in bytes of JSON; default 8 MiB. */
  readonly maxResponseBytes?: number;
  /** How long close() lets an idle child run its `close` and exit before killing it; default 1 000. */
  readonly closeGraceMs?: number;
}

export interface WorkerCallOptions {
  /** Wall clock from the moment the request is sent to the child (queueing and start-up not counted). */
  readonly timeoutMs: number;
  /** Aborting drops a queued call, or kills the child running it: the outcome is `cancelled`. */
  readonly signal?: AbortSignal;
}

export interface WorkerStats {
  /** Children spawned, failed starts included. */
  readonly starts: number;
  /** Requests sent to a child. */
  readonly calls: number;
  /** Children killed because a call or a start went wrong (not counting close()). */
  readonly kills: number;
  /** Null until the first start has chosen. */
  readonly isolation: SandboxIsolation | null;
  /** The current child's process group id, while one runs. */
  readonly pid: number | null;
}

export const WORKER_DEFAULTS = {
  memoryMb: 256,
  startTimeoutMs: 10_000,
  maxResponseBytes: 8 * 1024 * 1024,
  closeGraceMs: 1_000,
} as const;

export type WorkerLimits = { readonly [K in keyof typeof WORKER_DEFAULTS]: number };

/** The options' limits with the defaults filled in; out of range is a bug in the caller. */
export function workerLimits(options: SandboxedWorkerOptions<unknown>): WorkerLimits {
  const limits = {
    memoryMb: options.memoryMb ?? WORKER_DEFAULTS.memoryMb,
    startTimeoutMs: options.startTimeoutMs ?? WORKER_DEFAULTS.startTimeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? WORKER_DEFAULTS.maxResponseBytes,
    closeGraceMs: options.closeGraceMs ?? WORKER_DEFAULTS.closeGraceMs,
  };
  const inRange =
    limits.memoryMb >= 16 && limits.startTimeoutMs > 0 && limits.maxResponseBytes > 0 && limits.closeGraceMs >= 0;
  if (!inRange) throw new Error(`internal error: worker limits out of range: ${JSON.stringify(limits)}`);
  return limits;
}
