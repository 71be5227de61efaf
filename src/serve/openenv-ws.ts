// OpenEnv's WebSocket session protocol at /ws (SERVING.md §1.2, §6.1): the connection is the
// session, one request frame, one reply, in order. Frames:
//
//   {type:"reset", data:{scenario, task_idx|task_id, task?, done_reward?}}  → observation (reset_ok | reset_error)
//   {type:"step", data:{type:"list_tools"}}                                 → observation {tools}
//   {type:"step", data:{type:"call_tool", tool_name, arguments}}            → observation (a tool, or verify / done)
//   {type:"state"}                                                          → {type:"state", data:{episode_id, step_count}}
//   {type:"close"}                                                          → the socket closes
//   anything else                                                           → {type:"error", data:{message, code}}
//
// Observations carry exactly the AWM port's field set (AWMObservation); awm's extras go under
// `observation.metadata` ({episode_id, mcp_url}). Unlike the port, `done` returns the verifier's
// reward (`done_reward: "zero"` at reset restores the port's 0), and an unscorable verdict is
// `reward: null`. The socket's episode is closed when the socket goes; pings find half-open ones.
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Episode } from './episode.js';
import type { EpisodeRegistry } from './episode-registry.js';

/** AWM's per-step rewards (its default reward_config): a malformed call costs, the rest is 0. */
const FORMAT_ERROR_REWARD = -1;
const PING_EVERY_MS = 20_000;

type Observation = Record<string, unknown>;
interface Reply {
  readonly type: 'observation' | 'state' | 'error';
  readonly data: Record<string, unknown>;
}

export class OpenEnvSockets {
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
  readonly #alive = new WeakMap<WebSocket, boolean>();
  readonly #pinger: NodeJS.Timeout;

  constructor(
    readonly episodes: EpisodeRegistry,
    readonly mcpUrl: (id: string) => string,
  ) {
    // A socket that answered no ping since the last one is half-open: drop it (and its episode).
    this.#pinger = setInterval(() => {
      for (const socket of this.#server.clients) {
        if (this.#alive.get(socket) === false) socket.terminate();
        else {
          this.#alive.set(socket, false);
          socket.ping();
        }
      }
    }, PING_EVERY_MS);
    this.#pinger.unref();
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
  }

  close(): void {
    clearInterval(this.#pinger);
    for (const socket of this.#server.clients) socket.terminate();
    this.#server.close();
  }

  #accept(ws: WebSocket): void {
    this.#alive.set(ws, true);
    ws.on('pong', () => this.#alive.set(ws, true));
    const full = this.episodes.capacityProblem();
    if (full !== null) {
      ws.send(JSON.stringify({ type: 'error', data: { message: full.message, code: full.code, ...full.details } }));
      ws.close(1013, 'capacity reached');
      return;
    }
    const session = new SocketSession(this.episodes, this.mcpUrl);
    // One frame at a time, in order: replies never overtake each other.
    let queue = Promise.resolve();
    ws.on('message', (data: RawData) => {
      queue = queue.then(async () => {
        const reply = await session.handle(data.toString());
        if (reply === 'close') ws.close(1000);
        else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      });
    });
    ws.on('close', () => void queue.then(() => session.end()));
  }
}

class SocketSession {
  #episode: Episode | null = null;
  #stepCount = 0;
  #doneReward: 'verifier' | 'zero' = 'verifier';

  constructor(
    readonly episodes: EpisodeRegistry,
    readonly mcpUrl: (id: string) => string,
  ) {}

  async handle(text: string): Promise<Reply | 'close'> {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      return errorReply('INVALID_JSON', `the frame is not JSON: ${(error as Error).message}`);
    }
    if (typeof frame !== 'object' || frame === null) return errorReply('INVALID_JSON', 'a frame is a JSON object');
    const { type, data } = frame as { type?: unknown; data?: unknown };
    const body = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
    try {
      switch (type) {
        case 'reset':
          return await this.#reset(body);
        case 'step':
          return await this.#step(body);
        case 'state':
          return { type: 'state', data: { episode_id: this.#episode?.id ?? null, step_count: this.#stepCount } };
        case 'close':
          await this.end();
          return 'close';
        default:
          return errorReply('UNKNOWN_TYPE', `unknown frame type ${JSON.stringify(type)}`);
      }
    } catch (error) {
      return errorReply('EXECUTION_ERROR', error instanceof Error ? error.message : String(error));
    }
  }

  async end(): Promise<void> {
    const episode = this.#episode;
    this.#episode = null;
    if (episode !== null) await this.episodes.close(episode, 'disconnected');
  }

  async #reset(data: Record<string, unknown>): Promise<Reply> {
    await this.end();
    this.#stepCount = 0;
    this.#doneReward = data['done_reward'] === 'zero' ? 'zero' : 'verifier';
    const opened = await this.episodes.open(data['scenario'], data['task_id'] ?? data['task_idx']);
    if (!opened.ok) {
      if (opened.error.code === 'CAPACITY_REACHED')
        return errorReply('CAPACITY_REACHED', opened.error.message, opened.error.details);
      return observation({ reward_type: 'reset_error', error: opened.error.message }, null, false);
    }
    const episode = opened.value;
    this.#episode = episode;
    const task = episode.task;
    const verifier = task !== null && existsSync(episode.pool.scenario.verifierPath(task.id));
    return observation(
      {
        reward_type: 'reset_ok',
        scenario: episode.scenario,
        task: task?.text ?? (typeof data['task'] === 'string' ? data['task'] : null),
        task_idx: task === null ? null : episode.pool.scenario.tasks.indexOf(task),
        has_verifier: { sql: verifier, code: verifier },
        num_tools: episode.pool.scenario.tools.length,
      },
      null,
      false,
      { episode_id: episode.id, mcp_url: this.mcpUrl(episode.id) },
    );
  }

  async #step(action: Record<string, unknown>): Promise<Reply> {
    const episode = this.#episode;
    if (episode === null || episode.state !== 'active')
      return observation(
        {
          reward_type: 'invalid_action',
          error:
            episode === null ? 'no episode: send reset first' : 'the episode was closed (idle too long); send reset',
        },
        null,
        false,
      );
    episode.touch();
    this.#stepCount += 1;
    switch (action['type']) {
      case 'list_tools':
        return observation({ tools: episode.pool.scenario.tools.map(listedTool) }, null, false);
      case 'call_tool':
        return this.#callTool(episode, action);
      default:
        return errorReply(
          'VALIDATION_ERROR',
          `a step's action is {type: "list_tools"} or {type: "call_tool", tool_name, arguments}`,
        );
    }
  }

  async #callTool(episode: Episode, action: Record<string, unknown>): Promise<Reply> {
    const name = action['tool_name'];
    if (typeof name !== 'string') return errorReply('VALIDATION_ERROR', 'call_tool needs a tool_name');
    const args = typeof action['arguments'] === 'object' && action['arguments'] !== null ? action['arguments'] : {};
    const given = args as Record<string, unknown>;
    if (name === 'verify') {
      if (given['verifier_mode'] === 'sql')
        return observation(
          { reward_type: 'verifier_error', error: 'sql mode is not served yet; use verifier_mode "code"' },
          null,
          false,
        );
      const answer = typeof given['final_answer'] === 'string' ? given['final_answer'] : null;
      const verified = await this.episodes.verify(episode, answer);
      return observation(
        { reward_type: verified.body.reward_reason, verify_result: verified.body, steps_taken: episode.calls.length },
        verified.body.reward,
        false,
      );
    }
    if (name === 'done') {
      const answer = typeof given['final_answer'] === 'string' ? given['final_answer'] : null;
      const verified = this.#doneReward === 'zero' ? null : await this.episodes.verify(episode, answer);
      this.#episode = null;
      const runDir = await this.episodes.close(episode, 'done', given['keep_session'] === true);
      return observation(
        {
          reward_type: verified?.body.reward_reason ?? 'done',
          verify_result: verified?.body ?? null,
          steps_taken: episode.calls.length,
          trajectory_path: runDir,
        },
        verified === null ? 0 : verified.body.reward,
        true,
      );
    }
    const call = await episode.callTool(name, args);
    this.episodes.recordCall(episode, call);
    const fields = { tool_name: name, steps_taken: episode.calls.length };
    if (call.outcome.ok)
      return observation({ ...fields, reward_type: 'tool_call_ok', tool_result: call.outcome.result }, 0, false);
    const { code, message } = call.outcome.error;
    const kind = ERROR_KINDS[code] ?? 'tool_call_ok';
    return observation(
      { ...fields, reward_type: kind, tool_result: { error: { code, message } }, error: `${code}: ${message}` },
      kind === 'tool_not_found' || kind === 'invalid_args' ? FORMAT_ERROR_REWARD : 0,
      false,
    );
  }
}

/** The env host's error codes as the AWM port classes them; a business error (not_found, …) is a tool's answer. */
const ERROR_KINDS: Readonly<Record<string, string>> = {
  unknown_tool: 'tool_not_found',
  invalid_arguments: 'invalid_args',
  timeout: 'timeout',
  internal_error: 'server_error',
  invalid_result: 'server_error',
  unavailable: 'server_error',
};

/** A tool as the port lists it: exactly {name, description, input_schema}, the spec's examples inside input_schema. */
function listedTool(tool: {
  readonly name: string;
  readonly description: string;
  readonly input_schema: unknown;
  readonly examples?: readonly unknown[];
}): Record<string, unknown> {
  const schema = typeof tool.input_schema === 'object' && tool.input_schema !== null ? tool.input_schema : {};
  const examples = tool.examples ?? [];
  return {
    name: tool.name,
    description: tool.description,
    input_schema: examples.length > 0 ? { ...schema, examples } : schema,
  };
}

function observation(
  fields: Observation,
  reward: number | null,
  done: boolean,
  metadata?: Record<string, unknown>,
): Reply {
  const body: Observation = {};
  for (const [key, value] of Object.entries(fields)) if (value !== null && value !== undefined) body[key] = value;
  if (metadata !== undefined) body['metadata'] = metadata;
  return { type: 'observation', data: { observation: body, reward, done } };
}

function errorReply(code: string, message: string, details: Record<string, unknown> = {}): Reply {
  return { type: 'error', data: { message, code, ...details } };
}
