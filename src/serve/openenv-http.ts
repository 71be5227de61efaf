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

export const OPENENV_ROUTES: ReadonlySet<string> = new Set(['/metadata', '/schema', '/state', '/reset', '/step']);

/** The methods each route takes. */
const METHODS: Readonly<Record<string, string>> = {
  '/metadata': 'GET',
  '/schema': 'GET',
  '/state': 'GET',
  '/reset': 'POST',
  '/step': 'POST',
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
