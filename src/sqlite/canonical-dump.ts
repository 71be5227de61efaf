// A SQLite database's content as canonical text, and its hash. File bytes depend on page layout,
// free lists and insertion history; the dump depends only on what a query can observe: the schema
// and the multiset of rows. So the same sample data always hashes the same, VACUUMed or not.
//
// Format (one JSON array per line, so it also diffs well):
//   ["pragma","user_version",0]
//   ["schema","index","idx_books_title","CREATE INDEX idx_books_title ON books(title)"]  sorted by type, name
//   ["rows","books",2]                                                                  tables sorted by name
//   ["i:1","t:\"Dune\"","r:9.5","b:00ff","n"]                                           rows sorted by their encoding
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { asFileHash, type FileHash } from '../util/brand.js';
import { quoteIdentifier } from './identifiers.js';
import { splitSql } from './sql-segments.js';

interface SchemaObject {
  readonly type: string;
  readonly name: string;
  readonly sql: string | null;
}

export function canonicalDump(db: Database.Database): string {
  const objects = schemaObjects(db);
  const lines = [JSON.stringify(['pragma', 'user_version', db.pragma('user_version', { simple: true })])];
  for (const object of objects) {
    if (object.sql !== null) lines.push(JSON.stringify(['schema', object.type, object.name, normalizeSql(object.sql)]));
  }
  for (const table of objects.filter(hasStoredRows)) {
    const rows = tableRows(db, table.name);
    lines.push(JSON.stringify(['rows', table.name, rows.length]), ...rows);
  }
  return `${lines.join('\n')}\n`;
}

/** SHA-256 (hex) of the canonical dump of the SQLite file at `path`, opened read-only. */
export function hashDatabaseFile(path: string): FileHash {
  const db = new (betterSqlite3())(path, { readonly: true, fileMustExist: true });
  try {
    // The dump reads tables only; a damaged index would still answer queries wrongly. So the
    // whole file is checked first, and a database that fails is not hashed as if it were sound.
    const problems = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    const found = problems.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    if (found.length > 0)
      throw new DatabaseDamagedError(
        `integrity check: ${found.slice(0, 3).join('; ')}${found.length > 3 ? '; …' : ''}`,
      );
    return asFileHash(createHash('sha256').update(canonicalDump(db)).digest('hex'));
  } finally {
    db.close();
  }
}

/** A database file SQLite opens but finds damaged. */
export class DatabaseDamagedError extends Error {
  override readonly name = 'DatabaseDamagedError';
}

/**
 * The driver, loaded on first use and synchronously: the engine hashes databases through this
 * module, and a run with no database to hash (a no-op build) should not pay for loading it.
 */
let driver: typeof Database | null = null;
function betterSqlite3(): typeof Database {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return driver;
}

/** Every object but ANALYZE statistics, which describe the data rather than being data. */
function schemaObjects(db: Database.Database): SchemaObject[] {
  const rows = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%'")
    .all() as SchemaObject[];
  return rows.sort((a, b) => compareText(a.type, b.type) || compareText(a.name, b.name));
}

/** Tables whose rows live in the file; views compute theirs and virtual tables keep them in shadow tables. */
function hasStoredRows(object: SchemaObject): boolean {
  return object.type === 'table' && !/^\s*CREATE\s+VIRTUAL\b/i.test(object.sql ?? '');
}

/**
 * Rows sorted by their encoding, not with ORDER BY: a column's collation (NOCASE) could leave ties
 * in an order SQLite does not promise. The hidden rowid is left out, since VACUUM may renumber it.
 */
function tableRows(db: Database.Database, table: string): string[] {
  const statement = db
    .prepare(`SELECT * FROM ${quoteIdentifier(table)}`)
    .raw(true)
    .safeIntegers(true);
  const encoded = (statement.all() as unknown[][]).map((row) => JSON.stringify(row.map(encodeValue)));
  return encoded.sort(compareText);
}

/** Type-tagged, so that 1, 1.0, '1' and x'01' — stored differently by SQLite — never collide. */
export function encodeValue(value: unknown): string {
  if (value === null) return 'n';
  if (typeof value === 'bigint') return `i:${value.toString()}`;
  if (typeof value === 'number') return `r:${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'string') return `t:${JSON.stringify(value)}`;
  if (Buffer.isBuffer(value)) return `b:${value.toString('hex')}`;
  throw new Error(`internal error: unexpected SQLite value of type ${typeof value}`);
}

/** Collapses whitespace outside literals and identifiers, so re-indented DDL stays equal. */
export function normalizeSql(sql: string): string {
  return splitSql(sql)
    .map((segment) => (segment.kind === 'code' ? segment.text.replace(/\s+/g, ' ') : segment.text))
    .join('')
    .trim();
}

/** Code-unit order, independent of locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
