// Tables a sample left without rows: not an error (some tables start empty), but a warning worth
// giving, since a task that reads one has nothing to find.
import type Database from 'better-sqlite3';
import { quoteIdentifier, tableNames } from './identifiers.js';

/** Names of the user tables in `db` that hold no row, in name order. */
export function emptyTables(db: Database.Database): string[] {
  return tableNames(db).filter(
    (table) => db.prepare(`SELECT 1 FROM ${quoteIdentifier(table)} LIMIT 1`).get() === undefined,
  );
}
