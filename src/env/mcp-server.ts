// The MCP side of one env session: the SDK's low-level Server (its high-level registerTool wants
// zod; our schemas are plain JSON Schema), answering tools/list from the spec and tools/call through
// EnvSessions. Every tool failure, an unknown tool and bad arguments included, is a tool result with
// isError (the agent reads it and can recover, and RL wrappers read its code); a protocol error
// means the host itself failed.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { mcpToolResult } from './mcp-tool-result.js';
import type { EnvSessions, SessionId } from './sessions.js';

export interface McpSessionBinding {
  readonly sessions: EnvSessions;
  readonly sessionId: SessionId;
  /** mcpToolListing(sessions.tools), computed once. */
  readonly listing: readonly Tool[];
  /** The server's name in the initialize answer, e.g. the scenario id. */
  readonly name: string;
  /**
   * Shared by the Servers of every request: a Server left to itself builds its own ajv (with
   * formats) in its constructor, which was the largest cost of a stateless request.
   */
  readonly jsonSchemaValidator: AjvJsonSchemaValidator;
}

export function createMcpServer({
  sessions,
  sessionId,
  listing,
  name,
  jsonSchemaValidator,
}: McpSessionBinding): Server {
  const server = new Server(
    { name, version: '1' },
    { capabilities: { tools: { listChanged: false } }, jsonSchemaValidator },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...listing] }));
  server.setRequestHandler(CallToolRequestSchema, async (request) =>
    mcpToolResult(await sessions.callTool(sessionId, request.params.name, request.params.arguments ?? {})),
  );
  return server;
}
