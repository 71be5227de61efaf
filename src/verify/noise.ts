// Unrelated noise for the self-test: before a second replay of the reference solution, each table
// the solution adds rows to gets one extra row whose id is well above the others, so the rows the
// solution creates get ids that differ from the first replay's. A verifier that hard-codes "the
// review with id 33" then fails, as it would for an agent whose episode started after other rows
// were made. The noise row copies a row of another user where the table says whose rows are whose
// (a `user_id` column), else the table's last row, with UNIQUE text made unique.
import Database from 'better-sqlite3';
import { quoteIdentifier } from '../sqlite/identifiers.js';

/** How far new ids move. */
export const NOISE_ID_SHIFT = 50;

export interface Noise {
  /** Tables whose next id moved. */
  readonly shifted: readonly string[];
  /** Tables where no noise row fitted the constraints, and why. */
  readonly skipped: readonly { readonly table: string; readonly why: string }[];
}

/** Tables with more rows (a higher largest rowid) in `finalPath` than in `initialPath`. */
export function tablesThatGrew(initialPath: string, finalPath: string): string[] {
  const initial = new Database(initialPath, { readonly: true, fileMustExist: true });
  const final = new Database(finalPath, { readonly: true, fileMustExist: true });
  try {
    const tables = final
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const largest = (db: Database.Database, table: string): number => {
      try {
        return Number(
          db
            .prepare(`SELECT coalesce(max(rowid), 0) FROM ${quoteIdentifier(table)}`)
            .pluck()
            .get(),
        );
      } catch {
        return 0;
      }
    };
    return tables.filter((table) => largest(final, table) > largest(initial, table));
  } finally {
    initial.close();
    final.close();
  }
}

/** Adds one noise row to each table in `tables` of the database at `path` (changed in place). */
export function addNoiseRows(path: string, tables: readonly string[]): Noise {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('foreign_keys = ON');
  const shifted: string[] = [];
  const skipped: { table: string; why: string }[] = [];
  try {
    for (const table of tables) {
      const why = addNoiseRow(db, table);
      if (why === null) shifted.push(table);
      else skipped.push({ table, why });
    }
  } finally {
    db.close();
  }
  return { shifted, skipped };
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly pk: number;
}

function addNoiseRow(db: Database.Database, table: string): string | null {
  const quoted = quoteIdentifier(table);
  const columns = db.prepare(`PRAGMA table_info(${quoted})`).all() as Column[];
  const key = columns.filter((column) => column.pk > 0);
  if (key.length !== 1 || !/int/i.test(key[0]!.type)) return 'its key is not one INTEGER PRIMARY KEY';
  const id = key[0]!.name;
  const owned = columns.some((column) => column.name === 'user_id');
  // Other users' rows first (the copy stays theirs), newest first; a row outside a partial UNIQUE
  // index's WHERE (an archived profile, a cancelled booking) fits where an active one does not.
  const rows = db
    .prepare(`SELECT * FROM ${quoted} ORDER BY ${owned ? '(user_id IS 1), ' : ''}rowid DESC LIMIT 20`)
    .all() as Record<string, unknown>[];
  if (rows.length === 0) return 'it has no row to copy';
  const largest = Number(db.prepare(`SELECT max(rowid) FROM ${quoted}`).pluck().get());
  const insert = (values: Record<string, unknown>): string | null => {
    const names = Object.keys(values);
    try {
      db.prepare(
        `INSERT INTO ${quoted} (${names.map(quoteIdentifier).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      ).run(...names.map((name) => values[name]));
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  let problem: string | null = 'no row fitted';
  for (const row of rows) {
    const copy: Record<string, unknown> = { ...row, [id]: largest + NOISE_ID_SHIFT };
    for (const column of columnsToAlter(db, table, row)) {
      const value = copy[column];
      if (typeof value === 'string') copy[column] = `${value} (noise)`;
      else if (typeof value === 'number') copy[column] = value + 1_000_000;
    }
    problem = insert(copy);
    if (problem === null) return null;
    // A UNIQUE index made only of references (a join table's (wishlist_id, book_id)): point one of
    // them at another row of its table until the pair is new.
    if (!problem.includes('UNIQUE')) continue;
    for (const reference of references(db, table)) {
      const candidates = db
        .prepare(
          `SELECT ${quoteIdentifier(reference.to)} FROM ${quoteIdentifier(reference.table)} ORDER BY rowid LIMIT 50`,
        )
        .pluck()
        .all();
      for (const candidate of candidates) {
        if (candidate === row[reference.from]) continue;
        problem = insert({ ...copy, [reference.from]: candidate });
        if (problem === null) return null;
      }
    }
  }
  return problem;
}

function references(db: Database.Database, table: string): { from: string; table: string; to: string }[] {
  return (
    db.prepare(`PRAGMA foreign_key_list(${quoteIdentifier(table)})`).all() as {
      from: string;
      table: string;
      to: string | null;
    }[]
  )
    .filter((key) => key.from !== 'user_id')
    .map((key) => ({ from: key.from, table: key.table, to: key.to ?? 'id' }));
}

/**
 * One column per UNIQUE index (the key's left out) whose copied value must change for the copy to
 * fit: a text column where the index has one, else a column that references nothing (an index
 * of references only is left to the insert, which varies one of them).
 */
function columnsToAlter(db: Database.Database, table: string, row: Record<string, unknown>): Set<string> {
  const quoted = quoteIdentifier(table);
  const references = new Set(
    (db.prepare(`PRAGMA foreign_key_list(${quoted})`).all() as { from: string }[]).map((key) => key.from),
  );
  const columns = new Set<string>();
  const indexes = db.prepare(`PRAGMA index_list(${quoted})`).all() as {
    name: string;
    unique: number;
    origin: string;
  }[];
  for (const index of indexes) {
    if (index.unique !== 1 || index.origin === 'pk') continue;
    const names = (db.prepare(`PRAGMA index_info(${quoteIdentifier(index.name)})`).all() as { name: string | null }[])
      .map((column) => column.name)
      .filter((name): name is string => name !== null);
    const pick =
      names.find((name) => typeof row[name] === 'string') ??
      names.find((name) => typeof row[name] === 'number' && !references.has(name));
    // Only references: the insert varies one of them (see addNoiseRow).
    if (pick !== undefined) columns.add(pick);
  }
  return columns;
}
