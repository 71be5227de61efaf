// A file-system error as one line a user can act on: what happened, where, and what to do. A full
// disk or a folder without permission is not a bug in awm and must not look like one.
import { relative } from 'node:path';

const WORDS: Readonly<Record<string, readonly [what: string, advice: string]>> = {
  ENOSPC: ['no space left on the device', 'free some space, then run awm build again (finished work is kept)'],
  EDQUOT: [
    'the disk quota is used up',
    'free some space or raise the quota, then run awm build again (finished work is kept)',
  ],
  EACCES: ['permission denied', 'check the permissions of that path and of the folders above it'],
  EPERM: ['the operation is not permitted', 'check the permissions and attributes of that path'],
  EROFS: ['the file system is read-only', 'build in a folder on a writable file system'],
  EMFILE: ['too many files are open', 'lower --jobs or raise the limit of open files (ulimit -n)'],
  EIO: ['an input/output error', 'the disk may be failing; check the system log'],
  // better-sqlite3's word for ENOSPC while writing a database.
  SQLITE_FULL: [
    'the database or the disk is full',
    'free some space, then run awm build again (finished work is kept)',
  ],
};

/**
 * The one line for a file-system error of a kind users meet, or null for anything else. An error
 * that names no path (a failed write(2) does not) is said to have happened `writing` those files.
 */
export function describeFileSystemError(error: unknown, root?: string, writing: readonly string[] = []): string | null {
  const { code, path, dest } = (error ?? {}) as { code?: unknown; path?: unknown; dest?: unknown };
  if (typeof code !== 'string') return null;
  const words = WORDS[code];
  if (!words) return null;
  const show = (where: string): string => (root ? relative(root, where) || '.' : where);
  const where = typeof dest === 'string' ? dest : typeof path === 'string' ? path : null;
  const shown =
    where !== null ? ` at ${show(where)}` : writing.length > 0 ? ` writing ${writing.map(show).join(', ')}` : '';
  return `${words[0]} (${code})${shown}: ${words[1]}`;
}

/** Runs a write; an error it throws that names no path (a failed write(2) does not) is given `path`. */
export function withPath<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    if (failure instanceof Error && failure.path === undefined) failure.path = path;
    throw error;
  }
}
