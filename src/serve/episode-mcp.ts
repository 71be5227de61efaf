// An episode's standard MCP endpoint (Streamable HTTP, stateless, JSON answers), one low-level
// Server and transport per POST as in src/env/mcp-http.ts: the episode's state is its session
// database, so nothing is kept per MCP session. tools/list is the spec's tools without the reserved
// names; tools/call goes through the episode, which records the call and refuses reserved names.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { mcpToolResult } from '../env/mcp-tool-result.js';
import { RESERVED_TOOL_NAMES, type Episode, type EpisodeCall } from './episode.js';

export interface EpisodeMcpBinding {
  readonly episode: Episode;
  /** mcpToolListing of the scenario's tools, computed once per scenario. */
  readonly listing: readonly Tool[];
  readonly jsonSchemaValidator: AjvJsonSchemaValidator;
  readonly onCall: (episode: Episode, call: EpisodeCall) => void;
}

export async function serveEpisodeMcp(
  binding: EpisodeMcpBinding,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { episode, listing, jsonSchemaValidator, onCall } = binding;
  const server = new Server(
    { name: episode.scenario, version: '1' },
    { capabilities: { tools: { listChanged: false } }, jsonSchemaValidator },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: listing.filter((tool) => !RESERVED_TOOL_NAMES.has(tool.name)),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (call) => {
    const done = await episode.callTool(call.params.name, call.params.arguments ?? {});
    onCall(episode, done);
    return mcpToolResult(done.outcome);
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  response.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response);
}
