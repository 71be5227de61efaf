// The env as the agent loop sees it: a list of tools and a way to call one. The MCP client
// (mcp-tool-client.ts) is the implementation; the loop never sees MCP itself.
import type { ToolOutcome } from './trajectory.js';

/** A tool as `tools/list` describes it. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  /** A JSON Schema of an object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

export interface AgentToolClient {
  listTools(): Promise<readonly AgentTool[]>;
  /** Never rejects for what the env does: a failed call, or a failed transport, is an error outcome. */
  callTool(name: string, args: Readonly<Record<string, unknown>>): Promise<ToolOutcome>;
}
