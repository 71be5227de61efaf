// Every way a call to a sandboxed worker can end, as data. The endings a one-shot run has mean the
// same here (sandbox-outcome.ts); a worker adds two: its child could not be started, and the worker
// was closed before the call ran. Which endings cost the child its life is the README's table.
import type { SandboxEnding } from './sandbox-outcome.js';

/** Why a child could not be made ready: its module or its `init` failed, or the start hit a limit. */
export type WorkerStartFailure =
  | {
      readonly kind: 'threw';
      /** `load`: importing the module, or it lacks `init` and `handle`; `init`: its init threw. */
      readonly phase: 'load' | 'init';
      readonly name: string;
      readonly message: string;
      readonly stack: string | null;
    }
  /** `timeout`'s `limitMs` is the start time limit. */
  | Extract<SandboxEnding<never>, { readonly kind: 'timeout' | 'out-of-memory' | 'crashed' | 'protocol' }>;

export type WorkerCallOutcome<T> = {
  /** From `call()` to the outcome: waiting in the queue and a child's start included. */
  readonly durationMs: number;
} & WorkerCallEnding<T>;

/** How a call ended, without its duration. */
export type WorkerCallEnding<T> =
  | Exclude<SandboxEnding<T>, { readonly kind: 'threw' }>
  /** The handler threw (`run`) or returned what JSON cannot hold (`return`); the child lives on. */
  | (Extract<SandboxEnding<T>, { readonly kind: 'threw' }> & { readonly phase: 'run' | 'return' })
  | {
      readonly kind: 'start-failed';
      readonly failure: WorkerStartFailure;
      /** Failed starts in a row, this one included. */
      readonly failedStarts: number;
      /** True once failedStarts reached the worker's limit: every later call fails at once, until close. */
      readonly givenUp: boolean;
    }
  /** close() was called before this call had an answer. */
  | { readonly kind: 'closed' };

export type WorkerCallOutcomeKind = WorkerCallOutcome<unknown>['kind'];
