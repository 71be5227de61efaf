// SQLite accepts `REFERENCES missing_table` at CREATE time and only complains when a row is
// inserted with foreign keys on ("no such table", "foreign key mismatch"). The schema check finds
// these up front, so the feedback names the cause rather than a hundred failing inserts later.
import type Database from 'better-sqlite3';
import { quoteIdentifier as quote, tableNames } from './identifiers.js';

interface ForeignKeyRow {
  readonly id: number;
  readonly table: string;
  readonly from: string;
  readonly to: string | null;
}

export interface ForeignKeyProblem {
  readonly table: string;
  readonly error: string;
}

export function foreignKeyTargetProblems(db: Database.Database): ForeignKeyProblem[] {
  const problems: ForeignKeyProblem[] = [];
  for (const table of tableNames(db)) {
    for (const key of groupById(db.prepare(`PRAGMA foreign_key_list(${quote(table)})`).all() as ForeignKeyRow[])) {
      const error = targetProblem(db, key);
      if (error !== null)
        problems.push({ table, error: `${table}(${key.map((row) => row.from).join(', ')}) ${error}` });
    }
  }
  return problems;
}

function targetProblem(db: Database.Database, key: readonly ForeignKeyRow[]): string | null {
  const parentName = key[0]?.table ?? '';
  const parent = tableNames(db).find((name) => name.toLowerCase() === parentName.toLowerCase());
  if (parent === undefined) return `references table "${parentName}", which does not exist`;
  const wanted = key.map((row) => row.to);
  const primary = primaryKey(db, parent);
  const columns = wanted.every((column) => column === null) ? primary : (wanted as string[]);
  if (columns.length === 0) return `references "${parent}" without naming columns, and "${parent}" has no primary key`;
  if (sameColumns(columns, primary) || uniqueIndexes(db, parent).some((index) => sameColumns(columns, index)))
    return null;
  return `references ${parent}(${columns.join(', ')}), which is neither its primary key nor UNIQUE (SQLite reports "foreign key mismatch" on insert)`;
}

function primaryKey(db: Database.Database, table: string): string[] {
  const columns = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string; pk: number }[];
  return columns
    .filter((column) => column.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((column) => column.name);
}

function uniqueIndexes(db: Database.Database, table: string): string[][] {
  const indexes = db.prepare(`PRAGMA index_list(${quote(table)})`).all() as { name: string; unique: number }[];
  return indexes
    .filter((index) => index.unique === 1)
    .map((index) =>
      (db.prepare(`PRAGMA index_info(${quote(index.name)})`).all() as { name: string | null }[]).map(
        (column) => column.name ?? '',
      ),
    );
}

function groupById(rows: readonly ForeignKeyRow[]): ForeignKeyRow[][] {
  const groups = new Map<number, ForeignKeyRow[]>();
  for (const row of rows) groups.set(row.id, [...(groups.get(row.id) ?? []), row]);
  return [...groups.values()];
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  const lower = (columns: readonly string[]): string =>
    columns
      .map((column) => column.toLowerCase())
      .sort()
      .join('\u0000');
  return a.length === b.length && lower(a) === lower(b);
}
