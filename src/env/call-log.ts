// The call log of a run: one JSON line per tool call, appended as the call ends, so a run killed at
// any moment keeps every call it finished. The stack of a handler that threw is kept here (and only
// here: the agent reads the message).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CallOutcome, JsonObject } from './call-outcome.js';

export interface CallLogEntry {
  /** When the call ended (wall clock). */
  readonly time: Date;
  readonly session: string;
  readonly tool: string;
  readonly args: unknown;
  readonly ms: number;
  readonly outcome: CallOutcome;
}

export class CallLog {
  #fd: number | null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, 'a');
  }

  append(entry: CallLogEntry): void {
    if (this.#fd === null) throw new Error('internal error: the call log was written after close()');
    writeSync(this.#fd, `${JSON.stringify(callLogLine(entry))}\n`);
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

/** `{ time, session, tool, arguments, ms, outcome: 'ok' }`, or `outcome: 'error'` with code, message and stack. */
export function callLogLine({ time, session, tool, args, ms, outcome }: CallLogEntry): JsonObject {
  const line = { time: time.toISOString(), session, tool, arguments: args, ms: Math.round(ms * 100) / 100 };
  if (outcome.ok) return { ...line, outcome: 'ok' };
  const { code, message } = outcome.error;
  return { ...line, outcome: 'error', code, message, ...(outcome.stack === undefined ? {} : { stack: outcome.stack }) };
}
