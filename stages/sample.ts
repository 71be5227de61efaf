// Sample data: the rows the scenario's world starts with. Checked by running the inserts into a
// fresh database made from the schema, with foreign keys on and relative times resolved against
// the world clock; up to `max_error_ratio` of failing statements is tolerated (as the reference).
//
// Outputs: sample.json — `{ world_clock, tables: [as answered, placeholders kept],
// skipped_statements: [{ table_name, index, statement, error }] }` — and seed.db, built from the
// schema and the statements that ran (see seed-database.ts).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { usableSchema, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { quoteIdentifier, tableNames } from '../src/sqlite/identifiers.js';
import type { SampleAnswer, StatementOutcome } from '../src/sqlite/sample-inserts.js';
import { buildSeedDatabase, writeSeedDatabase } from '../src/sqlite/seed-database.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatSchemaSql, formatTasks, readSchema, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors, excerpt, percent } from '../src/synthesis/feedback-text.js';
import { describeWorldClock, timePlaceholderGuide } from '../src/synthesis/time-placeholder-guide.js';

export interface SampleParams {
  readonly max_error_ratio: number;
}

export const sampleAnswerSchema = {
  type: 'object',
  required: ['tables'],
  additionalProperties: false,
  properties: {
    tables: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['table_name', 'reasoning', 'insert_statements'],
        additionalProperties: false,
        properties: {
          table_name: { type: 'string', minLength: 1 },
          reasoning: { type: 'string' },
          insert_statements: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

/** Runs the inserts; passes when few enough fail and user 1 exists (if there is a users table). */
export function checkSample(
  schema: SchemaAnswer,
  sample: SampleAnswer,
  clock: Date,
  maxErrorRatio: number,
): CheckOutcome {
  const build = buildSeedDatabase(schema, sample, clock);
  try {
    const total = build.statements.length;
    if (total === 0)
      return {
        ok: false,
        errors: ['there are no INSERT statements; give every table the rows the tasks need'],
        score: 2,
      };
    const failed = build.statements.filter((statement) => statement.error !== null);
    const ratio = failed.length / total;
    const userProblems = build.signedInUserProblem === null ? [] : [build.signedInUserProblem];
    const described = failed.map(describeStatement);
    if (ratio <= maxErrorRatio && userProblems.length === 0)
      return { ok: true, warnings: [...described, ...emptyTableWarnings(build.db)] };
    const summary = `${failed.length} of ${total} statements fail (${percent(ratio)}; at most ${percent(maxErrorRatio)} may)`;
    return {
      ok: false,
      errors: capErrors([summary, ...userProblems, ...described]),
      score: ratio + userProblems.length,
    };
  } finally {
    build.db.close();
  }
}

function describeStatement(outcome: StatementOutcome): string {
  return `${outcome.table} statement ${outcome.index + 1}: ${outcome.error ?? ''}\n    in: ${excerpt(outcome.statement)}`;
}

function emptyTableWarnings(db: Database.Database): string[] {
  const empty = tableNames(db).filter(
    (table) => db.prepare(`SELECT 1 FROM ${quoteIdentifier(table)} LIMIT 1`).get() === undefined,
  );
  return empty.length === 0 ? [] : [`tables without rows: ${empty.join(', ')}`];
}

export default llmStage<SampleParams, SampleAnswer>({
  description: 'Asks for sample rows that make every task solvable, and builds the seed database',
  usesWorldClock: true,
  params: {
    max_error_ratio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description: 'Share of statements that may fail',
    },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    const clock = context.worldClockInstant;
    return [
      'sample',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        tasks: formatTasks(readTasks(context.inputs)),
        schema: formatSchemaSql(usableSchema(readSchema(context.inputs))),
        world_clock: describeWorldClock(clock),
        time_placeholders: timePlaceholderGuide(clock),
      },
    ];
  },
  answer: sampleAnswerSchema,
  check: (answer, context) =>
    checkSample(readSchema(context.inputs), answer, context.worldClockInstant, context.params.max_error_ratio),
  failure: 'no sample data that loads into the schema',
  async write(answer, context) {
    const seedPath = context.outputs.pathFor('seed_db');
    mkdirSync(dirname(seedPath), { recursive: true });
    const statements = writeSeedDatabase(seedPath, readSchema(context.inputs), answer, context.worldClockInstant);
    await context.outputs.writeJson('sample', {
      world_clock: context.worldClock,
      tables: answer.tables,
      skipped_statements: statements
        .filter((statement) => statement.error !== null)
        .map(({ table, index, statement, error }) => ({ table_name: table, index, statement, error })),
    });
  },
});
