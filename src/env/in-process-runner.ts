// Handlers run in this process, through the worker entry's own init and handle. For tests, the
// benchmarks and trusted modules only: nothing contains the handler (its file and network access,
// its memory), and since handlers are synchronous no time limit can stop one, so `timeoutMs` is
// not enforced here. The sandboxed worker is the runner for LLM-written code.
import type { CallOutcome } from './call-outcome.js';
import type { HandlerRunner, RunnerCall } from './handler-runner.js';
import entry, { type HandlerWorkerInit, type HandlerWorkerState } from './handler-worker-entry.js';

export class InProcessRunner implements HandlerRunner {
  #state: HandlerWorkerState | null;

  private constructor(state: HandlerWorkerState) {
    this.#state = state;
  }

  /** Loads the spec and the tool module; throws ToolModuleError when the module does not fit the spec. */
  static async start(init: HandlerWorkerInit, scratchDir = '.'): Promise<InProcessRunner> {
    return new InProcessRunner(await entry.init(init, { scratchDir }));
  }

  async call({ dbPath, tool, args }: RunnerCall, _options: { readonly timeoutMs: number }): Promise<CallOutcome> {
    // A copy, as a process boundary would make: a handler that edits its arguments must not edit
    // what the host logs.
    return entry.handle({ op: 'call', dbPath, tool, args: structuredClone(args) }, this.#running()) as CallOutcome;
  }

  async release(dbPath: string): Promise<void> {
    entry.handle({ op: 'release', dbPath }, this.#running());
  }

  async close(): Promise<void> {
    this.#state?.handles.closeAll();
    this.#state = null;
  }

  #running(): HandlerWorkerState {
    if (this.#state === null) throw new Error('internal error: the in-process runner was used after close()');
    return this.#state;
  }
}
