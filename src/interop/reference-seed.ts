// An imported scenario's seed database built through our own path (seed-database.ts, as the sample
// stage builds it): the usable part of the schema with `DEFAULT CURRENT_TIMESTAMP` pinned to the
// world clock, then the inserts with their placeholders resolved, foreign keys on. Returns the row
// count of every table and every statement our path rejected, so it can be set against the
// reference's own database.
import { writeFileSync } from 'node:fs';
import { applySchema, openInMemory, type SchemaAnswer } from '../sqlite/apply-schema.js';
import { quoteIdentifier } from '../sqlite/identifiers.js';
import { buildSeedDatabase } from '../sqlite/seed-database.js';
import type { SampleFile } from './imported-scenario.js';

export interface RejectedStatement {
  readonly table: string;
  /** 0-based position within the table's insert_statements. */
  readonly index: number;
  readonly statement: string;
  readonly error: string;
}

export interface SeedReport {
  /** Row count per table that exists in the built database, by name. */
  readonly tables: Readonly<Record<string, number>>;
  readonly rejected: readonly RejectedStatement[];
  /** Tables of the schema whose DDL failed, so they are left out (as our later stages leave them out). */
  readonly droppedTables: readonly { readonly table: string; readonly error: string }[];
}

/** Builds the seed database (writing it to `path` when given) and reports what went in. */
export function buildReferenceSeed(schema: SchemaAnswer, sample: SampleFile, path: string | null = null): SeedReport {
  const clock = new Date(sample.world_clock);
  const build = buildSeedDatabase(schema, sample, clock);
  try {
    if (path !== null) writeFileSync(path, build.db.serialize());
    const names = build.db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const tables = Object.fromEntries(
      names.map((name) => [
        name,
        build.db
          .prepare(`SELECT count(*) FROM ${quoteIdentifier(name)}`)
          .pluck()
          .get() as number,
      ]),
    );
    const rejected = build.statements.flatMap(({ table, index, statement, error }) =>
      error === null ? [] : [{ table, index, statement, error }],
    );
    return { tables, rejected, droppedTables: droppedTables(schema) };
  } finally {
    build.db.close();
  }
}

function droppedTables(schema: SchemaAnswer): SeedReport['droppedTables'] {
  const db = openInMemory();
  try {
    return applySchema(db, schema)
      .filter((problem) => problem.part === 'table')
      .map((problem) => ({ table: problem.table, error: problem.error }));
  } finally {
    db.close();
  }
}
