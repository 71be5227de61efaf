// Builds a database from a schema answer (`{ tables: [{ name, ddl, indexes }] }`): the schema
// stage's check, the sample stage's check and the seed database all start here, so they agree on
// which tables exist. A table whose DDL or one of whose indexes fails is reported, not fatal.
import Database from 'better-sqlite3';
import { guardedDatabase } from './guarded-database.js';
import { indexProblem, tableDdlProblem } from './schema-statement-shape.js';
import { guardStatements } from './statement-guard.js';
import { pinWallClockSql } from './wall-clock-sql.js';

export interface SchemaTable {
  readonly name: string;
  readonly ddl: string;
  readonly indexes?: readonly string[];
}

export interface SchemaAnswer {
  readonly tables: readonly SchemaTable[];
}

export interface TableProblem {
  readonly table: string;
  /** The table's position in the answer. */
  readonly position: number;
  /** `table`: the table does not exist (DDL failed, misnamed, duplicate); `index`: one index failed. */
  readonly part: 'table' | 'index';
  readonly statement: string;
  /** SQLite's error text, or what is wrong in words. */
  readonly error: string;
}

/** Opens the scratch database a function builds in; the sandboxed check passes one behind the statement guard. */
export type OpenDatabase = () => Database.Database;

/** A fresh in-memory database behind the statement guard: the SQL run here is the LLM's. */
export const openInMemory: OpenDatabase = () => guardedDatabase(new Database(':memory:'));

export interface ApplyOptions {
  /** When set, wall-clock defaults (`DEFAULT CURRENT_TIMESTAMP`) are pinned to this instant. */
  readonly clock?: Date | null;
}

/** Runs every table's DDL and indexes in answer order; returns the problems, table by table. */
export function applySchema(db: Database.Database, schema: SchemaAnswer, options: ApplyOptions = {}): TableProblem[] {
  const pin = (sql: string): string => (options.clock ? pinWallClockSql(sql, options.clock) : sql);
  const problems: TableProblem[] = [];
  const seen = new Set<string>();
  schema.tables.forEach((table, position) => {
    const key = table.name.toLowerCase();
    if (seen.has(key)) {
      const error = `a second table named "${table.name}"; each table must appear once`;
      problems.push({ table: table.name, position, part: 'table', statement: table.ddl, error });
      return;
    }
    seen.add(key);
    problems.push(...applyTable(db, table, position, pin));
  });
  return problems;
}

function applyTable(
  db: Database.Database,
  table: SchemaTable,
  position: number,
  pin: (sql: string) => string,
): TableProblem[] {
  const tableProblem = (error: string): TableProblem[] => [
    { table: table.name, position, part: 'table', statement: table.ddl, error },
  ];
  const ddlError = shapeProblem(table.ddl, tableDdlProblem) ?? execute(db, pin(table.ddl));
  if (ddlError !== null) return tableProblem(ddlError);
  if (!tableExists(db, table.name)) {
    return tableProblem(
      `the DDL ran but created no table named "${table.name}"; the name must match the CREATE TABLE statement`,
    );
  }
  const problems: TableProblem[] = [];
  for (const index of table.indexes ?? []) {
    const error = shapeProblem(index, indexProblem) ?? execute(db, pin(index));
    if (error !== null) problems.push({ table: table.name, position, part: 'index', statement: index, error });
  }
  return problems;
}

/**
 * The part of a schema that runs: tables whose DDL created them, with the indexes that ran. Later
 * stages are shown only these, so they never plan rows or tools for a table that cannot exist.
 */
export function usableSchema(schema: SchemaAnswer, openDatabase: OpenDatabase = openInMemory): SchemaAnswer {
  const db = openDatabase();
  try {
    const problems = applySchema(db, schema);
    const broken = new Set(problems.filter((problem) => problem.part === 'table').map((problem) => problem.position));
    const brokenIndexes = new Set(
      problems
        .filter((problem) => problem.part === 'index')
        .map((problem) => `${problem.position}\u0000${problem.statement}`),
    );
    const keep = (index: string, position: number): boolean => !brokenIndexes.has(`${position}\u0000${index}`);
    const tables = schema.tables.map((table, position) => ({
      ...table,
      indexes: (table.indexes ?? []).filter((index) => keep(index, position)),
    }));
    return { tables: tables.filter((_table, position) => !broken.has(position)) };
  } finally {
    db.close();
  }
}

/**
 * Why SQL of a schema may not run: the statement guard's refusal first (it says most precisely
 * what to leave out), then the shape a table's DDL or an index must have.
 */
function shapeProblem(sql: string, shape: (sql: string) => string | null): string | null {
  const verdict = guardStatements(sql);
  return verdict.ok ? shape(sql) : verdict.error.map((refusal) => refusal.message).join('\n');
}

/** SQLite's error text, or null when the statement(s) ran. */
function execute(db: Database.Database, sql: string): string | null {
  try {
    db.exec(sql);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function tableExists(db: Database.Database, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").get(name) !== undefined
  );
}

/** Names of the tables with a problem, one per table (a duplicate name counts again). */
export function failingTables(problems: readonly TableProblem[]): string[] {
  const byPosition = new Map<number, string>();
  for (const problem of problems) byPosition.set(problem.position, problem.table);
  return [...byPosition.values()];
}
