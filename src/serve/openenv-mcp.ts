// OpenEnv's `POST /mcp` JSON-RPC dialect (SERVING.md §1.3), for its MCPToolClient in production mode
// and `openenv validate`: always HTTP 200 with a JSON-RPC answer. `openenv/session/create` opens an
// episode (params `scenario`, `task_id`; the scenario may be left out when one is served),
// `tools/list` and `tools/call` take `session_id` (without it, a one-scenario server answers
// tools/list and runs a call on a temporary episode), `openenv/session/close` closes it. Everything
// else, MCP's initialize included, is -32601 as in OpenEnv. Like the per-episode MCP endpoint, this is
// the agent's side: verify, done and __list_scenarios__ are neither listed nor run. The same answers
// serve WS /mcp (a frame each) and `{"type":"mcp"}` frames on /ws, through a binding: the episode
// calls without session_id go to, and who owns the episodes opened.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { mcpToolResult } from '../env/mcp-tool-result.js';
import { RESERVED_TOOL_NAMES, type Episode } from './episode.js';
import type { EpisodeRegistry } from './episode-registry.js';

type JsonRpcId = string | number | null;
type Answer = Record<string, unknown>;

/** Where a connection's requests go when they name no session (WS /mcp, `{"type":"mcp"}` frames). */
export interface McpBinding {
  /** The episode tools/list and tools/call without session_id use, if any. */
  current(): Episode | null;
  /** Told of each episode openenv/session/create opens (a WS /mcp connection owns them). */
  opened?(episode: Episode): void;
}

export async function answerOpenEnvMcp(text: string, episodes: EpisodeRegistry, binding?: McpBinding): Promise<Answer> {
  let message: unknown;
  try {
    message = JSON.parse(text === '' ? 'null' : text);
  } catch (error) {
    return failure(null, -32700, `Parse error: ${(error as Error).message}`);
  }
  return answerOpenEnvMcpMessage(message, episodes, binding);
}

/** The answer to one JSON-RPC request already parsed. */
export async function answerOpenEnvMcpMessage(
  message: unknown,
  episodes: EpisodeRegistry,
  binding?: McpBinding,
): Promise<Answer> {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return failure(null, -32600, 'Invalid Request: a JSON-RPC request object');
  const { method, params, id: rawId } = message as { method?: unknown; params?: unknown; id?: unknown };
  const id: JsonRpcId = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
  if (typeof method !== 'string') return failure(id, -32600, 'Invalid Request: "method" is required');
  const given = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  const named = typeof given['session_id'] === 'string' ? given['session_id'] : null;
  // A bound connection's requests without session_id go to its episode.
  const sessionId = named ?? (method.startsWith('tools/') ? (binding?.current()?.id ?? null) : null);
  switch (method) {
    case 'openenv/session/create': {
      const opened = await episodes.open(
        given['scenario'] ?? onlyScenario(episodes),
        given['task_id'] ?? given['task_idx'],
      );
      if (!opened.ok) return failure(id, -32602, `${opened.error.code}: ${opened.error.message}`);
      binding?.opened?.(opened.value);
      return success(id, { session_id: opened.value.id });
    }
    case 'openenv/session/close': {
      const episode = sessionId === null ? undefined : episodes.get(sessionId);
      if (episode === undefined) return failure(id, -32602, `there is no open session ${JSON.stringify(sessionId)}`);
      await episodes.close(episode, 'deleted');
      return success(id, { session_id: episode.id, closed: true });
    }
    case 'tools/list': {
      const listing = listingFor(episodes, sessionId);
      if (typeof listing === 'string') return failure(id, -32602, listing);
      return success(id, { tools: listing.filter((tool) => !RESERVED_TOOL_NAMES.has(tool.name)) });
    }
    case 'tools/call': {
      const name = given['name'];
      if (typeof name !== 'string') return failure(id, -32602, 'tools/call needs "name"');
      const args = given['arguments'] ?? {};
      if (sessionId !== null) {
        const episode = episodes.get(sessionId);
        if (episode === undefined) return failure(id, -32602, `there is no open session ${sessionId}`);
        return success(id, await callOn(episodes, episode, name, args));
      }
      // No session: a temporary episode for this one call, as OpenEnv builds and closes a temporary env.
      const scenario = onlyScenario(episodes);
      if (scenario === null) return failure(id, -32602, 'tools/call needs "session_id" (openenv/session/create)');
      const opened = await episodes.open(scenario, null);
      if (!opened.ok) return failure(id, -32602, `${opened.error.code}: ${opened.error.message}`);
      try {
        return success(id, await callOn(episodes, opened.value, name, args));
      } finally {
        await episodes.close(opened.value, 'deleted');
      }
    }
    default:
      return failure(id, -32601, `Method not found: ${method}`);
  }
}

async function callOn(episodes: EpisodeRegistry, episode: Episode, name: string, args: unknown): Promise<unknown> {
  const call = await episode.callTool(name, args);
  episodes.recordCall(episode, call);
  return mcpToolResult(call.outcome);
}

function listingFor(episodes: EpisodeRegistry, sessionId: string | null): readonly Tool[] | string {
  if (sessionId !== null) {
    const episode = episodes.get(sessionId);
    if (episode === undefined) return `there is no open session ${sessionId}`;
    return episodes.scenarios.get(episode.scenario)!.listing;
  }
  const scenario = onlyScenario(episodes);
  if (scenario === null) return 'this server serves several scenarios: pass "session_id" (openenv/session/create)';
  return episodes.scenarios.get(scenario)!.listing;
}

export function onlyScenario(episodes: EpisodeRegistry): string | null {
  const names = [...episodes.scenarios.keys()];
  return names.length === 1 ? names[0]! : null;
}

function success(id: JsonRpcId, result: unknown): Answer {
  return { jsonrpc: '2.0', id, result };
}

function failure(id: JsonRpcId, code: number, message: string): Answer {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
