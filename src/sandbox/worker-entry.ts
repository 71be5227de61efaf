// The contract a worker entry module fulfils (the long-lived counterpart of sandbox-entry.ts): its
// default export is an object whose `init` runs once per child process and returns the state that
// every later `handle` call receives. Types only, so an entry can name them without loading anything.
import type { EntryContext } from './sandbox-entry.js';

export interface WorkerEntry<Init, State, Request, Response> {
  /** Once per child start, before the first call: open the database, compile the handlers. `init` is JSON. */
  init(init: Init, context: EntryContext): State | Promise<State>;
  /** One call. `request` is JSON; the answer must be too (`undefined` comes back as `null`). */
  handle(request: Request, state: State): Response | Promise<Response>;
  /** Optional: when the worker is closed while this child is idle; it has the close grace period to finish. */
  close?(state: State): void | Promise<void>;
}
