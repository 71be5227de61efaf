// The host's file operations on session databases. A session starts as the bytes of the pristine
// snapshot (seed.db), read once, never as a replay of INSERTs: writing the bookstore's 340 KiB
// takes ~0.05 ms, replaying them ~5 ms. The host is trusted, so it may use VACUUM INTO (the
// statement guard binds handlers).
import {
  closeSync,
  constants,
  copyFileSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { tempPathBeside } from '../util/atomic-write.js';

/** Files SQLite keeps beside a database; a stale journal beside a fresh copy would be applied to it. */
const SIDE_FILES = ['-journal', '-wal', '-shm'];

/** The snapshot's bytes, read once by the host and written out for every new or reset session. */
export function readSnapshot(path: string): Buffer {
  return readFileSync(path);
}

/**
 * `target` becomes the snapshot's bytes. A stale journal goes first (it would be applied to the
 * fresh bytes); then the bytes are written over the old file in place and its tail cut, rather than
 * into a new file: ext4 and tmpfs then reuse the file's blocks and pages instead of freeing and
 * allocating them. Nothing may have the file open (the runner has released it).
 */
export function writeSnapshot(snapshot: Uint8Array, target: string): void {
  for (const suffix of SIDE_FILES) removeIfThere(`${target}${suffix}`);
  const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    for (let written = 0; written < snapshot.length;)
      written += writeSync(fd, snapshot, written, snapshot.length - written, written);
    ftruncateSync(fd, snapshot.length);
  } finally {
    closeSync(fd);
  }
}

/** `target` becomes a byte copy of the file `snapshot` (a reflink where the file system has them). */
export function copySnapshot(snapshot: string, target: string): void {
  removeDatabase(target);
  copyFileSync(snapshot, target, constants.COPYFILE_FICLONE);
}

export function removeDatabase(path: string): void {
  for (const suffix of SIDE_FILES) removeIfThere(`${path}${suffix}`);
  removeIfThere(path);
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

/** One unlink (rmSync's force costs a stat more, and the side files are usually not there). */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
