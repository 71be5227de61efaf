// The stateless HTTP routes of OpenEnv's server contract (SERVING.md §1.1, §6.1), answered as
// OpenEnv's agent_world_model_env port answers them, so providers, `openenv validate` and
// verifiers' OpenEnvTaskset find what they look for: /metadata, /schema, /state, and /reset and
// /step present but refused with 400 (an episode lives on a session, not on a stateless request).
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-json.js';

export interface OpenEnvFacts {
  readonly scenarios: readonly string[];
  readonly version: string;
}

export const OPENENV_ROUTES: ReadonlySet<string> = new Set([
  '/metadata',
  '/schema',
  '/state',
  '/reset',
  '/step',
  '/openapi.json',
]);

/** The methods each route takes. */
const METHODS: Readonly<Record<string, string>> = {
  '/metadata': 'GET',
  '/schema': 'GET',
  '/state': 'GET',
  '/reset': 'POST',
  '/step': 'POST',
  '/openapi.json': 'GET',
};

export function answerOpenEnv(path: string, method: string, facts: OpenEnvFacts, response: ServerResponse): void {
  const allowed = METHODS[path]!;
  if (method !== allowed) return sendJson(response, 405, { detail: 'Method Not Allowed' }, { allow: allowed });
  switch (path) {
    case '/metadata':
      return sendJson(response, 200, {
        name: 'awm',
        description: `Agent World Model environments synthesized by awm: ${facts.scenarios.length} scenarios (${facts.scenarios.join(', ')}), each episode an isolated SQLite database behind MCP tools`,
        version: facts.version,
      });
    case '/schema':
      return sendJson(response, 200, OPENENV_SCHEMA);
    case '/openapi.json':
      return sendJson(response, 200, openApi(facts.version));
    case '/state':
      // Stateless, as OpenEnv's own: a fresh env's state.
      return sendJson(response, 200, { episode_id: null, step_count: 0 });
    default:
      return sendJson(response, 400, {
        detail:
          'HTTP reset and step are not supported: an episode is a session. Use the WebSocket session at /ws ' +
          "(OpenEnv EnvClient), or POST /episodes and the episode's MCP URL",
      });
  }
}

const LIST_TOOLS_ACTION = {
  title: 'ListToolsAction',
  type: 'object',
  properties: { type: { const: 'list_tools' }, metadata: { type: 'object' } },
  required: ['type'],
};

const CALL_TOOL_ACTION = {
  title: 'CallToolAction',
  type: 'object',
  properties: {
    type: { const: 'call_tool' },
    tool_name: { type: 'string' },
    arguments: { type: 'object' },
    metadata: { type: 'object' },
  },
  required: ['type', 'tool_name'],
};

/** The AWM port's observation field set (`AWMObservation`, extra keys forbidden). */
const AWM_OBSERVATION = {
  title: 'AWMObservation',
  type: 'object',
  additionalProperties: false,
  properties: {
    done: { type: 'boolean' },
    reward: { type: ['number', 'null'] },
    metadata: { type: 'object' },
    reward_type: { type: ['string', 'null'] },
    scenario: { type: ['string', 'null'] },
    task: { type: ['string', 'null'] },
    task_idx: { type: ['integer', 'null'] },
    has_verifier: { type: ['object', 'null'] },
    num_tools: { type: ['integer', 'null'] },
    tool_name: { type: ['string', 'null'] },
    tool_result: {},
    error: { type: ['string', 'null'] },
    warning: { type: ['string', 'null'] },
    verify_result: { type: ['object', 'null'] },
    steps_taken: { type: ['integer', 'null'] },
    scenarios: { type: ['array', 'null'] },
    total: { type: ['integer', 'null'] },
    trajectory_path: { type: ['string', 'null'] },
    session_dir: { type: ['string', 'null'] },
  },
};

export const OPENENV_SCHEMA = {
  action: { title: 'CallToolAction', oneOf: [LIST_TOOLS_ACTION, CALL_TOOL_ACTION] },
  observation: AWM_OBSERVATION,
  state: {
    title: 'State',
    type: 'object',
    properties: { episode_id: { type: ['string', 'null'] }, step_count: { type: 'integer' } },
    required: ['step_count'],
  },
};

/** Enough of an OpenAPI document for `openenv validate`: `info.version`, and every route's path. */
function openApi(version: string): Record<string, unknown> {
  const route = (method: string, summary: string): Record<string, unknown> => ({
    [method]: { summary, responses: { '200': { description: 'OK' } } },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'awm episode server', version },
    paths: {
      '/health': route('get', 'health; ?ready answers 503 at capacity'),
      '/metadata': route('get', 'the server and its scenarios'),
      '/schema': route('get', 'action, observation and state JSON Schemas'),
      '/state': route('get', 'a fresh env state (stateless)'),
      '/reset': route('post', 'not supported over HTTP (400): use WS /ws or POST /episodes'),
      '/step': route('post', 'not supported over HTTP (400): use WS /ws or POST /episodes'),
      '/mcp': route('post', "OpenEnv's JSON-RPC dialect"),
      '/metrics': route('get', 'Prometheus metrics'),
      '/episodes': route('post', 'open an episode'),
      '/episodes/{id}': { ...route('get', 'an episode'), ...route('delete', 'close an episode (?keep=1)') },
      '/episodes/{id}/mcp': route('post', "the episode's MCP endpoint (Streamable HTTP)"),
      '/episodes/{id}/verify': route('post', 'verify the episode'),
    },
  };
}
