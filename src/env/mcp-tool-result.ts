// A call's outcome as an MCP tool result. Success: the result as JSON text (for clients that read
// only `content`) and as `structuredContent`. Failure: `isError: true` and `{ error: { code,
// message } }` as JSON text, so an agent reads it and an RL wrapper parses the code, without
// `structuredContent`: the SDK's Client (1.32) validates structuredContent against the tool's
// outputSchema even when isError is set, so an `{error}` object there would make its callTool throw
// instead of handing the agent the error.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorPayload, type CallOutcome } from './call-outcome.js';

export function mcpToolResult(outcome: CallOutcome): CallToolResult {
  if (outcome.ok)
    return { content: [{ type: 'text', text: JSON.stringify(outcome.result) }], structuredContent: outcome.result };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(errorPayload(outcome.error)) }] };
}
