// Tables a sample left without rows: not an error (some tables start empty), but a warning worth
// giving, since a task that reads one has nothing to find.
import type Database from 'better-sqlite3';

/** Names of the user tables in `db` that hold no row, in name order. */
export function emptyTables(db: Database.Database): string[] {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return tables.filter(
    (table) => db.prepare(`SELECT 1 FROM "${table.replace(/"/g, '""')}" LIMIT 1`).get() === undefined,
  );
}
