// Where handlers run, behind one interface: in this process (InProcessRunner: tests, the env
// stage's quick check) or in a long-lived sandboxed child (the sandbox's worker, wired by the
// integrator through handler-worker-entry.ts). Both run the same core, execute-call.ts.
import type { CallOutcome, JsonObject } from './call-outcome.js';

export interface RunnerCall {
  /** The session's database file; the runner keeps a connection to it between calls. */
  readonly dbPath: string;
  readonly tool: string;
  /** Already checked against the tool's input schema by the host. */
  readonly args: JsonObject;
}

export interface HandlerRunner {
  /**
   * Runs one call to its outcome. Never rejects for anything a handler does: a handler's failure,
   * the time limit (`timeout`) and a crashed process (`unavailable`) are outcomes.
   */
  call(call: RunnerCall, options: { readonly timeoutMs: number }): Promise<CallOutcome>;
  /** Closes the runner's connection to `dbPath`, so that the host may replace or remove the file. */
  release(dbPath: string): Promise<void>;
  close(): Promise<void>;
}
