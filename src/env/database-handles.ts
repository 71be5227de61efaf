// The session databases a runner has open, one connection per file, kept between calls (opening
// costs more than a whole call: ~0.5 ms, most of it reading the schema). At most `maxOpen` stay
// open: a connection holds ~250 KiB once it has read the schema (the bookstore's 24 tables), so a
// thousand sessions on one worker would pass its child's memory limit; the least recently used is
// closed (between calls, so no transaction is open) and reopened on its session's next call.
// Settings: foreign keys on, so a handler that breaks one fails and changes nothing; a rollback
// journal (TRUNCATE) rather than MEMORY or OFF, so a process killed in the middle of a call leaves
// a hot journal that restores the file on the next open; synchronous OFF, since session files are
// scratch: a killed process loses nothing, only a power cut could.
import Database from 'better-sqlite3';

export const DEFAULT_MAX_OPEN_DATABASES = 128;

export class DatabaseHandles {
  /** In order of last use, the least recent first (a Map keeps insertion order). */
  readonly #open = new Map<string, Database.Database>();

  constructor(readonly maxOpen = DEFAULT_MAX_OPEN_DATABASES) {
    if (!Number.isInteger(maxOpen) || maxOpen < 1) throw new Error(`maxOpen is a whole number from 1, not ${maxOpen}`);
  }

  /** The connection to `path`, opened on first use (or again after it was closed); the file must exist. */
  get(path: string): Database.Database {
    const open = this.#open.get(path);
    if (open !== undefined) {
      this.#open.delete(path);
      this.#open.set(path, open);
      return open;
    }
    const db = openSessionDatabase(path);
    this.#open.set(path, db);
    for (const [oldPath] of this.#open) {
      if (this.#open.size <= this.maxOpen) break;
      this.release(oldPath);
    }
    return db;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Closes the connection to `path` (if open), so the host may replace or remove the file. */
  release(path: string): void {
    this.#open.get(path)?.close();
    this.#open.delete(path);
  }

  closeAll(): void {
    for (const path of [...this.#open.keys()]) this.release(path);
  }
}

export function openSessionDatabase(path: string): Database.Database {
  const db = new Database(path, { fileMustExist: true });
  try {
    const mode = db.pragma('journal_mode = TRUNCATE', { simple: true });
    if (mode !== 'truncate') throw new Error(`journal_mode stayed ${String(mode)}`);
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
