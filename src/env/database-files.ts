// The host's file operations on session databases. A session starts as a file copy of the pristine
// snapshot (seed.db), never a replay of INSERTs: a copy of a demo-size database takes well under a
// millisecond. The host is trusted, so it may use VACUUM INTO (the statement guard binds handlers).
import { constants, copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { tempPathBeside } from '../util/atomic-write.js';

/** Files SQLite keeps beside a database; a stale journal beside a fresh copy would be applied to it. */
const SIDE_FILES = ['-journal', '-wal', '-shm'];

/** `target` becomes a byte copy of `snapshot` (a reflink where the file system has them). */
export function copySnapshot(snapshot: string, target: string): void {
  removeSideFiles(target);
  copyFileSync(snapshot, target, constants.COPYFILE_FICLONE);
}

export function removeDatabase(path: string): void {
  removeSideFiles(path);
  rmSync(path, { force: true });
}

/**
 * A consistent, compact copy of the database at `path`, written to `target` atomically. Opening the
 * file first rolls back a transaction a killed handler process left in its journal, so the copy
 * holds committed calls only.
 */
export function saveConsistentCopy(path: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = tempPathBeside(target);
  const db = new Database(path, { fileMustExist: true });
  try {
    db.prepare('VACUUM INTO ?').run(temp);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

function removeSideFiles(path: string): void {
  for (const suffix of SIDE_FILES) rmSync(`${path}${suffix}`, { force: true });
}
