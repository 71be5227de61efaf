// One build at a time per project folder. The holder's pid sits in .awm/build.pid; a second build
// refuses with a message naming it, and a file left by a process that has died is taken over. The
// holder's identity (boot and start time, where the system tells) is kept beside its pid, so a
// later, unrelated process that reuses the pid does not hold the lock.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withPath } from '../util/file-system-error.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';

export const MUTEX_FILE = '.awm/build.pid';

export interface Holder {
  readonly pid: number;
  /** Of the process with that pid: null where the system cannot tell. */
  readonly identity?: string | null;
  readonly startedAt: string;
  readonly command: string;
}

/** The process taking the lock, and how to tell whether another still runs. */
export interface MutexOwner {
  readonly pid: number;
  isAlive(pid: number): boolean;
  /** What tells this process from a later one given the same pid; null when unknown. */
  identityOf(pid: number): string | null;
}

export interface BuildMutex {
  release(): void;
  /** Set when a dead build's lock was taken over. */
  readonly tookOverFrom: Holder | null;
}

export function acquireBuildMutex(root: string, command: string, owner: MutexOwner): Result<BuildMutex, string> {
  const path = join(root, MUTEX_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const me: Holder = {
    pid: owner.pid,
    identity: owner.identityOf(owner.pid),
    startedAt: new Date().toISOString(),
    command,
  };
  let tookOverFrom: Holder | null = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(path, me)) {
      return ok({ tookOverFrom, release: () => releaseIfMine(path, owner.pid) });
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== owner.pid && holds(holder, owner)) {
      return err(
        `another awm build is running in this folder (pid ${holder.pid}, started ${holder.startedAt}: ${holder.command}).\n  Wait for it to finish, or stop it (kill ${holder.pid}); a lock left by a build that has died is taken over automatically.`,
      );
    }
    tookOverFrom = holder;
    rmSync(path, { force: true, recursive: true }); // a folder in the way is no lock either
  }
  return err(`could not take the build lock ${MUTEX_FILE}; another build keeps taking it. Try again.`);
}

/** The holder still runs: its pid is alive and, where both are known, it is the same process. */
function holds(holder: Holder, owner: MutexOwner): boolean {
  if (!owner.isAlive(holder.pid)) return false;
  const now = owner.identityOf(holder.pid);
  return !holder.identity || !now || now === holder.identity;
}

/** The live build holding the lock other than `owner`, or null when the lock is free to take. */
export function lockHolder(root: string, owner: MutexOwner): Holder | null {
  const holder = readHolder(join(root, MUTEX_FILE));
  return holder && holder.pid !== owner.pid && holds(holder, owner) ? holder : null;
}

function tryCreate(path: string, me: Holder): boolean {
  try {
    const fd = openSync(path, 'wx');
    withPath(path, () => writeSync(fd, JSON.stringify(me)));
    closeSync(fd);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'EISDIR') return false;
    throw error;
  }
}

function readHolder(path: string): Holder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return typeof value === 'object' && value !== null && Number.isInteger(value.pid) && value.pid > 0 ? value : null;
  } catch {
    return null; // empty or half-written (its writer died between create and write), or a folder
  }
}

function releaseIfMine(path: string, pid: number): void {
  if (readHolder(path)?.pid === pid) rmSync(path, { force: true });
}
