// Every code a tool call can fail with. A handler fails with a code from the spec's vocabulary
// (ERROR_CODES, through ctx.fail); the host adds its own for what goes wrong around the handler.
// RL wrappers and agents read the code, so they need not match words in the message.
import type { ErrorCode } from '../synthesis/tool-spec.js';

/** The host's codes, with what each means (listed in src/env/README.md). */
export const HOST_ERROR_CODES = {
  invalid_arguments: "the arguments do not match the tool's input schema; the handler did not run",
  unknown_tool: 'no tool has this name; the handler did not run',
  internal_error: 'the handler threw (a bug, a refused statement, a broken constraint); its changes were rolled back',
  invalid_result:
    "the handler's result is not a JSON object or breaks the tool's output schema; its changes were rolled back",
  timeout: 'the handler ran past the per-call time limit and was stopped; its changes were rolled back',
  unavailable: "the handler's process crashed or could not be reached, or the session database could not be opened",
} as const;

export type HostErrorCode = keyof typeof HOST_ERROR_CODES;

/** A business code from the spec, or one of the host's. */
export type ToolErrorCode = ErrorCode | HostErrorCode;

/** What the agent reads as `{ error: { code, message } }`. */
export interface ToolCallError {
  readonly code: ToolErrorCode;
  readonly message: string;
}
