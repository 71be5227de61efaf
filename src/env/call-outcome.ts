// How one tool call ended, as data: the result, or an error the agent can read. The stack of a
// handler that threw travels beside the error for the call log and never reaches the agent.
import type { ToolCallError, ToolErrorCode } from './tool-error-codes.js';

/** A JSON object: what a successful call returns and what arguments are. */
export type JsonObject = { readonly [key: string]: unknown };

export type CallOutcome =
  | { readonly ok: true; readonly result: JsonObject }
  | { readonly ok: false; readonly error: ToolCallError; readonly stack?: string };

/** Longest message an agent is sent; a handler may throw a whole row or a page of SQL. */
const MAX_MESSAGE_LENGTH = 2000;

export function callFailed(code: ToolErrorCode, message: string, stack?: string): CallOutcome {
  const error = {
    code,
    message: message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message,
  };
  return stack === undefined ? { ok: false, error } : { ok: false, error, stack };
}

/** What the agent reads for a failed call. */
export function errorPayload(error: ToolCallError): { error: { code: ToolErrorCode; message: string } } {
  return { error: { code: error.code, message: error.message } };
}
