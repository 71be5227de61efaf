// The episode server: every servable scenario of a project in one process, each episode a session of
// its scenario's pool with its own database, reached by trainers over awm's REST routes and by
// agents over a standard MCP endpoint of its own. Routes:
//
//   GET    /health[?ready]            {status: "healthy"}; ?ready → 503 at capacity
//   GET    /metrics                   Prometheus text
//   POST   /episodes                  {scenario, task_id?, reward_config?} → 201 {episode_id, mcp_url, mcp, task,
//                                      observation, …}; 503 CAPACITY_REACHED
//   GET    /episodes/{id}             state, calls, age
//   POST   /episodes/{id}/mcp         MCP Streamable HTTP (tools/list, tools/call; no verify, no done)
//   POST   /episodes/{id}/verify      {final_answer?, mode?: "code"|"sql"} → {reward, reward_type, scorable, result, …}
//   DELETE /episodes/{id}[?keep=1]    closes it; keep writes a run folder `awm verify` takes
//   GET /metadata, /schema, /state; POST /reset, /step (400)   OpenEnv's stateless routes (openenv-http.ts)
//   WS     /ws                        OpenEnv's session protocol (openenv-ws.ts)
//   POST   /mcp, WS /mcp              OpenEnv's JSON-RPC dialect, always 200 (openenv-mcp.ts)
//
//   listening ──drain()──▶ draining: no new episode (503 SHUTTING_DOWN, readiness 503), open ones
//   carry on until none is left or the timeout ──close()──▶ closing: no new requests, episodes
//   closed, pools closed ──▶ closed
// An idle reaper closes episodes no request touched for the idle TTL (OpenEnv PR #1000: without one,
// leaked sessions held every slot).
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { bearerTokenVerdict } from '../env/bearer-token-guard.js';
import { allowedHosts, hostHeaderVerdict } from '../env/host-header-guard.js';
import type { GuardVerdict } from '../env/http-guard.js';
import { mcpToolListing } from '../env/mcp-tool-listing.js';
import { originVerdict } from '../env/origin-guard.js';
import type { LlmSession } from '../llm/types.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { ok, unreachable, type Result } from '../util/result.js';
import type { Episode } from './episode.js';
import { serveEpisodeMcp } from './episode-mcp.js';
import { EpisodeRegistry, type ScenarioEntry } from './episode-registry.js';
import { readJsonObject, readText, sendError, sendJson } from './http-json.js';
import { answerOpenEnvMcp } from './openenv-mcp.js';
import { answerOpenEnv, OPENENV_ROUTES } from './openenv-http.js';
import { OpenEnvSockets, resetObservation } from './openenv-ws.js';
import { describeIgnored, episodeRewards } from './reward-config.js';
import { ScenarioPool } from './scenario-pool.js';
import type { ServableScenario } from './servable-scenario.js';
import { ServeMetrics } from './serve-metrics.js';

export interface EpisodeServerOptions {
  readonly scenarios: readonly ServableScenario[];
  /** The server's own folder: a pool folder per scenario (session files, call log). */
  readonly workDir: string;
  /** Where `DELETE …?keep=1` writes run folders. */
  readonly keepDir: string;
  /** Runs verifiers (src/sandbox). */
  readonly sandbox: SandboxRunner;
  readonly host?: string;
  readonly port?: number;
  readonly token?: string;
  /** Host header names accepted besides loopback (a Service's or pod's DNS name); `*` accepts any. */
  readonly allowedHosts?: readonly string[];
  /** The base URL clients reach this server by (`http://pod.svc:8000`), for the MCP URLs it hands out. */
  readonly publicUrl?: string;
  /** Episodes open at once; more are refused with CAPACITY_REACHED. */
  readonly maxEpisodes: number;
  /** An episode no request touched for this long is closed. */
  readonly idleTtlMs: number;
  /** WebSocket pings: a socket that answered none within this interval is dropped (default 20 s). */
  readonly pingIntervalMs?: number;
  /** A dropped socket's episode can be re-attached this long (default 60 s; 0: closed at once). */
  readonly reattachGraceMs?: number;
  readonly clock?: () => Date;
  readonly onNotice?: (notice: SandboxNotice) => void;
  /** sql mode's judge (a session for a scenario), or why there is none. */
  readonly judge?: ((scenario: string) => LlmSession) | string;
  /** Lifecycle events (episode created, closed, reaped), as data for the server log. */
  readonly onEvent?: (event: Record<string, unknown>) => void;
}

export const DEFAULT_PING_INTERVAL_MS = 20_000;
export const DEFAULT_REATTACH_GRACE_MS = 60_000;

const EPISODE_ROUTE = /^\/episodes\/([A-Za-z0-9_-]{1,64})(\/mcp|\/verify)?$/;

export class EpisodeServer {
  #state: 'listening' | 'draining' | 'closing' | 'closed' = 'listening';
  #closed: Promise<void> | null = null;
  readonly episodes: EpisodeRegistry;
  readonly #sockets: OpenEnvSockets;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #allowedHosts: ReadonlySet<string> | 'any';
  readonly #validator = new AjvJsonSchemaValidator();
  readonly #clock: () => Date;
  readonly #reaper: NodeJS.Timeout;
  readonly metrics = new ServeMetrics();

  private constructor(
    readonly options: EpisodeServerOptions,
    readonly scenarios: ReadonlyMap<string, ScenarioEntry>,
    readonly http: HttpServer,
    readonly port: number,
  ) {
    this.#allowedHosts = hostsAccepted(options, port);
    this.#clock = options.clock ?? (() => new Date());
    this.episodes = new EpisodeRegistry(
      scenarios,
      {
        maxEpisodes: options.maxEpisodes,
        idleTtlMs: options.idleTtlMs,
        keepDir: options.keepDir,
        sandbox: options.sandbox,
        clock: this.#clock,
        mcpUrl: (id) => this.#mcpUrl(id),
        ...(options.judge === undefined ? {} : { judge: options.judge }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      },
      this.metrics,
    );
    const every = Math.max(50, Math.min(options.idleTtlMs / 4, 30_000));
    this.#sockets = new OpenEnvSockets(this.episodes, (id) => this.#mcpUrl(id), {
      pingIntervalMs: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      reattachGraceMs: options.reattachGraceMs ?? DEFAULT_REATTACH_GRACE_MS,
    });
    this.#reaper = setInterval(() => void this.episodes.reapIdle(), every);
    this.#reaper.unref();
  }

  /** The pools started (each runner warmed up) and the port listening; or why a scenario cannot be served. */
  static async start(options: EpisodeServerOptions): Promise<Result<EpisodeServer, string>> {
    const scenarios = new Map<string, ScenarioEntry>();
    const closeAll = (): Promise<unknown> => Promise.all([...scenarios.values()].map(({ pool }) => pool.close()));
    for (const scenario of options.scenarios) {
      const pool = await ScenarioPool.start(scenario, join(options.workDir, scenario.scenario), options.onNotice);
      if (!pool.ok) {
        await closeAll();
        return pool;
      }
      scenarios.set(scenario.scenario, { pool: pool.value, listing: mcpToolListing(scenario.tools) });
    }
    const http = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
          http.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await closeAll();
      throw error;
    }
    const server = new EpisodeServer(options, scenarios, http, (http.address() as AddressInfo).port);
    http.on('request', (request: IncomingMessage, response: ServerResponse) => server.#track(request, response));
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      server.#upgrade(request, socket, head),
    );
    return ok(server);
  }

  /** `http://127.0.0.1:<port>` (a wildcard bind is reached through loopback). */
  get url(): string {
    const bound = this.options.host ?? '127.0.0.1';
    const host = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' ? '::1' : bound;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get activeEpisodes(): number {
    return this.episodes.size;
  }

  /**
   * SIGTERM's drain: no new episode is admitted (readiness turns 503, so a load balancer sends new
   * ones elsewhere) while open episodes carry on, until none is left or `timeoutMs` passes; then
   * close() as usual. Resolves with the episodes still open when the wait ended.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.#state === 'listening') {
      this.#state = 'draining';
      this.episodes.stopAdmitting();
    }
    const left = (await this.episodes.drained(timeoutMs)) ? 0 : this.episodes.size;
    await this.close();
    return left;
  }

  get draining(): boolean {
    return this.#state === 'draining';
  }

  close(): Promise<void> {
    switch (this.#state) {
      case 'listening':
      case 'draining':
        this.#state = 'closing';
        this.#closed = this.#shutDown().finally(() => (this.#state = 'closed'));
        return this.#closed;
      case 'closing':
      case 'closed':
        return this.#closed ?? Promise.resolve();
      default:
        return unreachable(this.#state, 'episode server state');
    }
  }

  async #shutDown(): Promise<void> {
    clearInterval(this.#reaper);
    this.#sockets.close();
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await Promise.allSettled([...this.#inFlight]);
    this.http.closeAllConnections();
    await stopped;
    await this.episodes.closeAll('shutdown');
    await Promise.allSettled([...this.scenarios.values()].map(({ pool }) => pool.close()));
  }

  #track(request: IncomingMessage, response: ServerResponse): void {
    const handled = this.#handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendError(response, 500, 'INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
    this.#inFlight.add(handled);
    void handled.finally(() => this.#inFlight.delete(handled));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed')
      return sendError(response, 503, 'SHUTTING_DOWN', 'the server is shutting down', {}, { connection: 'close' });
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const refusal = this.#guardRefusal(request, path);
    if (refusal !== null)
      return sendError(
        response,
        refusal.status,
        refusal.code,
        refusal.message,
        {},
        refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
      );
    const method = request.method ?? 'GET';
    if (path === '/health') return this.#health(url, response, method);
    if (path === '/metrics') {
      if (method !== 'GET') return notAllowed(response, 'GET');
      response.writeHead(200, { 'content-type': this.metrics.contentType }).end(await this.metrics.text());
      return;
    }
    if (OPENENV_ROUTES.has(path))
      return answerOpenEnv(path, method, { scenarios: [...this.scenarios.keys()], version: '1.0.0' }, response);
    if (path === '/mcp') {
      if (method !== 'POST') return notAllowed(response, 'POST');
      const text = await readText(request);
      if (!text.ok) return sendError(response, 413, 'PAYLOAD_TOO_LARGE', text.error);
      // Always 200 with a JSON-RPC answer, as OpenEnv's (and `openenv validate` checks it).
      return sendJson(response, 200, await answerOpenEnvMcp(text.value, this.episodes));
    }
    if (path === '/episodes') {
      if (method !== 'POST') return notAllowed(response, 'POST');
      return this.#createEpisode(request, response);
    }
    const match = EPISODE_ROUTE.exec(path);
    if (match === null) return sendError(response, 404, 'NOT_FOUND', `no route ${path}`);
    const episode = this.episodes.get(match[1]!);
    if (episode === undefined)
      return sendError(response, 404, 'EPISODE_NOT_FOUND', `there is no open episode ${match[1]}`);
    switch (match[2]) {
      case '/mcp':
        if (method !== 'POST')
          return sendError(
            response,
            405,
            'METHOD_NOT_ALLOWED',
            'this endpoint speaks stateless MCP: POST JSON-RPC',
            {},
            {
              allow: 'POST',
            },
          );
        episode.touch();
        return serveEpisodeMcp(
          {
            episode,
            listing: this.scenarios.get(episode.scenario)!.listing,
            jsonSchemaValidator: this.#validator,
            onCall: this.episodes.recordCall,
          },
          request,
          response,
        );
      case '/verify':
        if (method !== 'POST') return notAllowed(response, 'POST');
        return this.#verify(episode, request, response);
      default:
        if (method === 'GET') return sendJson(response, 200, this.#describe(episode));
        if (method === 'DELETE') return this.#delete(episode, url, response);
        return notAllowed(response, 'GET, DELETE');
    }
  }

  /** WS /ws: OpenEnv's session protocol, behind the same guards as the episode routes. */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const closing = this.#state === 'closing' || this.#state === 'closed';
    const refusal = closing ? { status: 503, message: 'shutting down' } : this.#guardRefusal(request, path);
    if ((path !== '/ws' && path !== '/mcp') || refusal !== null) {
      const status = refusal?.status ?? 404;
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    this.#sockets.upgrade(request, socket, head, path);
  }

  #guardRefusal(request: IncomingMessage, path: string): Extract<GuardVerdict, { ok: false }> | null {
    // Probes and scrapers reach /health and /metrics by the pod's address; they expose no tools.
    const open = path === '/health' || path === '/metrics';
    const verdicts = [
      open || this.#allowedHosts === 'any' ? null : hostHeaderVerdict(request.headers.host, this.#allowedHosts),
      originVerdict(request.headers.origin),
      open || this.options.token === undefined
        ? null
        : bearerTokenVerdict(request.headers.authorization, this.options.token),
    ];
    for (const verdict of verdicts) if (verdict !== null && !verdict.ok) return verdict;
    return null;
  }

  #health(url: URL, response: ServerResponse, method: string): void {
    if (method !== 'GET') return notAllowed(response, 'GET');
    const active = this.episodes.occupied;
    const max = this.options.maxEpisodes;
    if (url.searchParams.has('ready') && this.#state === 'draining')
      return sendJson(response, 503, {
        status: 'draining',
        reason: 'SHUTTING_DOWN',
        active_sessions: active,
        max_sessions: max,
      });
    if (url.searchParams.has('ready') && active >= max)
      return sendJson(response, 503, {
        status: 'degraded',
        reason: 'CAPACITY_REACHED',
        active_sessions: active,
        max_sessions: max,
      });
    sendJson(response, 200, { status: 'healthy', active_sessions: active, max_sessions: max });
  }

  async #createEpisode(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJsonObject(request);
    if (!body.ok) return sendError(response, 400, 'INVALID_JSON', body.error);
    const rewards = episodeRewards(body.value['reward_config']);
    if (!rewards.ok) return sendError(response, 400, 'VALIDATION_ERROR', rewards.error);
    const opened = await this.episodes.open(
      body.value['scenario'],
      body.value['task_id'] ?? body.value['task_idx'],
      rewards.value.rewards,
    );
    if (!opened.ok) {
      const { status, code, message, details } = opened.error;
      return sendError(response, status, code, message, details ?? {});
    }
    const episode = opened.value;
    const mcpUrl = this.#mcpUrl(episode.id);
    const token = this.options.token;
    const freeTask = typeof body.value['task'] === 'string' ? body.value['task'] : null;
    const observation = resetObservation(
      episode,
      this.episodes.hasJudge,
      freeTask,
      describeIgnored(rewards.value.ignored),
    );
    sendJson(response, 201, {
      episode_id: episode.id,
      scenario: episode.scenario,
      task_id: episode.task?.id ?? null,
      task: episode.task?.text ?? freeTask,
      tools_count: this.scenarios.get(episode.scenario)!.listing.length,
      mcp_url: mcpUrl,
      // What an MCP client needs (SERVING.md §6.1): the URL, and the header when a token guards it.
      mcp: token === undefined ? { url: mcpUrl } : { url: mcpUrl, headers: { authorization: `Bearer ${token}` } },
      // The AWM port's reset observation, for harnesses that start from it.
      observation: Object.fromEntries(Object.entries(observation).filter(([, value]) => value !== null)),
    });
  }

  #mcpUrl(id: string): string {
    return `${this.options.publicUrl ?? this.url}/episodes/${id}/mcp`;
  }

  #describe(episode: Episode): Record<string, unknown> {
    const now = this.#clock();
    return {
      episode_id: episode.id,
      scenario: episode.scenario,
      task_id: episode.task?.id ?? null,
      task: episode.task?.text ?? null,
      state: episode.state,
      mcp_url: this.#mcpUrl(episode.id),
      created_at: episode.createdAt.toISOString(),
      age_seconds: (now.getTime() - episode.createdAt.getTime()) / 1000,
      idle_seconds: episode.idleMs(now) / 1000,
      calls: episode.calls.length,
      failed_calls: episode.calls.filter((call) => !call.outcome.ok).length,
    };
  }

  async #verify(episode: Episode, request: IncomingMessage, response: ServerResponse): Promise<void> {
    episode.touch();
    const body = await readJsonObject(request);
    if (!body.ok) return sendError(response, 400, 'INVALID_JSON', body.error);
    const mode = body.value['mode'] ?? 'code';
    if (mode !== 'code' && mode !== 'sql')
      return sendError(response, 400, 'VALIDATION_ERROR', `mode must be "code" or "sql", not ${JSON.stringify(mode)}`);
    // `final_answer` as the port's verify tool names it; `answer` as awm agent's trajectories do.
    const answer = body.value['final_answer'] ?? body.value['answer'] ?? null;
    if (answer !== null && typeof answer !== 'string')
      return sendError(response, 400, 'VALIDATION_ERROR', '"final_answer" must be text');
    const verified = await this.episodes.verify(episode, answer, mode);
    sendJson(response, verified.status, verified.body);
  }

  async #delete(episode: Episode, url: URL, response: ServerResponse): Promise<void> {
    const keep = ['1', 'true', 'yes'].includes(url.searchParams.get('keep') ?? '');
    const runDir = await this.episodes.close(episode, 'deleted', keep);
    sendJson(response, 200, { episode_id: episode.id, closed: true, run_dir: runDir });
  }
}

/** Loopback with the bound port, the public URL's host, and the names given (`*`: any Host header). */
function hostsAccepted(options: EpisodeServerOptions, port: number): ReadonlySet<string> | 'any' {
  const extra = options.allowedHosts ?? [];
  if (extra.includes('*')) return 'any';
  const names = new Set(allowedHosts(options.host ?? '127.0.0.1', port));
  for (const given of extra) {
    const name = given.toLowerCase();
    // A name without a port: the bound port, or none (port 80, as a Service on 80 is reached).
    if (/:\d+$/.test(name)) names.add(name);
    else for (const form of [`${name}:${port}`, name, `${name}:80`]) names.add(form);
  }
  if (options.publicUrl !== undefined) names.add(new URL(options.publicUrl).host.toLowerCase());
  return names;
}

function notAllowed(response: ServerResponse, allow: string): void {
  sendError(response, 405, 'METHOD_NOT_ALLOWED', `this route takes ${allow}`, {}, { allow });
}
