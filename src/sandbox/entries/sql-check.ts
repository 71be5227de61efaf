// A child entry (see ../README.md) that runs the schema and sample checks' SQL, so an endless
// recursive query or a runaway allocation in LLM-written SQL stops at the sandbox's limits instead
// of hanging awm. It does what stages/schema.ts and stages/sample.ts do in process today, with the
// statement guard in front of every statement, and returns their raw findings: the stages keep
// deciding what passes. Entries live in src/sandbox/entries/ because each is a child's program
// behind one contract (SandboxEntry), not a part of the subsystem whose code it calls.
import Database from 'better-sqlite3';
import { applySchema, type SchemaAnswer, type TableProblem } from '../../sqlite/apply-schema.js';
import { emptyTables } from '../../sqlite/empty-tables.js';
import { foreignKeyTargetProblems, type ForeignKeyProblem } from '../../sqlite/foreign-key-targets.js';
import { guardedDatabase } from '../../sqlite/guarded-database.js';
import type { SampleAnswer, StatementOutcome } from '../../sqlite/sample-inserts.js';
import { buildSeedDatabase } from '../../sqlite/seed-database.js';
import type { SandboxEntry } from '../sandbox-entry.js';

export interface SqlCheckInput {
  readonly schema: SchemaAnswer;
  /** With a sample the seed database is built as well (from the usable part of the schema). */
  readonly sample?: SampleAnswer | null;
  /** The world clock as an ISO 8601 instant; required with a sample. */
  readonly clock?: string | null;
  /** Return the seed database's bytes (serialize(), base64). */
  readonly includeSeed?: boolean;
}

export interface SqlCheckOutput {
  /** What checkSchema sees: the schema run in a fresh database, without the world clock. */
  readonly schema: {
    readonly tableProblems: readonly TableProblem[];
    readonly foreignKeyProblems: readonly ForeignKeyProblem[];
  };
  /** What checkSample sees; null without a sample. */
  readonly sample: {
    readonly statements: readonly StatementOutcome[];
    readonly signedInUserProblem: string | null;
    readonly emptyTables: readonly string[];
    readonly seedBase64: string | null;
  } | null;
}

const openGuarded = (): Database.Database => guardedDatabase(new Database(':memory:'));

const sqlCheck: SandboxEntry<SqlCheckInput, SqlCheckOutput> = (input) => ({
  schema: checkSchemaSql(input.schema),
  sample: input.sample
    ? checkSampleSql(input.schema, input.sample, input.clock ?? '', input.includeSeed === true)
    : null,
});

export default sqlCheck;

function checkSchemaSql(schema: SchemaAnswer): NonNullable<SqlCheckOutput['schema']> {
  const db = openGuarded();
  try {
    return { tableProblems: applySchema(db, schema), foreignKeyProblems: foreignKeyTargetProblems(db) };
  } finally {
    db.close();
  }
}

function checkSampleSql(
  schema: SchemaAnswer,
  sample: SampleAnswer,
  clockText: string,
  includeSeed: boolean,
): NonNullable<SqlCheckOutput['sample']> {
  // The engine parsed and checked the world clock; across the process boundary it travels as text.
  const clock = new Date(clockText);
  if (Number.isNaN(clock.getTime()))
    throw new Error(`the SQL check needs the world clock as an ISO 8601 instant, got ${JSON.stringify(clockText)}`);
  const build = buildSeedDatabase(schema, sample, clock, openGuarded);
  try {
    return {
      statements: build.statements,
      signedInUserProblem: build.signedInUserProblem,
      emptyTables: emptyTables(build.db),
      seedBase64: includeSeed ? build.db.serialize().toString('base64') : null,
    };
  } finally {
    build.db.close();
  }
}
