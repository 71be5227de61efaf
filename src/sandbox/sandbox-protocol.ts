// The wire between the parent and the sandboxed child: one request frame in, one result frame out,
// both JSON on the child's fd 3 (a socket pair the parent creates). Not stdout: whatever the entry
// prints is log output, never mistaken for an answer, and the parent counts the answer's bytes
// before it parses them, so an oversized answer is refused without being held in memory.
// The long-lived worker sends the same frames, one per line, for as long as its child lives
// (worker-protocol.ts).
// Imported by the child, so it may import only src/util/.
import { err, ok, type Result } from '../util/result.js';
import type { EntryPhase } from './sandbox-outcome.js';

/** The file descriptor of the channel in the child (stdio index 3 in the parent's spawn). */
export const CHANNEL_FD = 3;

/** Every frame carries it, so a frame of another version (or stray JSON) is refused. */
export const FRAME_VERSION = 1;

export interface RequestFrame {
  /** Absolute path of the compiled entry module (`export default async (input, context) => output`). */
  readonly entry: string;
  readonly input: unknown;
  /** The one folder the child may write to. */
  readonly scratchDir: string;
}

export interface EntryFailure {
  readonly phase: EntryPhase;
  readonly name: string;
  readonly message: string;
  readonly stack: string | null;
  /** The error's `code` property when it has a string one (SQLite's `SQLITE_NOMEM`, Node's `ERR_…`). */
  readonly code: string | null;
}

export type ResultFrame =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: EntryFailure };

export function encodeRequestFrame(request: RequestFrame): string {
  return JSON.stringify({ awmSandbox: FRAME_VERSION, ...request });
}

export function decodeRequestFrame(text: string): Result<RequestFrame, string> {
  const parsed = parseFrameObject(text);
  if (!parsed.ok) return parsed;
  const { entry, input, scratchDir } = parsed.value;
  if (typeof entry !== 'string' || typeof scratchDir !== 'string')
    return err('the request frame lacks "entry" or "scratchDir"');
  return ok({ entry, input, scratchDir });
}

/** Throws when `value` cannot be written as JSON (a BigInt, a cycle): the child reports that as a `return` failure. */
export function encodeResultFrame(frame: ResultFrame): string {
  return JSON.stringify({ awmSandbox: FRAME_VERSION, ...frame });
}

/** The frame reporting `error`, thrown in `phase`; `error` may be anything a `throw` can throw. */
export function failureFrame(phase: EntryPhase, error: unknown): ResultFrame {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    ok: false,
    failure: {
      phase,
      name: typeof record.name === 'string' ? record.name : 'Error',
      message: typeof record.message === 'string' ? record.message : String(error),
      stack: typeof record.stack === 'string' ? record.stack : null,
      code: typeof record.code === 'string' ? record.code : null,
    },
  };
}

/** encodeResultFrame, except that a value JSON cannot hold becomes a `return` failure instead of throwing. */
export function encodeResultFrameOrFailure(frame: ResultFrame): string {
  try {
    return encodeResultFrame(frame);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return encodeResultFrame(
      failureFrame('return', new TypeError(`the entry returned a value that is not JSON: ${why}`)),
    );
  }
}

export function decodeResultFrame(text: string): Result<ResultFrame, string> {
  const parsed = parseFrameObject(text);
  if (!parsed.ok) return parsed;
  const frame = parsed.value;
  if (frame.ok === true && 'value' in frame) return ok({ ok: true, value: frame.value });
  if (frame.ok === false) {
    const failure = asFailure(frame.failure);
    return failure === null
      ? err('the result frame reports a failure without phase, name and message')
      : ok({ ok: false, failure });
  }
  return err('the result frame has neither {"ok":true,"value":…} nor {"ok":false,"failure":…}');
}

/** A versioned frame's fields, or why the text is not one. */
export function parseFrameObject(text: string): Result<Record<string, unknown>, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return err(`the answer is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return err('the answer is not a JSON object');
  const frame = parsed as Record<string, unknown>;
  if (frame.awmSandbox !== FRAME_VERSION) return err(`the answer is not a version ${FRAME_VERSION} sandbox frame`);
  return ok(frame);
}

function asFailure(value: unknown): EntryFailure | null {
  if (typeof value !== 'object' || value === null) return null;
  const { phase, name, message, stack, code } = value as Record<string, unknown>;
  if (phase !== 'load' && phase !== 'run' && phase !== 'return') return null;
  if (typeof name !== 'string' || typeof message !== 'string') return null;
  return {
    phase,
    name,
    message,
    stack: typeof stack === 'string' ? stack : null,
    code: typeof code === 'string' ? code : null,
  };
}
