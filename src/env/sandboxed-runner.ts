// The runner for LLM-written handlers: long-lived sandboxed workers (src/sandbox/sandboxed-worker.ts)
// running handler-worker-entry.ts, with the session files in their one writable folder. Each call
// has a wall-clock limit; a handler stuck in a loop or a runaway query costs its worker's child,
// which is killed (the call's transaction dies with it and the journal undoes it) and restarted for
// the next call. With several workers a session always goes to the same one (by its file), so a
// stopped call delays only the sessions on that worker, never the others.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startSandboxedWorker, type SandboxedWorker } from '../sandbox/sandboxed-worker.js';
import { describeWorkerOutcome } from '../sandbox/describe-worker-outcome.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import type { CallOutcome } from './call-outcome.js';
import type { HandlerRunner, RunnerCall } from './handler-runner.js';
import type { HandlerWorkerInit, HandlerWorkerRequest, HandlerWorkerResponse } from './handler-worker-entry.js';
import { callOutcomeOfWorker } from './worker-outcome.js';

const ENTRY = fileURLToPath(new URL('./handler-worker-entry.js', import.meta.url));

export interface SandboxedRunnerOptions {
  readonly init: HandlerWorkerInit;
  /** The one folder the handlers' processes may write: session files must live inside it. */
  readonly scratchDir: string;
  /** Processes running handlers; default 1. */
  readonly workers?: number;
  /**
   * Start every worker's process now, in the background, rather than on its first call: a host that
   * will serve calls (`awm env start`) overlaps the start with its own set-up. A start that fails
   * here counts as one of the worker's failed starts. Default false.
   */
  readonly warmUp?: boolean;
  readonly memoryMb?: number;
  /** Stops every call (the build's Ctrl-C): calls then end as `unavailable`. */
  readonly signal?: AbortSignal;
  readonly namespaces?: 'auto' | 'off';
  readonly onNotice?: (notice: SandboxNotice) => void;
}

export class SandboxedRunner implements HandlerRunner {
  readonly #workers: readonly SandboxedWorker<HandlerWorkerRequest, HandlerWorkerResponse>[];
  readonly #signal: AbortSignal | undefined;

  private constructor(options: SandboxedRunnerOptions) {
    const count = Math.max(1, options.workers ?? 1);
    this.#signal = options.signal;
    this.#workers = Array.from({ length: count }, () =>
      startSandboxedWorker<HandlerWorkerInit, HandlerWorkerRequest, HandlerWorkerResponse>({
        entry: ENTRY,
        init: options.init,
        scratchDir: options.scratchDir,
        ...(options.memoryMb === undefined ? {} : { memoryMb: options.memoryMb }),
        ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
        ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
      }),
    );
  }

  /** The workers start their processes on the first call, or now with `warmUp`. */
  static async start(options: SandboxedRunnerOptions): Promise<SandboxedRunner> {
    const runner = new SandboxedRunner(options);
    // The answer does not matter: a start that failed is retried by the next call.
    if (options.warmUp === true)
      for (const worker of runner.#workers) void worker.call({ op: 'warm' }, { timeoutMs: 5_000 });
    return runner;
  }

  async call({ dbPath, tool, args }: RunnerCall, options: { readonly timeoutMs: number }): Promise<CallOutcome> {
    const outcome = await this.#workerFor(dbPath).call(
      { op: 'call', dbPath, tool, args },
      { timeoutMs: options.timeoutMs, ...(this.#signal === undefined ? {} : { signal: this.#signal }) },
    );
    return callOutcomeOfWorker(outcome);
  }

  async release(dbPath: string): Promise<void> {
    // A child that is not running holds no connection; whatever the outcome, the file is free.
    await this.#workerFor(dbPath).call({ op: 'release', dbPath }, { timeoutMs: 5_000 });
  }

  /**
   * Starts every worker now, loading the tool module, rather than on the first call: a served env
   * says at start that its module does not load. Null when all are ready, else why one is not.
   */
  async warmUp(): Promise<string | null> {
    const outcomes = await Promise.all(
      this.#workers.map((worker) => worker.call({ op: 'release', dbPath: '' }, { timeoutMs: 5_000 })),
    );
    const failed = outcomes.find((outcome) => outcome.kind !== 'ok');
    return failed === undefined ? null : describeWorkerOutcome(failed, 'the tool module');
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.close()));
  }

  /** Starts, calls and kills of the workers, summed, and each worker's child's process group (logs, benchmarks). */
  stats(): { starts: number; calls: number; kills: number; pids: (number | null)[] } {
    const each = this.#workers.map((worker) => worker.stats());
    return {
      starts: each.reduce((sum, stats) => sum + stats.starts, 0),
      calls: each.reduce((sum, stats) => sum + stats.calls, 0),
      kills: each.reduce((sum, stats) => sum + stats.kills, 0),
      pids: each.map((stats) => stats.pid),
    };
  }

  /** Which worker (from 0) runs the calls on this session file: always the same one. */
  workerOf(dbPath: string): number {
    if (this.#workers.length === 1) return 0;
    return createHash('sha1').update(dbPath).digest().readUInt32BE(0) % this.#workers.length;
  }

  #workerFor(dbPath: string): SandboxedWorker<HandlerWorkerRequest, HandlerWorkerResponse> {
    return this.#workers[this.workerOf(dbPath)]!;
  }
}
