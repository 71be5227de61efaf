// One build at a time per project folder. The holder's pid sits in .awm/build.pid; a second build
// refuses with a message naming it, and a file left by a process that has died is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withPath } from '../util/file-system-error.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';

export const MUTEX_FILE = '.awm/build.pid';

interface Holder {
  readonly pid: number;
  readonly startedAt: string;
  readonly command: string;
}

/** The process taking the lock, and how to tell whether another still runs. */
export interface MutexOwner {
  readonly pid: number;
  isAlive(pid: number): boolean;
}

export interface BuildMutex {
  release(): void;
  /** Set when a dead build's lock was taken over. */
  readonly tookOverFrom: Holder | null;
}

export function acquireBuildMutex(root: string, command: string, owner: MutexOwner): Result<BuildMutex, string> {
  const path = join(root, MUTEX_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const me: Holder = { pid: owner.pid, startedAt: new Date().toISOString(), command };
  let tookOverFrom: Holder | null = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(path, me)) {
      return ok({ tookOverFrom, release: () => releaseIfMine(path, owner.pid) });
    }
    const holder = readHolder(path);
    if (holder && owner.isAlive(holder.pid) && holder.pid !== owner.pid) {
      return err(
        `another awm build is running in this folder (pid ${holder.pid}, started ${holder.startedAt}: ${holder.command}).\n  Wait for it to finish, or stop it (kill ${holder.pid}); a lock left by a build that has died is taken over automatically.`,
      );
    }
    tookOverFrom = holder;
    rmSync(path, { force: true });
  }
  return err(`could not take the build lock ${MUTEX_FILE}; another build keeps taking it. Try again.`);
}

function tryCreate(path: string, me: Holder): boolean {
  try {
    const fd = openSync(path, 'wx');
    withPath(path, () => writeSync(fd, JSON.stringify(me)));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readHolder(path: string): Holder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return typeof value.pid === 'number' ? value : null;
  } catch {
    return null; // empty or half-written: its writer died between create and write
  }
}

function releaseIfMine(path: string, pid: number): void {
  if (readHolder(path)?.pid === pid) rmSync(path, { force: true });
}
