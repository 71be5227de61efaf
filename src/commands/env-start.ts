// `awm env start --scenario S [--port P] [--host H] [--token T]`: serves one session of the built env
// S over MCP until Ctrl-C (or SIGTERM). Its run folder, outputs/servers/<time>_S/, holds initial.db
// (the snapshot it started from), working.db (the session's database, written by the handlers'
// sandboxed process, whose one writable folder the run folder is), server.log (every call and the
// server's events, JSON lines) and, once stopped, final.db (working.db is then removed: final.db is
// its consistent copy; a second Ctrl-C leaves working.db as it was).
//
//   starting ──listening (the URL printed)──▶ serving ──Ctrl-C──▶ stopping: calls in flight finish,
//   final.db written (committed calls only) ──▶ exit 0;  a second Ctrl-C exits 130 at once
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { McpHttpServer } from '../env/mcp-http.js';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import { err, ok, type Result } from '../util/result.js';
import { builtEnv, knownScenario, openEnvProject, relativeTo, type BuiltEnv } from './built-env.js';
import { openEnv } from './env-host.js';
import { exitWith, hostOption, isLoopback, portOption, requiredScenario, tokenOption } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { newRunFolder } from './run-folder.js';
import { ServerLog } from './server-log.js';

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const options = startOptions(request);
  if (!options.ok) return exitWith(io, options.error, 2);
  const project = await openEnvProject(request.root);
  if (!project.ok) return exitWith(io, project.error, 2);
  const scenario = knownScenario(project.value, options.value.scenario);
  if (!scenario.ok) return exitWith(io, scenario.error, 2);
  const env = builtEnv(project.value, scenario.value);
  if (!env.ok) return exitWith(io, env.error, 1);
  const { host, token } = options.value;
  if (!isLoopback(host) && token === undefined)
    io.stderr.write(
      `awm: warning: listening on ${host} without --token: anyone who can reach it can call the tools and change the database\n`,
    );
  const runDir = newRunFolder(request.root, 'servers', scenario.value, new Date());
  const log = new ServerLog(join(runDir, 'server.log'));
  const started = await serve(env.value, runDir, log, options.value, io);
  if (!started.ok) {
    log.close();
    rmSync(runDir, { recursive: true, force: true });
    return exitWith(io, started.error, 1);
  }
  const server = started.value;
  if (signal.aborted) {
    // Ctrl-C while starting: nothing was served, so nothing is kept.
    await server.close();
    log.close();
    rmSync(runDir, { recursive: true, force: true });
    return 130;
  }
  const shown = relativeTo(project.value, runDir);
  const url = clientUrl(server, host);
  log.write({ event: 'listening', scenario: scenario.value, url, tools: env.value.tools.length });
  io.stdout.write(`awm: env ${scenario.value} at ${url}\n`);
  io.stdout.write(
    `awm: ${env.value.tools.length} tools; run folder ${shown} (server.log, working.db); Ctrl-C stops it and writes final.db\n`,
  );

  await aborted(signal);
  io.stderr.write(`\nawm: stopping env ${scenario.value}; writing final.db (press Ctrl-C again to stop at once)\n`);
  log.write({ event: 'stopping' });
  const finalDb = join(runDir, 'final.db');
  await server.close({ keepSessionAs: finalDb });
  log.write({ event: 'stopped', final_db: finalDb });
  log.close();
  io.stdout.write(`awm: env ${scenario.value} stopped; final.db in ${shown}\n`);
  return 0;
}

/** initial.db copied from the seed, the env opened on it, and its MCP endpoint listening; or why not. */
async function serve(
  env: BuiltEnv,
  runDir: string,
  log: ServerLog,
  options: StartOptions,
  io: CliIo,
): Promise<Result<McpHttpServer, string>> {
  const initialDb = join(runDir, 'initial.db');
  copyFileSync(env.files.seedDb, initialDb);
  const opened = await openEnv(env, runDir, {
    snapshotPath: initialDb,
    callLogPath: log.path,
    onNotice: (notice) => {
      const message = describeSandboxNotice(notice);
      io.stderr.write(`awm: ${message}\n`);
      log.write({ event: 'sandbox-notice', message });
    },
  });
  if (!opened.ok) return opened;
  const { sessions, sessionId } = opened.value;
  const { host, port, token } = options;
  try {
    return ok(
      await McpHttpServer.start({
        sessions,
        sessionId,
        name: env.scenario,
        host,
        port,
        ...(token === undefined ? {} : { token }),
      }),
    );
  } catch (error) {
    await sessions.close();
    return err(listenProblem(error, host, port));
  }
}

interface StartOptions {
  readonly scenario: string;
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
}

function startOptions(request: CommandRequest): Result<StartOptions, string> {
  if (request.positionals.length > 0)
    return err(`\`awm env start\` takes only options (got "${request.positionals.join(' ')}")`);
  const scenario = requiredScenario(request.values, 'start');
  if (!scenario.ok) return scenario;
  const port = portOption(request.values);
  if (!port.ok) return port;
  const host = hostOption(request.values);
  if (!host.ok) return host;
  const token = tokenOption(request.values);
  if (!token.ok) return token;
  return ok({ scenario: scenario.value, port: port.value, host: host.value, token: token.value });
}

/** The URL a client on this machine uses: a wildcard bind is reached through loopback. */
function clientUrl(server: McpHttpServer, host: string): string {
  if (host === '0.0.0.0') return server.url.replace('//0.0.0.0:', '//127.0.0.1:');
  if (host === '::') return server.url.replace('//[::]:', '//[::1]:');
  return server.url;
}

function listenProblem(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is taken (another env or program listens there); choose another with --port, or --port 0 for a free one`;
    case 'EACCES':
      return `listening on port ${port} is not permitted (ports below 1024 need privileges); choose another with --port, or --port 0 for a free one`;
    case 'EADDRNOTAVAIL':
      return `--host ${host} is not an address of this machine; use 127.0.0.1 (the default), or an address this machine has`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `--host ${host} does not resolve to an address; use 127.0.0.1 (the default), or an address this machine has`;
    default:
      return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
