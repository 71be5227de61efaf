// `awm serve [--port 8000] [--host 127.0.0.1] [--scenarios GLOB] [--max-episodes N] [--idle-ttl S]
//            [--drain-timeout S] [--reattach-grace S] [--ws-ping S] [--allowed-hosts LIST] [--public-url URL]
//            [--judge-model M] [--token T]`:
// every built env of the project (those whose check passed, or those matching GLOB) in one episode
// server (src/serve) until Ctrl-C or SIGTERM. Its folder, outputs/servers/<time>_serve/, holds a
// pool folder per scenario (initial.db, the live sessions' files, calls.jsonl) and server.log;
// episodes closed with ?keep=1 become run folders under outputs/episodes/. sql-mode verify asks the
// judge of `awm verify --mode sql` when an LLM is configured.
//
//   starting (each scenario's handlers' process warmed up) ──listening (the URL printed)──▶ serving
//   ──Ctrl-C / SIGTERM──▶ draining: no new episode, readiness 503, live ones carry on until none is
//   left or --drain-timeout ──▶ stopping: every episode closed ──▶ exit 0 (a second Ctrl-C: exit 130)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import { sandboxRunner } from '../sandbox/run-sandboxed.js';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_REATTACH_GRACE_MS, EpisodeServer } from '../serve/episode-server.js';
import type { ServableScenario, ServableTask } from '../serve/servable-scenario.js';
import { asStageId } from '../util/brand.js';
import { globPattern } from '../util/glob-pattern.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { builtEnv, openEnvProject, relativeTo, type EnvProject } from './built-env.js';
import { exitWith, hostOption, isLoopback, portOption, stringOption, tokenOption } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { newRunFolder, OUTPUTS_DIR } from './run-folder.js';
import { openJudgeLlm } from './judge-llm.js';
import { ServerLog } from './server-log.js';

const DEFAULT_VERIFIER_PATTERN = 'artifacts/{scenario}/verifiers/{task}.json';
export const DEFAULT_MAX_EPISODES = 1024;
export const DEFAULT_IDLE_TTL_SECONDS = 600;
/** How long the first Ctrl-C or SIGTERM waits for live episodes (Kubernetes' default grace is 30 s). */
export const DEFAULT_DRAIN_SECONDS = 25;

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly scenarios: RegExp | null;
  readonly maxEpisodes: number;
  readonly idleTtlMs: number;
  readonly drainMs: number;
  readonly reattachGraceMs: number;
  readonly pingIntervalMs: number;
  readonly judgeModel: string | undefined;
  readonly allowedHosts: readonly string[];
  readonly publicUrl: string | undefined;
}

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const options = serveOptions(request);
  if (!options.ok) return exitWith(io, options.error, 2);
  const project = await openEnvProject(request.root);
  if (!project.ok) return exitWith(io, project.error, 2);
  const servable = servableScenarios(project.value, options.value.scenarios, io);
  if (!servable.ok) return exitWith(io, servable.error, 1);
  const { host, token } = options.value;
  if (!isLoopback(host) && token === undefined)
    io.stderr.write(
      `awm: warning: listening on ${host} without --token: anyone who can reach it can open episodes and call their tools\n`,
    );
  const workDir = newRunFolder(request.root, 'servers', 'serve', new Date());
  const log = new ServerLog(join(workDir, 'server.log'));
  // sql-mode verify's judge, when an LLM is configured; otherwise its answers say why there is none.
  const judge = openJudgeLlm({
    model: options.value.judgeModel ?? null,
    settings: project.value.config.llm,
    root: request.root,
    io,
  });
  log.write({ event: 'judge', ...(judge.ok ? { available: true } : { available: false, reason: judge.error }) });
  if (!judge.ok && options.value.judgeModel !== undefined) {
    log.close();
    return exitWith(io, judge.error, 2);
  }
  const onNotice = (notice: Parameters<typeof describeSandboxNotice>[0]): void => {
    const message = describeSandboxNotice(notice);
    io.stderr.write(`awm: ${message}\n`);
    log.write({ event: 'sandbox-notice', message });
  };
  let started: Result<EpisodeServer, string>;
  try {
    started = await EpisodeServer.start({
      scenarios: servable.value,
      workDir,
      keepDir: join(request.root, OUTPUTS_DIR, 'episodes'),
      sandbox: sandboxRunner({ onNotice }),
      host,
      port: options.value.port,
      ...(token === undefined ? {} : { token }),
      allowedHosts: options.value.allowedHosts,
      ...(options.value.publicUrl === undefined ? {} : { publicUrl: options.value.publicUrl }),
      maxEpisodes: options.value.maxEpisodes,
      reattachGraceMs: options.value.reattachGraceMs,
      pingIntervalMs: options.value.pingIntervalMs,
      idleTtlMs: options.value.idleTtlMs,
      judge: judge.ok ? judge.value.sessionFor : judge.error,
      onNotice,
      onEvent: (event) => log.write(event as { event: 'episode-created' }),
    });
  } catch (error) {
    log.close();
    if (judge.ok) await judge.value.llm.close();
    return exitWith(io, `cannot listen on ${host}:${options.value.port}: ${(error as Error).message}`, 1);
  }
  if (!started.ok) {
    log.close();
    if (judge.ok) await judge.value.llm.close();
    return exitWith(io, started.error, 1);
  }
  const server = started.value;
  if (signal.aborted) {
    await server.close();
    log.close();
    if (judge.ok) await judge.value.llm.close();
    return 130;
  }
  const names = servable.value.map((scenario) => scenario.scenario);
  log.write({ event: 'serving', url: server.url, scenarios: names });
  io.stdout.write(`awm: serving ${names.length} scenarios at ${server.url}\n`);
  io.stdout.write(
    `awm: ${names.join(', ')}; at most ${options.value.maxEpisodes} episodes; folder ${relativeTo(project.value, workDir)}; Ctrl-C stops it\n`,
  );
  await aborted(signal);
  const live = server.activeEpisodes;
  const drainSeconds = options.value.drainMs / 1000;
  io.stderr.write(
    live === 0
      ? '\nawm: stopping the episode server\n'
      : `\nawm: draining: no new episodes; waiting up to ${drainSeconds} s for ${live} live episodes to end (Ctrl-C again stops at once)\n`,
  );
  log.write({ event: 'draining', live_episodes: live, drain_seconds: drainSeconds });
  const left = await server.drain(options.value.drainMs);
  if (left > 0) io.stderr.write(`awm: closed ${left} episodes still live after the drain\n`);
  log.write({ event: 'stopped', closed_live: left });
  if (judge.ok) await judge.value.llm.close();
  log.close();
  io.stdout.write('awm: episode server stopped\n');
  return 0;
}

/** The scenarios whose env is built and passed its check (matching the glob); a note for each left out. */
function servableScenarios(project: EnvProject, glob: RegExp | null, io: CliIo): Result<ServableScenario[], string> {
  if (project.scenarios === null) return err('the scenario list is not built yet; run `awm build` first');
  const wanted = project.scenarios.filter((scenario) => glob === null || glob.test(scenario));
  if (wanted.length === 0)
    return err(`no scenario matches --scenarios; the scenarios: ${project.scenarios.join(', ') || '(none yet)'}`);
  const verifierPattern =
    project.config.stages.get(asStageId('verifier'))?.outputs['verifier'] ?? DEFAULT_VERIFIER_PATTERN;
  const servable: ServableScenario[] = [];
  for (const scenario of wanted) {
    const env = builtEnv(project, scenario);
    if (!env.ok) {
      io.stderr.write(`awm: not serving ${scenario}: ${env.error}\n`);
      continue;
    }
    const { files } = env.value;
    servable.push({
      scenario,
      tools: env.value.tools,
      seedDb: files.seedDb,
      specPath: files.spec,
      toolsModule: files.toolsModule,
      worldClock: env.value.worldClock,
      callTimeoutMs: env.value.callTimeoutMs,
      memoryMb: env.value.memoryMb,
      tasks: readTasks(join(dirname(files.seedDb), 'tasks.json')),
      verifierPath: (taskId) =>
        join(project.config.root, verifierPattern.replaceAll('{scenario}', scenario).replaceAll('{task}', taskId)),
    });
  }
  if (servable.length === 0) return err('no built env passed its check; build them with `awm build`');
  return ok(servable);
}

function readTasks(path: string): ServableTask[] {
  if (!existsSync(path)) return [];
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!Array.isArray(value)) return [];
    return value.flatMap((row) =>
      isRecord(row) && typeof row['id'] === 'string' && typeof row['text'] === 'string'
        ? [{ id: row['id'], text: row['text'] }]
        : [],
    );
  } catch {
    return [];
  }
}

/** `awm serve`'s options, checked (exported for the deployment manifests' test). */
export function serveOptions(request: Pick<CommandRequest, 'positionals' | 'values'>): Result<ServeOptions, string> {
  if (request.positionals.length > 0)
    return err(`\`awm serve\` takes only options (got "${request.positionals.join(' ')}")`);
  const port = portOption(request.values);
  if (!port.ok) return port;
  const host = hostOption(request.values);
  if (!host.ok) return host;
  const token = tokenOption(request.values);
  if (!token.ok) return token;
  const maxEpisodes = wholeNumber(request.values, 'max-episodes', DEFAULT_MAX_EPISODES, 1);
  if (!maxEpisodes.ok) return maxEpisodes;
  const idleTtl = positiveSeconds(stringOption(request.values, 'idle-ttl'));
  if (!idleTtl.ok) return idleTtl;
  const drain = seconds(stringOption(request.values, 'drain-timeout'), 'drain-timeout', DEFAULT_DRAIN_SECONDS, 0);
  if (!drain.ok) return drain;
  const grace = seconds(
    stringOption(request.values, 'reattach-grace'),
    'reattach-grace',
    DEFAULT_REATTACH_GRACE_MS / 1000,
    0,
  );
  if (!grace.ok) return grace;
  const ping = seconds(stringOption(request.values, 'ws-ping'), 'ws-ping', DEFAULT_PING_INTERVAL_MS / 1000, 0.05);
  if (!ping.ok) return ping;
  const judgeModel = stringOption(request.values, 'judge-model');
  if (judgeModel !== undefined && judgeModel.trim() === '') return err('--judge-model must name a model');
  const allowed = allowedHostsOption(stringOption(request.values, 'allowed-hosts'));
  if (!allowed.ok) return allowed;
  const publicUrl = publicUrlOption(stringOption(request.values, 'public-url'));
  if (!publicUrl.ok) return publicUrl;
  const glob = stringOption(request.values, 'scenarios');
  return ok({
    port: port.value,
    host: host.value,
    token: token.value,
    scenarios: glob === undefined ? null : globPattern(glob),
    maxEpisodes: maxEpisodes.value,
    idleTtlMs: idleTtl.value * 1000,
    drainMs: drain.value * 1000,
    reattachGraceMs: grace.value * 1000,
    pingIntervalMs: ping.value * 1000,
    judgeModel,
    allowedHosts: allowed.value,
    publicUrl: publicUrl.value,
  });
}

function wholeNumber(
  values: CommandRequest['values'],
  name: string,
  fallback: number,
  least: number,
): Result<number, string> {
  const text = stringOption(values, name);
  if (text === undefined) return ok(fallback);
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < least)
    return err(`--${name} must be a whole number of at least ${least} (got "${text}")`);
  return ok(value);
}

function positiveSeconds(text: string | undefined): Result<number, string> {
  if (text === undefined) return ok(DEFAULT_IDLE_TTL_SECONDS);
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value > 0)) return err(`--idle-ttl must be a number of seconds above 0 (got "${text}")`);
  return ok(value);
}

function seconds(text: string | undefined, name: string, fallback: number, least: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= least)) return err(`--${name} must be a number of seconds, at least ${least} (got "${text}")`);
  return ok(value);
}

/** Host names (optionally with :port) accepted in the Host header besides loopback; `*` for any. */
function allowedHostsOption(text: string | undefined): Result<string[], string> {
  if (text === undefined) return ok([]);
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.find((name) => name !== '*' && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/.test(name));
  if (names.length === 0 || bad !== undefined)
    return err(
      `--allowed-hosts takes host names separated by commas, each optionally with :port, or * for any (got "${bad ?? text}")`,
    );
  return ok(names);
}

/** The base URL the MCP URLs handed out start with: http(s)://host[:port][/prefix], no trailing slash. */
function publicUrlOption(text: string | undefined): Result<string | undefined, string> {
  if (text === undefined) return ok(undefined);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`--public-url must be an absolute URL such as http://awm-0.awm-episodes:8000 (got "${text}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return err(`--public-url must start with http:// or https:// (got "${text}")`);
  if (url.search !== '' || url.hash !== '') return err(`--public-url takes no query or fragment (got "${text}")`);
  return ok(text.replace(/\/+$/, ''));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
