// The agent's side of MCP: the SDK's Client over Streamable HTTP (with the bearer token when there
// is one), one connection for the whole episode. A call's outcome is what the model will read: the
// result (structured content, else the text, parsed when it is JSON), or the error, whether the env
// said it (`isError`, whose text is `{ error: { code, message } }` on awm's host) or the transport
// failed (`mcp_error`). Nothing here throws at the loop once connected.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import type { AgentTool, AgentToolClient } from './agent-tools.js';
import type { ToolError, ToolOutcome } from './trajectory.js';

/** The reference harness waits 60 s for a call; so do we. */
export const MCP_CALL_TIMEOUT_MS = 60_000;

export interface McpEndpoint {
  readonly url: string;
  readonly token?: string;
}

export class McpToolClient implements AgentToolClient {
  private constructor(
    readonly client: Client,
    readonly timeoutMs: number,
  ) {}

  /** Connected (MCP initialize done), or why not in words. */
  static async connect(endpoint: McpEndpoint, timeoutMs = MCP_CALL_TIMEOUT_MS): Promise<Result<McpToolClient, string>> {
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      return err(`the MCP URL "${endpoint.url}" is not a URL`);
    }
    const headers: Record<string, string> =
      endpoint.token === undefined ? {} : { authorization: `Bearer ${endpoint.token}` };
    const client = new Client({ name: 'awm-agent', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }), {
        timeout: timeoutMs,
      });
    } catch (error) {
      await client.close().catch(() => undefined);
      return err(`could not connect to the MCP server at ${endpoint.url}: ${messageOf(error)}`);
    }
    return ok(new McpToolClient(client, timeoutMs));
  }

  async listTools(): Promise<readonly AgentTool[]> {
    const tools: AgentTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor === undefined ? {} : { cursor }, { timeout: this.timeoutMs });
      for (const tool of page.tools)
        tools.push({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools;
  }

  async callTool(name: string, args: Readonly<Record<string, unknown>>): Promise<ToolOutcome> {
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: { ...args } }, undefined, {
        timeout: this.timeoutMs,
      })) as CallToolResult;
    } catch (error) {
      return { ok: false, error: { code: 'mcp_error', message: `the MCP call failed: ${messageOf(error)}` } };
    }
    const text = result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('\n');
    if (result.isError) return { ok: false, error: toolErrorOf(text) };
    return { ok: true, result: result.structuredContent ?? parsedOrText(text) };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** awm's host writes `{ error: { code, message } }`; any other server's text is the message. */
function toolErrorOf(text: string): ToolError {
  const parsed = parsedOrText(text);
  if (isRecord(parsed) && isRecord(parsed['error'])) {
    const { code, message } = parsed['error'];
    if (typeof code === 'string' && typeof message === 'string') return { code, message };
  }
  return { code: 'tool_error', message: text };
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function messageOf(error: unknown): string {
  // The transport's message does not name the HTTP status (401 for a wrong token, say).
  if (error instanceof StreamableHTTPError && error.code !== undefined) return `HTTP ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
