// A scenario's seed database: its schema (wall-clock defaults pinned to the world clock) and the
// sample inserts that run. Built in memory — the sample stage's check and the seed file are the
// same build — and written out with serialize(), so no journal or half-written file is left behind.
import { writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { runSampleInserts, signedInUserProblem, type SampleAnswer, type StatementOutcome } from './sample-inserts.js';
import { applySchema, openInMemory, usableSchema, type OpenDatabase, type SchemaAnswer } from './apply-schema.js';

export interface SeedBuild {
  readonly db: Database.Database;
  readonly statements: readonly StatementOutcome[];
  /** Why user 1 is missing, when the schema has a users table and no row 1 went in. */
  readonly signedInUserProblem: string | null;
}

/** An in-memory database from the usable part of `schema` plus the sample inserts. Close it after use. */
export function buildSeedDatabase(
  schema: SchemaAnswer,
  sample: SampleAnswer,
  clock: Date,
  openDatabase: OpenDatabase = openInMemory,
): SeedBuild {
  const db = openDatabase();
  try {
    applySchema(db, usableSchema(schema, openDatabase), { clock });
    const statements = runSampleInserts(db, sample, clock);
    return { db, statements, signedInUserProblem: signedInUserProblem(db) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Builds the seed database and writes it to `path` (replacing any file there). */
export function writeSeedDatabase(
  path: string,
  schema: SchemaAnswer,
  sample: SampleAnswer,
  clock: Date,
): readonly StatementOutcome[] {
  const build = buildSeedDatabase(schema, sample, clock);
  try {
    writeFileSync(path, build.db.serialize());
    return build.statements;
  } finally {
    build.db.close();
  }
}
