// The episode server: every servable scenario of a project in one process, each episode a session of
// its scenario's pool with its own database, reached by trainers over awm's REST routes and by
// agents over a standard MCP endpoint of its own. Routes:
//
//   GET    /health[?ready]            {status: "healthy"}; ?ready → 503 at capacity
//   GET    /metrics                   Prometheus text
//   POST   /episodes                  {scenario, task_id?} → 201 {episode_id, mcp_url, task, …}; 503 CAPACITY_REACHED
//   GET    /episodes/{id}             state, calls, age
//   POST   /episodes/{id}/mcp         MCP Streamable HTTP (tools/list, tools/call; no verify, no done)
//   POST   /episodes/{id}/verify      {answer?, mode?: "code"} → {result, reward, reward_reason, error, …}
//   DELETE /episodes/{id}[?keep=1]    closes it; keep writes a run folder `awm verify` takes
//
//   listening ──close()──▶ closing: no new requests, episodes closed, pools closed ──▶ closed
// An idle reaper closes episodes no request touched for the idle TTL (OpenEnv PR #1000: without one,
// leaked sessions held every slot).
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { bearerTokenVerdict } from '../env/bearer-token-guard.js';
import { allowedHosts, hostHeaderVerdict } from '../env/host-header-guard.js';
import type { GuardVerdict } from '../env/http-guard.js';
import { mcpToolListing } from '../env/mcp-tool-listing.js';
import { originVerdict } from '../env/origin-guard.js';
import type { SessionId } from '../env/sessions.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { err, ok, unreachable, type Result } from '../util/result.js';
import { readTrajectory } from '../verify/run-folder.js';
import { verifyRun } from '../verify/verify-run.js';
import { Episode, type EpisodeCall } from './episode.js';
import { serveEpisodeMcp } from './episode-mcp.js';
import { episodeTrajectory } from './episode-trajectory.js';
import { readJsonObject, sendError, sendJson } from './http-json.js';
import { ScenarioPool } from './scenario-pool.js';
import type { ServableScenario, ServableTask } from './servable-scenario.js';
import { ServeMetrics, type CloseReason } from './serve-metrics.js';

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
  /** Episodes open at once; more are refused with CAPACITY_REACHED. */
  readonly maxEpisodes: number;
  /** An episode no request touched for this long is closed. */
  readonly idleTtlMs: number;
  readonly clock?: () => Date;
  readonly onNotice?: (notice: SandboxNotice) => void;
  /** Lifecycle events (episode created, closed, reaped), as data for the server log. */
  readonly onEvent?: (event: Record<string, unknown>) => void;
}

interface ScenarioEntry {
  readonly pool: ScenarioPool;
  readonly listing: readonly Tool[];
}

const EPISODE_ROUTE = /^\/episodes\/([A-Za-z0-9_-]{1,64})(\/mcp|\/verify)?$/;

export class EpisodeServer {
  #state: 'listening' | 'closing' | 'closed' = 'listening';
  #closed: Promise<void> | null = null;
  readonly #episodes = new Map<string, Episode>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #allowedHosts: ReadonlySet<string>;
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
    this.#allowedHosts = allowedHosts(options.host ?? '127.0.0.1', port);
    this.#clock = options.clock ?? (() => new Date());
    this.metrics.maxEpisodes.set(options.maxEpisodes);
    const every = Math.max(50, Math.min(options.idleTtlMs / 4, 30_000));
    this.#reaper = setInterval(() => void this.#reapIdle(), every);
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
    return ok(server);
  }

  /** `http://127.0.0.1:<port>` (a wildcard bind is reached through loopback). */
  get url(): string {
    const bound = this.options.host ?? '127.0.0.1';
    const host = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' ? '::1' : bound;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get activeEpisodes(): number {
    return this.#episodes.size;
  }

  close(): Promise<void> {
    switch (this.#state) {
      case 'listening':
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
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await Promise.allSettled([...this.#inFlight]);
    this.http.closeAllConnections();
    await stopped;
    await Promise.allSettled([...this.#episodes.values()].map((episode) => this.#closeEpisode(episode, 'shutdown')));
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
    if (this.#state !== 'listening')
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
    if (path === '/episodes') {
      if (method !== 'POST') return notAllowed(response, 'POST');
      return this.#createEpisode(request, response);
    }
    const match = EPISODE_ROUTE.exec(path);
    if (match === null) return sendError(response, 404, 'NOT_FOUND', `no route ${path}`);
    const episode = this.#episodes.get(match[1]!);
    if (episode === undefined || episode.state !== 'active')
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
            onCall: this.#onCall,
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

  #guardRefusal(request: IncomingMessage, path: string): Extract<GuardVerdict, { ok: false }> | null {
    // Probes and scrapers reach /health and /metrics by the pod's address; they expose no tools.
    const open = path === '/health' || path === '/metrics';
    const verdicts = [
      open ? null : hostHeaderVerdict(request.headers.host, this.#allowedHosts),
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
    const active = this.#episodes.size;
    const max = this.options.maxEpisodes;
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
    const asked = parseCreate(body.value, this.scenarios);
    if (!asked.ok) return sendError(response, asked.error.status, asked.error.code, asked.error.message);
    const active = this.#episodes.size;
    const max = this.options.maxEpisodes;
    if (active >= max) {
      this.metrics.episodesRefused.inc();
      return sendError(response, 503, 'CAPACITY_REACHED', `the server holds ${active} of ${max} episodes`, {
        active_sessions: active,
        max_sessions: max,
      });
    }
    const { pool } = asked.value;
    const id = await pool.sessions.createSession(randomUUID());
    const episode = new Episode(id, pool, asked.value.task, this.#clock(), this.#clock);
    this.#episodes.set(id, episode);
    this.metrics.episodesCreated.inc({ scenario: pool.scenario.scenario });
    this.metrics.activeEpisodes.set(this.#episodes.size);
    this.options.onEvent?.({
      event: 'episode-created',
      episode_id: id,
      scenario: episode.scenario,
      task_id: asked.value.task?.id ?? null,
    });
    sendJson(response, 201, {
      episode_id: id,
      scenario: episode.scenario,
      task_id: episode.task?.id ?? null,
      task: episode.task?.text ?? null,
      tools_count: this.scenarios.get(episode.scenario)!.listing.length,
      mcp_url: this.#mcpUrl(id),
    });
  }

  #mcpUrl(id: SessionId | string): string {
    return `${this.url}/episodes/${id}/mcp`;
  }

  readonly #onCall = (episode: Episode, call: EpisodeCall): void => {
    const outcome = call.outcome.ok ? 'ok' : call.outcome.error.code;
    this.metrics.toolCalls.inc({ scenario: episode.scenario, outcome });
    this.metrics.toolCallSeconds.observe({ scenario: episode.scenario }, call.ms / 1000);
  };

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
    if (mode !== 'code')
      return sendError(
        response,
        400,
        'VALIDATION_ERROR',
        `mode must be "code" (sql mode is not served yet), not ${JSON.stringify(mode)}`,
      );
    const answer = body.value['answer'];
    if (answer !== undefined && answer !== null && typeof answer !== 'string')
      return sendError(response, 400, 'VALIDATION_ERROR', '"answer" must be text');
    const task = episode.task;
    if (task === null)
      return sendJson(
        response,
        409,
        unscorable('no_task', 'the episode was created without a task_id, so it has no verifier'),
      );
    const scratch = join(episode.pool.dir, 'verify');
    mkdirSync(scratch, { recursive: true });
    const finalPath = join(scratch, `${episode.id}_${randomUUID()}.db`);
    try {
      try {
        await episode.pool.sessions.saveFinal(episode.id, finalPath);
      } catch (error) {
        this.metrics.verifications.inc({ scenario: episode.scenario, reason: 'env_error' });
        return sendJson(
          response,
          200,
          unscorable('env_error', `the episode's database could not be copied: ${(error as Error).message}`),
        );
      }
      const trajectory = readTrajectory(
        episodeTrajectory(episode, {
          endedAt: this.#clock(),
          finalAnswer: typeof answer === 'string' ? answer : null,
          mcpUrl: this.#mcpUrl(episode.id),
          stopReason: 'final_answer',
        }),
      );
      if (!trajectory.ok) throw new Error(`internal error: the episode's trajectory: ${trajectory.error.join('; ')}`);
      const outcome = await verifyRun({
        mode: 'code',
        run: { trajectory: trajectory.value, initialPath: episode.pool.initialDb, finalPath },
        verifierPath: episode.pool.scenario.verifierPath(task.id),
        sandbox: this.options.sandbox,
        clock: this.#clock,
      });
      if (!outcome.ok) {
        this.metrics.verifications.inc({ scenario: episode.scenario, reason: outcome.error.code });
        return sendJson(response, 409, unscorable(outcome.error.code, outcome.error.message));
      }
      this.metrics.verifications.inc({ scenario: episode.scenario, reason: outcome.value.reward_reason });
      episode.touch();
      sendJson(response, 200, outcome.value);
    } finally {
      rmSync(finalPath, { force: true });
    }
  }

  async #delete(episode: Episode, url: URL, response: ServerResponse): Promise<void> {
    const keep = ['1', 'true', 'yes'].includes(url.searchParams.get('keep') ?? '');
    const runDir = await this.#closeEpisode(episode, 'deleted', keep);
    sendJson(response, 200, { episode_id: episode.id, closed: true, run_dir: runDir });
  }

  /** Closes the episode's session (kept as a run folder when asked); returns that folder, or null. */
  async #closeEpisode(episode: Episode, reason: CloseReason, keep = false): Promise<string | null> {
    if (!episode.beginClose()) return null;
    let runDir: string | null = null;
    try {
      if (keep) {
        runDir = this.#newRunFolder(episode);
        copyFileSync(episode.pool.initialDb, join(runDir, 'initial.db'));
        await episode.pool.sessions.closeSession(episode.id, { keepAs: join(runDir, 'final.db') });
        const trajectory = episodeTrajectory(episode, {
          endedAt: this.#clock(),
          finalAnswer: null,
          mcpUrl: this.#mcpUrl(episode.id),
          stopReason: 'closed',
        });
        // Written last: a folder with trajectory.json holds a finished run.
        atomicWriteFile(join(runDir, 'trajectory.json'), `${JSON.stringify(trajectory, null, 2)}\n`);
      } else await episode.pool.sessions.closeSession(episode.id);
    } finally {
      episode.markClosed();
      this.#episodes.delete(episode.id);
      this.metrics.episodesClosed.inc({ reason });
      this.metrics.activeEpisodes.set(this.#episodes.size);
      this.options.onEvent?.({ event: 'episode-closed', episode_id: episode.id, reason, run_dir: runDir });
    }
    return runDir;
  }

  #newRunFolder(episode: Episode): string {
    const stamp = this.#clock().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    const name = [stamp, episode.scenario, episode.task?.id ?? null, episode.id.slice(0, 8)]
      .filter((part) => part !== null)
      .join('_');
    const dir = join(this.options.keepDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async #reapIdle(): Promise<void> {
    const now = this.#clock();
    const idle = [...this.#episodes.values()].filter((episode) => episode.idleMs(now) > this.options.idleTtlMs);
    await Promise.allSettled(idle.map((episode) => this.#closeEpisode(episode, 'reaped')));
  }
}

function notAllowed(response: ServerResponse, allow: string): void {
  sendError(response, 405, 'METHOD_NOT_ALLOWED', `this route takes ${allow}`, {}, { allow });
}

/** An answer without a reward: never 0 for what the agent did not do. */
function unscorable(reason: string, message: string): Record<string, unknown> {
  return { result: null, reward: null, reward_reason: reason, error: { code: reason, message } };
}

interface CreateProblem {
  readonly status: 400 | 404;
  readonly code: string;
  readonly message: string;
}

function parseCreate(
  body: Record<string, unknown>,
  scenarios: ReadonlyMap<string, ScenarioEntry>,
): Result<{ pool: ScenarioPool; task: ServableTask | null }, CreateProblem> {
  const name = body['scenario'];
  if (typeof name !== 'string')
    return err({
      status: 400,
      code: 'VALIDATION_ERROR',
      message: `"scenario" is required; served: ${[...scenarios.keys()].join(', ')}`,
    });
  const entry = scenarios.get(name);
  if (entry === undefined)
    return err({
      status: 404,
      code: 'SCENARIO_NOT_FOUND',
      message: `scenario ${name} is not served here; served: ${[...scenarios.keys()].join(', ')}`,
    });
  const key = body['task_id'] ?? body['task_idx'];
  if (key === undefined || key === null) return ok({ pool: entry.pool, task: null });
  const tasks = entry.pool.scenario.tasks;
  const task =
    tasks.find((candidate) => candidate.id === key) ??
    (typeof key === 'number' || (typeof key === 'string' && /^\d+$/.test(key)) ? tasks[Number(key)] : undefined);
  if (task === undefined)
    return err({
      status: 404,
      code: 'TASK_NOT_FOUND',
      message: `${name} has no task ${JSON.stringify(key)}; its tasks: ${tasks.map((candidate) => candidate.id).join(', ')} (or 0 to ${tasks.length - 1})`,
    });
  return ok({ pool: entry.pool, task });
}
