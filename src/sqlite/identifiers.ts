// SQL identifiers, quoted the one way SQLite always accepts ("a ""b"""), and the list of a
// database's own tables. Every module that builds SQL from a table or column name goes through here.
import type Database from 'better-sqlite3';

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The database's tables (not SQLite's internal `sqlite_*` ones), by name. */
export function tableNames(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}
