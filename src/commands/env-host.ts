// A built env made ready to take calls in a run folder: the handlers in the sandboxed runner (the run
// folder is its one writable folder, so the session file lives there), its tool module loaded up
// front so a module that does not load is said at once, and one session, `working`, on a fresh copy
// of the snapshot. `env start`, `env check-all` and `env call` all open their env this way.
import { join } from 'node:path';
import { SandboxedRunner } from '../env/sandboxed-runner.js';
import { EnvSessions, type SessionId } from '../env/sessions.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import { err, ok, type Result } from '../util/result.js';
import type { BuiltEnv } from './built-env.js';

export interface OpenedEnv {
  /** Owns the runner: closing it (or the MCP server given it) stops the handlers' process. */
  readonly sessions: EnvSessions;
  readonly sessionId: SessionId;
  /** `<runDir>/working.db`. */
  readonly workingDb: string;
}

export interface OpenEnvOptions {
  /** The pristine database the session copies: the scenario's seed.db or the run's initial.db. */
  readonly snapshotPath: string;
  /** The call log (JSON lines). */
  readonly callLogPath: string;
  readonly onNotice?: (notice: SandboxNotice) => void;
}

export const WORKING_SESSION = 'working';

export async function openEnv(
  env: BuiltEnv,
  runDir: string,
  options: OpenEnvOptions,
): Promise<Result<OpenedEnv, string>> {
  const runner = await SandboxedRunner.start({
    init: { modulePath: env.files.toolsModule, specPath: env.files.spec, worldClock: env.worldClock },
    scratchDir: runDir,
    memoryMb: env.memoryMb,
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
  });
  const problem = await runner.warmUp();
  if (problem !== null) {
    await runner.close();
    return err(`the env of ${env.scenario} cannot start: ${problem}`);
  }
  const sessions = new EnvSessions({
    tools: env.tools,
    snapshotPath: options.snapshotPath,
    sessionsDir: runDir,
    runner,
    callLogPath: options.callLogPath,
    timeoutMs: env.callTimeoutMs,
  });
  let sessionId: SessionId;
  try {
    sessionId = await sessions.createSession(WORKING_SESSION);
  } catch (error) {
    await sessions.close();
    throw error;
  }
  return ok({ sessions, sessionId, workingDb: join(runDir, `${WORKING_SESSION}.db`) });
}
