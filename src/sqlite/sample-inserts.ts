// Runs a sample answer's INSERT statements into a database made from the schema: the sample
// stage's check (in memory) and its seed database (the same code, so they agree row for row).
// Each statement is first prepared for the world clock: placeholders resolved, wall-clock SQL and
// statements without an explicit column list refused.
import type Database from 'better-sqlite3';
import { err, ok, type Result } from '../util/result.js';
import { quoteIdentifier } from './identifiers.js';
import { splitSql } from './sql-segments.js';
import { findWallClockSql } from './wall-clock-sql.js';
import { resolveWorldClock } from './time-placeholders.js';

export interface SampleTable {
  readonly table_name: string;
  readonly reasoning: string;
  readonly insert_statements: readonly string[];
}

export interface SampleAnswer {
  readonly tables: readonly SampleTable[];
}

export interface StatementOutcome {
  readonly table: string;
  /** 0-based position of the statement within its table's `insert_statements`. */
  readonly index: number;
  /** As answered, placeholders included. */
  readonly statement: string;
  /** What ran (placeholders resolved), or null when it was refused before running. */
  readonly resolved: string | null;
  /** SQLite's error text or the reason it was refused; null when the row went in. */
  readonly error: string | null;
}

const NAME = String.raw`(?:[A-Za-z_][\w$]*|"(?:[^"]|"")*"|\x60[^\x60]*\x60|\[[^\]]*\])`;
const INSERT_WITH_COLUMNS = new RegExp(
  String.raw`^\s*(?:INSERT(?:\s+OR\s+(?:ABORT|FAIL|IGNORE|REPLACE|ROLLBACK))?|REPLACE)\s+INTO\s+${NAME}(?:\s*\.\s*${NAME})?(?:\s+AS\s+${NAME})?\s*\(`,
  'i',
);

/** Runs every statement in answer order (foreign keys on); each succeeds or fails on its own. */
export function runSampleInserts(db: Database.Database, sample: SampleAnswer, clock: Date): StatementOutcome[] {
  db.pragma('foreign_keys = ON');
  const outcomes: StatementOutcome[] = [];
  for (const table of sample.tables) {
    table.insert_statements.forEach((statement, index) => {
      const prepared = prepareInsert(statement, clock);
      const error = prepared.ok ? run(db, prepared.value) : prepared.error;
      outcomes.push({
        table: table.table_name,
        index,
        statement,
        resolved: prepared.ok ? prepared.value : null,
        error,
      });
    });
  }
  return outcomes;
}

/** The statement ready to run against the world clock, or why it may not run. */
export function prepareInsert(statement: string, clock: Date): Result<string, string> {
  const code = withoutComments(statement);
  if (!INSERT_WITH_COLUMNS.test(code)) {
    return /^\s*(INSERT|REPLACE)\b/i.test(code)
      ? err('an INSERT must name its columns: INSERT INTO table (column, …) VALUES (…)')
      : err('only INSERT statements belong in sample data');
  }
  const wallClock = findWallClockSql(statement);
  if (wallClock.length > 0) {
    return err(
      `uses the wall clock (${wallClock.join(', ')}); write a placeholder such as '{{now}}' or '{{now-3d}}' inside quotes, or an absolute date`,
    );
  }
  const bare = splitSql(statement).find((segment) => segment.kind === 'code' && segment.text.includes('{{'));
  if (bare) return err(`a {{…}} placeholder outside a string literal; write it inside quotes: '{{now-3d}}'`);
  const resolved = resolveWorldClock(statement, clock);
  return resolved.ok ? ok(resolved.value) : err(resolved.error.join('; '));
}

function run(db: Database.Database, sql: string): string | null {
  try {
    db.prepare(sql).run();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function withoutComments(sql: string): string {
  return splitSql(sql)
    .filter((segment) => segment.kind !== 'comment')
    .map((segment) => segment.text)
    .join('');
}

/** The first problem with user 1, when the schema has a users table: it is the signed-in user. */
export function signedInUserProblem(db: Database.Database): string | null {
  const table = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND lower(name) IN ('users', 'user') ORDER BY name")
    .pluck()
    .get() as string | undefined;
  if (table === undefined) return null;
  const quoted = quoteIdentifier(table);
  const columns = db.prepare(`PRAGMA table_info(${quoted})`).all() as { name: string; pk: number }[];
  const key = columns.find((column) => column.name.toLowerCase() === 'id') ?? columns.find((column) => column.pk === 1);
  const keyName = key ? quoteIdentifier(key.name) : 'rowid';
  const found = db.prepare(`SELECT 1 FROM ${quoted} WHERE ${keyName} = 1`).get();
  return found === undefined
    ? `table ${table} has no row with id 1; user 1 is the signed-in user and must be inserted (first)`
    : null;
}
