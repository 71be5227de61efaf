// A built scenario as `awm agent --scenario` needs it: the env's files (seed.db, spec.json,
// tools.mjs, and the world clock its handlers were checked with, from env.json) and the task list,
// with the task picked by id (`task_03`) or by its 0-based position (`3`, as the reference numbers them).
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TaskRow } from '../synthesis/artifacts.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import type { ScenarioEnvFiles } from './local-env.js';

export interface ScenarioFolder {
  readonly id: string;
  readonly dir: string;
  readonly files: ScenarioEnvFiles;
  readonly tasks: readonly TaskRow[];
}

/**
 * `worldClock`: the pipeline's, used when env.json does not say (an env built before it recorded
 * one). Problems name the missing file and how to make it.
 */
export function openScenarioFolder(
  root: string,
  id: string,
  dir: string,
  worldClock: string | null,
): Result<ScenarioFolder, string> {
  const shown = (name: string): string => relative(root, join(dir, name)) || name;
  if (!existsSync(dir))
    return err(`there is no scenario ${id}: ${shown('')} does not exist (build it: awm build ${id})`);
  const missing = ['seed.db', 'spec.json', 'tools.mjs', 'tasks.json'].filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0)
    return err(`${missing.map(shown).join(', ')} of ${id} missing: build its env first (awm build ${id})`);
  const clock = readWorldClock(join(dir, 'env.json')) ?? worldClock;
  if (clock === null) return err(`${shown('env.json')} does not say the world clock its tools were checked with`);
  const tasks = JSON.parse(readFileSync(join(dir, 'tasks.json'), 'utf8')) as unknown;
  if (!Array.isArray(tasks) || !tasks.every((task) => isRecord(task) && typeof task['text'] === 'string'))
    return err(`${shown('tasks.json')} is not a task list ([{ id, kind, text }])`);
  return ok({
    id,
    dir,
    files: {
      seedPath: join(dir, 'seed.db'),
      specPath: join(dir, 'spec.json'),
      modulePath: join(dir, 'tools.mjs'),
      worldClock: clock,
    },
    tasks: tasks as TaskRow[],
  });
}

/** The task whose id is `key`, or the one at 0-based position `key` when it is a number. */
export function findTask(folder: ScenarioFolder, key: string): Result<TaskRow, string> {
  const byId = folder.tasks.find((task) => task.id === key);
  if (byId !== undefined) return ok(byId);
  if (/^\d+$/.test(key)) {
    const byPosition = folder.tasks[Number(key)];
    if (byPosition !== undefined) return ok(byPosition);
  }
  const ids = folder.tasks.map((task) => task.id).join(', ');
  return err(`${folder.id} has no task "${key}"; its tasks are ${ids} (or 0 to ${folder.tasks.length - 1})`);
}

function readWorldClock(path: string): string | null {
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return isRecord(value) && typeof value['world_clock'] === 'string' ? value['world_clock'] : null;
  } catch {
    return null;
  }
}
