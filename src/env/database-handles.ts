// The session databases a runner has open, one connection per file, kept between calls (opening
// costs more than a whole call). Settings: foreign keys on, so a handler that breaks one fails and
// changes nothing; a rollback journal (TRUNCATE) rather than MEMORY or OFF, so a process killed in
// the middle of a call leaves a hot journal that restores the file on the next open; synchronous
// OFF, since session files are scratch: a killed process loses nothing, only a power cut could.
import Database from 'better-sqlite3';

export class DatabaseHandles {
  readonly #open = new Map<string, Database.Database>();

  /** The connection to `path`, opened on first use; the file must exist. */
  get(path: string): Database.Database {
    const open = this.#open.get(path);
    if (open !== undefined) return open;
    const db = openSessionDatabase(path);
    this.#open.set(path, db);
    return db;
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
