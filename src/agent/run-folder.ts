// Where a run leaves what it did: `outputs/agents/<UTC timestamp>_<scenario>_<task_id>/` under the
// project (or the `--output-dir` given), holding trajectory.json, and initial.db, final.db and
// calls.jsonl (the host's call log) when the run started its env. trajectory.json is written last,
// so a folder that has it holds a finished run.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../util/atomic-write.js';
import { err, ok, type Result } from '../util/result.js';
import type { Trajectory } from './trajectory.js';

export const TRAJECTORY_FILE = 'trajectory.json';
export const INITIAL_DB = 'initial.db';
export const FINAL_DB = 'final.db';
export const CALL_LOG = 'calls.jsonl';

/** `20261130_100211_online_bookstore_task_03`; without a scenario, only the timestamp (and the task id). */
export function runFolderName(startedAt: Date, scenario: string | null, taskId: string | null): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return [stamp, scenario, taskId].filter((part) => part !== null).join('_');
}

/**
 * Makes the run folder: `outputDir` as given (refused when it holds a run already), else a new
 * folder under `<root>/outputs/agents/` (`…_2`, `…_3` when that name is taken).
 */
export function makeRunFolder(root: string, outputDir: string | null, name: string): Result<string, string> {
  if (outputDir !== null) {
    if (existsSync(join(outputDir, TRAJECTORY_FILE)))
      return err(`${outputDir} holds a run already (its ${TRAJECTORY_FILE}); choose another --output-dir`);
    mkdirSync(outputDir, { recursive: true });
    return ok(outputDir);
  }
  const parent = join(root, 'outputs', 'agents');
  mkdirSync(parent, { recursive: true });
  for (let count = 1; ; count += 1) {
    const dir = join(parent, count === 1 ? name : `${name}_${count}`);
    try {
      mkdirSync(dir);
      return ok(dir);
    } catch (error) {
      // Another run of the same task in the same second took the name.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export function writeTrajectory(dir: string, trajectory: Trajectory): void {
  atomicWriteFile(join(dir, TRAJECTORY_FILE), `${JSON.stringify(trajectory, null, 2)}\n`);
}
