// OpenEnv's WebSocket session protocol at /ws (SERVING.md §1.2, §6.1): the connection is the
// session, one request frame, one reply, in order. Frames:
//
//   {type:"reset", data:{scenario, task_idx|task_id, task?, done_reward?}}  → observation (reset_ok | reset_error)
//   {type:"reset", data:{resume_episode_id}}                                → the dropped socket's episode, re-attached
//   {type:"step", data:{type:"list_tools"}}                                 → observation {tools}
//   {type:"step", data:{type:"call_tool", tool_name, arguments}}            → observation (a tool, or verify / done /
//                                                                             __list_scenarios__)
//   {type:"state"}                                                          → {type:"state", data:{episode_id, step_count}}
//   {type:"mcp", data:{jsonrpc request}}                                    → {type:"mcp", data:{jsonrpc answer}}
//   {type:"close"}                                                          → the socket closes
//   anything else                                                           → {type:"error", data:{message, code}}
//
// Observations carry exactly the AWM port's field set (AWMObservation); awm's extras go under
// `observation.metadata` ({episode_id, mcp_url}). Unlike the port, `done` returns the verifier's
// reward (`done_reward: "zero"` at reset restores the port's 0), and an unscorable verdict is
// `reward: null`. A `close` frame, `done` or a clean close (1000) ends the socket's episode; a socket
// that drops (or that pings find half-open) leaves it open for the re-attach grace period.
//
// WS /mcp (OpenEnvMcpSockets) carries raw JSON-RPC frames, the dialect of POST /mcp; the episodes a
// connection opens are its own and close with it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isRecord } from '../util/is-record.js';
import { statOrNull } from '../util/stat-or-null.js';
import { readVerifierFile } from '../verify/verifier-file.js';
import type { Episode } from './episode.js';
import type { EpisodeRegistry } from './episode-registry.js';
import { describeIgnored, episodeRewards } from './reward-config.js';
import { answerOpenEnvMcp, answerOpenEnvMcpMessage, onlyScenario, type McpBinding } from './openenv-mcp.js';

export interface SocketOptions {
  /** A socket that answered no ping within this interval is dropped. */
  readonly pingIntervalMs: number;
  /** How long a dropped socket's episode waits to be re-attached; 0 closes it at once. */
  readonly reattachGraceMs: number;
}

type Observation = Record<string, unknown>;
interface Reply {
  readonly type: 'observation' | 'state' | 'error' | 'mcp';
  readonly data: Record<string, unknown>;
}

export class OpenEnvSockets {
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
  readonly #alive = new WeakMap<WebSocket, boolean>();
  readonly #pinger: NodeJS.Timeout;

  constructor(
    readonly episodes: EpisodeRegistry,
    readonly mcpUrl: (id: string) => string,
    readonly options: SocketOptions,
  ) {
    // A socket that answered no ping since the last one is half-open: drop it (its episode waits
    // out the grace period, then closes).
    this.#pinger = setInterval(() => {
      for (const socket of this.#server.clients) {
        if (this.#alive.get(socket) === false) socket.terminate();
        else {
          this.#alive.set(socket, false);
          socket.ping();
        }
      }
    }, options.pingIntervalMs);
    this.#pinger.unref();
  }

  /** WS /ws (OpenEnv's session protocol) or WS /mcp (raw JSON-RPC frames). */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, path: '/ws' | '/mcp'): void {
    this.#server.handleUpgrade(request, socket, head, (ws) =>
      path === '/ws' ? this.#accept(ws) : this.#acceptMcp(ws),
    );
  }

  close(): void {
    clearInterval(this.#pinger);
    for (const socket of this.#server.clients) socket.terminate();
    this.#server.close();
  }

  /** False (and the socket refused) when no episode can be opened or resumed now. */
  #admit(ws: WebSocket): boolean {
    this.#alive.set(ws, true);
    ws.on('pong', () => this.#alive.set(ws, true));
    const full = this.episodes.capacityProblem();
    // A full (or draining) server still lets a dropped socket's client in to resume its episode.
    if (full === null || this.episodes.detachedCount > 0) return true;
    ws.send(JSON.stringify({ type: 'error', data: { message: full.message, code: full.code, ...full.details } }));
    ws.close(
      full.code === 'SHUTTING_DOWN' ? 1001 : 1013,
      full.code === 'SHUTTING_DOWN' ? 'draining' : 'capacity reached',
    );
    return false;
  }

  #accept(ws: WebSocket): void {
    if (!this.#admit(ws)) return;
    const session = new SocketSession(this.episodes, this.mcpUrl);
    serveFrames(
      ws,
      (text) => session.handle(text),
      (clean) => (clean ? session.end() : session.drop(this.options.reattachGraceMs)),
    );
  }

  #acceptMcp(ws: WebSocket): void {
    if (!this.#admit(ws)) return;
    const connection = new McpConnection(this.episodes);
    serveFrames(
      ws,
      (text) => connection.handle(text),
      () => connection.end(),
    );
  }
}

/** One frame at a time, in order (replies never overtake each other); `ended` once the socket went. */
function serveFrames(
  ws: WebSocket,
  handle: (text: string) => Promise<unknown>,
  ended: (clean: boolean) => Promise<void>,
): void {
  let queue = Promise.resolve();
  ws.on('message', (data: RawData) => {
    queue = queue.then(async () => {
      const reply = await handle(data.toString());
      if (reply === 'close') ws.close(1000);
      else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
    });
  });
  // 1000 is a client's clean close; 1006 (no close frame: a dropped network, a killed client, a
  // half-open socket the pings terminated) and the rest are drops.
  ws.on('close', (code: number) => void queue.then(() => ended(code === 1000)));
}

/** A WS /mcp connection: JSON-RPC in, JSON-RPC out; it owns the episodes it opens. */
class McpConnection {
  readonly #owned = new Set<Episode>();
  #current: Episode | null = null;

  constructor(readonly episodes: EpisodeRegistry) {}

  readonly #binding: McpBinding = {
    current: () => (this.#current?.state === 'active' ? this.#current : null),
    opened: (episode) => {
      this.#owned.add(episode);
      this.#current = episode;
    },
  };

  async handle(text: string): Promise<Record<string, unknown>> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return answerOpenEnvMcp(text, this.episodes, this.#binding); // its parse error, in JSON-RPC's words
    }
    // On a one-scenario server the connection's own episode opens with its first tools/ request.
    const method = isRecord(message) ? message['method'] : undefined;
    const scenario = onlyScenario(this.episodes);
    if (
      this.#binding.current() === null &&
      scenario !== null &&
      typeof method === 'string' &&
      method.startsWith('tools/')
    ) {
      const opened = await this.episodes.open(scenario, null);
      if (opened.ok) this.#binding.opened!(opened.value);
    }
    return answerOpenEnvMcpMessage(message, this.episodes, this.#binding);
  }

  async end(): Promise<void> {
    const owned = [...this.#owned];
    this.#owned.clear();
    this.#current = null;
    await Promise.allSettled(owned.map((episode) => this.episodes.close(episode, 'disconnected')));
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
          return await (body['resume_episode_id'] !== undefined
            ? this.#resume(body['resume_episode_id'])
            : this.#reset(body));
        case 'step':
          return await this.#step(body);
        case 'state':
          return { type: 'state', data: { episode_id: this.#episode?.id ?? null, step_count: this.#stepCount } };
        case 'mcp':
          // The JSON-RPC dialect of POST /mcp; calls without session_id go to this socket's episode.
          return {
            type: 'mcp',
            data: await answerOpenEnvMcpMessage(data ?? null, this.episodes, {
              current: () => (this.#episode?.state === 'active' ? this.#episode : null),
            }),
          };
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

  /** The socket dropped: its episode waits `graceMs` to be re-attached. */
  async drop(graceMs: number): Promise<void> {
    const episode = this.#episode;
    this.#episode = null;
    if (episode !== null) await this.episodes.detach(episode, graceMs);
  }

  async #resume(id: unknown): Promise<Reply> {
    const found = this.episodes.reattach(id);
    if (!found.ok) return observation({ reward_type: 'reset_error', error: found.error }, null, false);
    if (this.#episode !== found.value) await this.end();
    const episode = found.value;
    this.#episode = episode;
    this.#stepCount = episode.calls.length;
    return this.#resetObservation(episode, null, null, { resumed: true });
  }

  async #reset(data: Record<string, unknown>): Promise<Reply> {
    await this.end();
    this.#stepCount = 0;
    this.#doneReward = data['done_reward'] === 'zero' ? 'zero' : 'verifier';
    const rewards = episodeRewards(data['reward_config']);
    if (!rewards.ok) return observation({ reward_type: 'reset_error', error: rewards.error }, null, false);
    const opened = await this.episodes.open(
      data['scenario'],
      data['task_id'] ?? data['task_idx'],
      rewards.value.rewards,
    );
    if (!opened.ok) {
      if (opened.error.code === 'CAPACITY_REACHED')
        return errorReply('CAPACITY_REACHED', opened.error.message, opened.error.details);
      return observation({ reward_type: 'reset_error', error: opened.error.message }, null, false);
    }
    const episode = opened.value;
    this.#episode = episode;
    this.episodes.attach(episode);
    const warning = describeIgnored(rewards.value.ignored);
    return this.#resetObservation(episode, typeof data['task'] === 'string' ? data['task'] : null, warning, {});
  }

  #resetObservation(
    episode: Episode,
    freeTask: string | null,
    warning: string | null,
    extra: Record<string, unknown>,
  ): Reply {
    return observation(resetObservation(episode, this.episodes.hasJudge, freeTask, warning), null, false, {
      episode_id: episode.id,
      mcp_url: this.mcpUrl(episode.id),
      ...extra,
    });
  }

  async #step(action: Record<string, unknown>): Promise<Reply> {
    const episode = this.#episode;
    if (action['type'] === 'call_tool' && action['tool_name'] === '__list_scenarios__') return this.#listScenarios();
    if (episode === null && action['type'] === 'list_tools') {
      // Tools before reset: the one scenario's, when the server serves one.
      const only = onlyScenario(this.episodes);
      if (only !== null)
        return observation(
          { tools: this.episodes.scenarios.get(only)!.pool.scenario.tools.map(listedTool) },
          null,
          false,
        );
      return observation(
        {
          tools: [],
          error: `this server serves ${this.episodes.scenarios.size} scenarios: send reset with one of them first (__list_scenarios__ lists them)`,
        },
        null,
        false,
      );
    }
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

  /** `__list_scenarios__`, as the port answers it: every scenario with its tasks' texts, in order. */
  #listScenarios(): Reply {
    const scenarios = [...this.episodes.scenarios.values()].map(({ pool }) => ({
      name: pool.scenario.scenario,
      tasks: pool.scenario.tasks.map((task) => task.text),
    }));
    return observation({ reward_type: 'list_scenarios', scenarios, total: scenarios.length }, null, false);
  }

  async #callTool(episode: Episode, action: Record<string, unknown>): Promise<Reply> {
    const name = action['tool_name'];
    if (typeof name !== 'string') return errorReply('VALIDATION_ERROR', 'call_tool needs a tool_name');
    const args = typeof action['arguments'] === 'object' && action['arguments'] !== null ? action['arguments'] : {};
    const given = args as Record<string, unknown>;
    if (name === 'verify') {
      const mode = given['verifier_mode'] ?? 'code';
      if (mode !== 'code' && mode !== 'sql')
        return errorReply('VALIDATION_ERROR', `verifier_mode is "code" or "sql", not ${JSON.stringify(mode)}`);
      const answer = typeof given['final_answer'] === 'string' ? given['final_answer'] : null;
      const verified = await this.episodes.verify(episode, answer, mode);
      return observation(
        { reward_type: verified.body.reward_reason, verify_result: verified.body, steps_taken: episode.calls.length },
        verified.body.reward,
        false,
      );
    }
    if (name === 'done') {
      const answer = typeof given['final_answer'] === 'string' ? given['final_answer'] : null;
      const mode = given['verifier_mode'] === 'sql' ? 'sql' : 'code';
      const verified =
        this.#doneReward === 'zero' ? null : await this.episodes.verify(episode, answer, mode, { reuse: true });
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
      kind === 'tool_not_found' || kind === 'invalid_args' ? episode.rewards.formatError : 0,
      false,
    );
  }
}

/** The AWM port's reset observation: reset_ok (reset_warning with a warning), the task, the verifiers, the tools. */
export function resetObservation(
  episode: Episode,
  hasJudge: boolean,
  freeTask: string | null,
  warning: string | null,
): Observation {
  const task = episode.task;
  const modes = task === null ? NO_MODES : verifierModes(episode.pool.scenario.verifierPath(task.id));
  return {
    reward_type: warning === null ? 'reset_ok' : 'reset_warning',
    scenario: episode.scenario,
    task: task?.text ?? freeTask,
    task_idx: task === null ? null : episode.pool.scenario.tasks.indexOf(task),
    // sql mode needs the verifier's facts and a judge.
    has_verifier: { sql: modes.sql && hasJudge, code: modes.code },
    num_tools: episode.pool.scenario.tools.length,
    warning,
  };
}

const NO_MODES = { code: false, sql: false } as const;
const modesRead = new Map<string, { readonly mtimeMs: number; readonly modes: { code: boolean; sql: boolean } }>();

/**
 * Which modes a task's verifier file can verify: both for ours; for an imported Python one, those
 * whose source it has. Read once per file version (resets are frequent).
 */
function verifierModes(path: string): { readonly code: boolean; readonly sql: boolean } {
  const stat = statOrNull(path);
  if (stat === null || !stat.isFile()) return NO_MODES;
  const known = modesRead.get(path);
  if (known !== undefined && known.mtimeMs === stat.mtimeMs) return known.modes;
  const file = readVerifierFile(path);
  const modes = file.ok
    ? { code: file.value.codeVerifier.trim() !== '', sql: file.value.factGatherer.trim() !== '' }
    : NO_MODES;
  modesRead.set(path, { mtimeMs: stat.mtimeMs, modes });
  return modes;
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
