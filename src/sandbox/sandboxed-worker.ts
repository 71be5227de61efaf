// A long-lived sandboxed child that answers calls one at a time and keeps state between them: what
// the env host runs LLM-written tool handlers in, so that a call costs a round trip on fd 3 rather
// than a process start. Isolation, environment and limits are runSandboxed's (child-launch.ts);
// the worker adds the child's lifecycle across calls. Calls queue first in, first out.
//
//                a call waits              init answered
//     idle ────────────────────▶ starting ───────────────▶ ready ◀───────────────┐
//      ▲ ▲                          │                       │  │                │ answered, or threw
//      │ └───── start failed ───────┘           send a call │  │ died, or an    │
//      │        (the waiting call gets it;                  ▼  │ unasked line   │
//      │         the 3rd in a row: given-up)               busy ────────────────┘
//      │                                                    │  │
//      └────────────────────────────────────────────────────┴──┘
//          killed or died: timeout, cancelled, out-of-memory, crashed, protocol
//
//   any ── close() ──▶ closed;  given-up: every call fails at once with the last start failure;
//   the first start waits in `choosing` for the namespace decision.
//
// Events of a child that is no longer the current one (killed, and still on its way out) are
// ignored. A new child is started only when a call is waiting, so a failing start cannot loop.
import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { unreachable } from '../util/result.js';
import type { Wrapping } from './child-command.js';
import { memoryFailureEvidence, silentEnding, type ExitStatus } from './child-ending.js';
import { childLaunch, chooseWrapping } from './child-launch.js';
import { decodeResultFrame } from './sandbox-protocol.js';
import type { WorkerCallEnding, WorkerCallOutcome, WorkerStartFailure } from './worker-outcome.js';
import {
  workerLimits,
  type SandboxedWorkerOptions,
  type WorkerCallOptions,
  type WorkerLimits,
  type WorkerStats,
} from './worker-options.js';
import { WorkerChild } from './worker-child.js';
import { encodeCallLine, encodeInitLine } from './worker-protocol.js';

export type { SandboxedWorkerOptions, WorkerCallOptions, WorkerStats };
export { WORKER_DEFAULTS } from './worker-options.js';

/** Failed starts in a row after which the worker stops trying: calls then fail at once until close. */
export const MAX_FAILED_STARTS = 3;

const WORKER_CHILD_ENTRY = fileURLToPath(new URL('./worker-child-entry.js', import.meta.url));

interface PendingCall {
  readonly line: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly calledAt: number;
  readonly resolve: (outcome: WorkerCallOutcome<unknown>) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
}

type StartFailed = Extract<WorkerCallEnding<unknown>, { readonly kind: 'start-failed' }>;

type WorkerState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'choosing' }
  | { readonly kind: 'starting'; readonly child: WorkerChild; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'ready'; readonly child: WorkerChild }
  | { readonly kind: 'busy'; readonly child: WorkerChild; readonly call: PendingCall; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'given-up'; readonly last: StartFailed }
  | { readonly kind: 'closed' };

export function startSandboxedWorker<Init, Request, Response>(
  options: SandboxedWorkerOptions<Init>,
): SandboxedWorker<Request, Response> {
  return new SandboxedWorker<Request, Response>(options);
}

export class SandboxedWorker<Request, Response> {
  #state: WorkerState = { kind: 'idle' };
  readonly #options: SandboxedWorkerOptions<unknown>;
  readonly #limits: WorkerLimits;
  readonly #scratchDir: string;
  readonly #queue: PendingCall[] = [];
  /** Children not yet ended, the current one and any still on their way out: close() waits for them. */
  readonly #living = new Set<WorkerChild>();
  #wrapping: Wrapping | null = null;
  #failedStarts = 0;
  #starts = 0;
  #calls = 0;
  #kills = 0;
  #closing: Promise<void> | null = null;

  constructor(options: SandboxedWorkerOptions<unknown>) {
    if (!isAbsolute(options.entry))
      throw new Error(`internal error: a worker entry must be an absolute path, got ${options.entry}`);
    this.#limits = workerLimits(options);
    this.#options = options;
    this.#scratchDir = realpathSync(options.scratchDir);
  }

  /**
   * Runs `request` through the entry's `handle`. Every failure is an outcome; the promise rejects
   * only for bugs: a request JSON cannot hold, or the namespace probe failing to run at all.
   */
  call(request: Request, options: WorkerCallOptions): Promise<WorkerCallOutcome<Response>> {
    if (!(options.timeoutMs > 0)) throw new Error(`internal error: a call's timeoutMs must be positive`);
    return new Promise<WorkerCallOutcome<unknown>>((resolve, reject) => {
      const call: PendingCall = {
        line: encodeCallLine(request),
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        calledAt: performance.now(),
        resolve,
        reject,
        onAbort: () => this.#onAbort(call),
      };
      if (options.signal?.aborted) return this.#settle(call, { kind: 'cancelled' });
      if (this.#state.kind === 'closed') return this.#settle(call, { kind: 'closed' });
      if (this.#state.kind === 'given-up') return this.#settle(call, this.#state.last);
      options.signal?.addEventListener('abort', call.onAbort, { once: true });
      this.#queue.push(call);
      this.#pump();
    }) as Promise<WorkerCallOutcome<Response>>;
  }

  /** Fails calls still queued or running as `closed`, asks an idle child to end, and kills what is left. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  stats(): WorkerStats {
    const state = this.#state;
    const child = 'child' in state ? state.child : null;
    return {
      starts: this.#starts,
      calls: this.#calls,
      kills: this.#kills,
      isolation: this.#wrapping?.isolation ?? null,
      pid: child?.pid ?? null,
    };
  }

  #pump(): void {
    const state = this.#state;
    switch (state.kind) {
      case 'idle':
        if (this.#queue.length > 0) this.#start();
        return;
      case 'ready': {
        const call = this.#queue.shift();
        if (call !== undefined) this.#send(state.child, call);
        return;
      }
      case 'choosing':
      case 'starting':
      case 'busy':
      case 'given-up':
      case 'closed':
        return;
      default:
        return unreachable(state, 'worker state');
    }
  }

  #start(): void {
    const wrapping = this.#wrapping;
    if (wrapping === null) return this.#chooseWrapping();
    const { memoryMb, maxResponseBytes, startTimeoutMs } = this.#limits;
    const scratchDir = this.#scratchDir;
    const launch = childLaunch({
      wrapping,
      scratchDir,
      memoryMb,
      env: this.#options.env,
      childEntry: WORKER_CHILD_ENTRY,
    });
    const child: WorkerChild = new WorkerChild(launch, maxResponseBytes, {
      onLine: (line) => this.#onLine(child, line),
      onOversized: () => this.#onOversized(child),
      onEnd: (status, stderrTail) => this.#onEnd(child, status, stderrTail),
    });
    this.#starts += 1;
    this.#living.add(child);
    void child.ended.then(() => this.#living.delete(child));
    child.send(encodeInitLine({ entry: this.#options.entry, input: this.#options.init, scratchDir }));
    const timer = setTimeout(() => afterPendingIo(() => this.#onStartTimeout(child)), startTimeoutMs);
    this.#state = { kind: 'starting', child, timer };
  }

  #chooseWrapping(): void {
    this.#state = { kind: 'choosing' };
    chooseWrapping(this.#options).then(
      (wrapping) => {
        this.#wrapping = wrapping;
        if (this.#state.kind !== 'choosing') return; // closed meanwhile
        this.#state = { kind: 'idle' };
        this.#pump();
      },
      (error: unknown) => {
        // A bug or a broken machine (the probe could not make its temp folder): the waiting calls reject.
        if (this.#state.kind !== 'choosing') return;
        this.#state = { kind: 'idle' };
        for (const call of this.#queue.splice(0)) this.#forget(call).reject(error);
      },
    );
  }

  #send(child: WorkerChild, call: PendingCall): void {
    this.#calls += 1;
    const timer = setTimeout(() => afterPendingIo(() => this.#onDeadline(call)), call.timeoutMs);
    this.#state = { kind: 'busy', child, call, timer };
    child.send(call.line);
  }

  #onLine(child: WorkerChild, line: string): void {
    const state = this.#state;
    if (!('child' in state) || state.child !== child) return; // the last words of a child given up on
    const frame = decodeResultFrame(line);
    switch (state.kind) {
      case 'starting': {
        if (!frame.ok)
          return this.#startFailed(child, { kind: 'protocol', problem: 'malformed', message: frame.error });
        if (!frame.value.ok) {
          const failure = frame.value.failure;
          const evidence = memoryFailureEvidence(failure);
          if (evidence !== null)
            return this.#startFailed(child, { kind: 'out-of-memory', limitMb: this.#limits.memoryMb, evidence });
          const { name, message, stack } = failure;
          return this.#startFailed(child, {
            kind: 'threw',
            phase: failure.phase === 'load' ? 'load' : 'init',
            name,
            message,
            stack,
          });
        }
        clearTimeout(state.timer);
        this.#failedStarts = 0;
        this.#state = { kind: 'ready', child };
        return this.#pump();
      }
      case 'busy': {
        if (!frame.ok) return this.#stopCall(state, { kind: 'protocol', problem: 'malformed', message: frame.error });
        if (frame.value.ok) return this.#finishCall(state, { kind: 'ok', value: frame.value.value });
        const failure = frame.value.failure;
        const evidence = memoryFailureEvidence(failure);
        // A child at its memory limit is not trusted with the next call.
        if (evidence !== null)
          return this.#stopCall(state, { kind: 'out-of-memory', limitMb: this.#limits.memoryMb, evidence });
        const { name, message, stack } = failure;
        const phase = failure.phase === 'return' ? 'return' : 'run';
        return this.#finishCall(state, { kind: 'threw', phase, name, message, stack });
      }
      case 'ready':
        return this.#dropChild(child); // an answer nobody asked for: the child writes to fd 3 on its own
      default:
        return unreachable(state, 'worker state with a child');
    }
  }

  #onOversized(child: WorkerChild): void {
    const state = this.#state;
    if (!('child' in state) || state.child !== child) return;
    const oversized = {
      kind: 'protocol',
      problem: 'oversized',
      message: `the answer is larger than the ${this.#limits.maxResponseBytes} bytes allowed`,
    } as const;
    switch (state.kind) {
      case 'starting':
        return this.#startFailed(child, oversized);
      case 'busy':
        return this.#stopCall(state, oversized);
      case 'ready':
        return this.#dropChild(child);
      default:
        return unreachable(state, 'worker state with a child');
    }
  }

  #onEnd(child: WorkerChild, status: ExitStatus, stderrTail: string): void {
    const state = this.#state;
    if (!('child' in state) || state.child !== child) return;
    const ending = silentEnding(status, stderrTail, this.#limits.memoryMb);
    switch (state.kind) {
      case 'starting':
        return this.#startFailed(child, ending);
      case 'busy':
        return this.#stopCall(state, ending);
      case 'ready':
        this.#state = { kind: 'idle' }; // died between calls: the next call starts another
        return this.#pump();
      default:
        return unreachable(state, 'worker state with a child');
    }
  }

  #onStartTimeout(child: WorkerChild): void {
    const state = this.#state;
    if (state.kind === 'starting' && state.child === child)
      this.#startFailed(child, { kind: 'timeout', limitMs: this.#limits.startTimeoutMs });
  }

  #onDeadline(call: PendingCall): void {
    const state = this.#state;
    if (state.kind === 'busy' && state.call === call)
      this.#stopCall(state, { kind: 'timeout', limitMs: call.timeoutMs });
  }

  #onAbort(call: PendingCall): void {
    const state = this.#state;
    if (state.kind === 'busy' && state.call === call) return this.#stopCall(state, { kind: 'cancelled' });
    const index = this.#queue.indexOf(call);
    if (index !== -1) {
      this.#queue.splice(index, 1);
      this.#settle(call, { kind: 'cancelled' });
    }
  }

  /** The call is answered and the child stays. */
  #finishCall(state: Extract<WorkerState, { kind: 'busy' }>, ending: WorkerCallEnding<unknown>): void {
    clearTimeout(state.timer);
    this.#state = { kind: 'ready', child: state.child };
    this.#settle(state.call, ending);
    this.#pump();
  }

  /** The call ends with the child: it is killed (if still alive) and the next call starts another. */
  #stopCall(state: Extract<WorkerState, { kind: 'busy' }>, ending: WorkerCallEnding<unknown>): void {
    clearTimeout(state.timer);
    this.#kill(state.child);
    this.#state = { kind: 'idle' };
    this.#settle(state.call, ending);
    this.#pump();
  }

  #dropChild(child: WorkerChild): void {
    this.#kill(child);
    this.#state = { kind: 'idle' };
    this.#pump();
  }

  #startFailed(child: WorkerChild, failure: WorkerStartFailure): void {
    if (this.#state.kind === 'starting') clearTimeout(this.#state.timer);
    this.#kill(child);
    this.#failedStarts += 1;
    const givenUp = this.#failedStarts >= MAX_FAILED_STARTS;
    const outcome: StartFailed = { kind: 'start-failed', failure, failedStarts: this.#failedStarts, givenUp };
    if (givenUp) {
      this.#state = { kind: 'given-up', last: outcome };
      for (const call of this.#queue.splice(0)) this.#settle(call, outcome);
      return;
    }
    this.#state = { kind: 'idle' };
    const waiting = this.#queue.shift();
    if (waiting !== undefined) this.#settle(waiting, outcome);
    this.#pump();
  }

  #kill(child: WorkerChild): void {
    if (!child.running) return;
    this.#kills += 1;
    child.kill();
  }

  #settle(call: PendingCall, ending: WorkerCallEnding<unknown>): void {
    this.#forget(call).resolve({ ...ending, durationMs: Math.round(performance.now() - call.calledAt) });
  }

  #forget(call: PendingCall): PendingCall {
    call.signal?.removeEventListener('abort', call.onAbort);
    return call;
  }

  async #shutDown(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: 'closed' };
    for (const call of this.#queue.splice(0)) this.#settle(call, { kind: 'closed' });
    switch (state.kind) {
      case 'busy':
        clearTimeout(state.timer);
        this.#settle(state.call, { kind: 'closed' });
        state.child.kill();
        break;
      case 'starting':
        clearTimeout(state.timer);
        state.child.kill();
        break;
      case 'ready':
        await this.#endGracefully(state.child);
        break;
      case 'idle':
      case 'choosing':
      case 'given-up':
      case 'closed':
        break;
      default:
        unreachable(state, 'worker state');
    }
    await Promise.all([...this.#living].map((child) => child.ended));
  }

  async #endGracefully(child: WorkerChild): Promise<void> {
    child.end();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#limits.closeGraceMs)));
    await Promise.race([child.ended, graceOver]);
    clearTimeout(timer);
    child.kill();
  }
}

/**
 * Runs `decide` once the I/O that is already waiting has been read. A timer fires in the event
 * loop's timers phase, before the poll phase reads pipes: when awm's own thread was busy past a
 * limit (a burst of requests), the child's answer may already sit in the pipe, and a time limit
 * judged at once would stop a call that had finished (and say it changed nothing). setImmediate
 * runs after that poll phase.
 */
function afterPendingIo(decide: () => void): void {
  setImmediate(decide);
}
