// One scenario's env, shared by all its episodes: one sandboxed runner (the handlers' process) and
// one EnvSessions whose sessions are the episodes, each on a fresh copy of the scenario's initial.db.
// The pool's folder is the runner's one writable folder, so the session files live there.
//
//   start ──runner warmed up (the module loads)──▶ open ──close()──▶ sessions and runner closed
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxedRunner } from '../env/sandboxed-runner.js';
import { EnvSessions } from '../env/sessions.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import { err, ok, type Result } from '../util/result.js';
import type { ServableScenario } from './servable-scenario.js';

export class ScenarioPool {
  private constructor(
    readonly scenario: ServableScenario,
    readonly sessions: EnvSessions,
    /** The pristine database every episode starts from (a copy of the seed taken at start). */
    readonly initialDb: string,
    readonly dir: string,
  ) {}

  static async start(
    scenario: ServableScenario,
    dir: string,
    onNotice?: (notice: SandboxNotice) => void,
  ): Promise<Result<ScenarioPool, string>> {
    mkdirSync(dir, { recursive: true });
    const initialDb = join(dir, 'initial.db');
    copyFileSync(scenario.seedDb, initialDb);
    const runner = await SandboxedRunner.start({
      init: { modulePath: scenario.toolsModule, specPath: scenario.specPath, worldClock: scenario.worldClock },
      scratchDir: dir,
      memoryMb: scenario.memoryMb,
      ...(onNotice === undefined ? {} : { onNotice }),
    });
    const problem = await runner.warmUp();
    if (problem !== null) {
      await runner.close();
      return err(`the env of ${scenario.scenario} cannot start: ${problem}`);
    }
    const sessions = new EnvSessions({
      tools: scenario.tools,
      snapshotPath: initialDb,
      sessionsDir: join(dir, 'sessions'),
      runner,
      callLogPath: join(dir, 'calls.jsonl'),
      timeoutMs: scenario.callTimeoutMs,
    });
    return ok(new ScenarioPool(scenario, sessions, initialDb, dir));
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
