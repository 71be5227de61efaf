// Sample data: the rows the scenario's world starts with. Checked by running the inserts into a
// fresh database made from the schema, with foreign keys on and relative times resolved against
// the world clock; up to `max_error_ratio` of failing statements is tolerated (as the reference).
// The stage runs the LLM's SQL in the sandbox (a time limit, `check_time_limit_s`, a memory limit,
// the statement guard, out of awm's process), and the seed database it writes is the one that
// check built.
//
// Outputs: sample.json — `{ world_clock, tables: [as answered, placeholders kept],
// skipped_statements: [{ table_name, index, statement, error }] }` — and seed.db, built from the
// schema and the statements that ran (see seed-database.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { checkTimeLimitParam, runSqlCheck, type SqlCheckOutput } from '../src/sandbox/sandboxed-sql-check.js';
import { usableSchema, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { emptyTables } from '../src/sqlite/empty-tables.js';
import { guardedDatabase } from '../src/sqlite/guarded-database.js';
import type { SampleAnswer, StatementOutcome } from '../src/sqlite/sample-inserts.js';
import { buildSeedDatabase } from '../src/sqlite/seed-database.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatSchemaSql, formatTasks, readSchema, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors, excerpt, percent } from '../src/synthesis/feedback-text.js';
import { describeWorldClock, timePlaceholderGuide } from '../src/synthesis/time-placeholder-guide.js';

export interface SampleParams {
  readonly max_error_ratio: number;
  readonly check_time_limit_s: number;
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

/** Runs the inserts here, behind the statement guard (the stage runs them in the sandbox). */
export function checkSample(
  schema: SchemaAnswer,
  sample: SampleAnswer,
  clock: Date,
  maxErrorRatio: number,
): CheckOutcome {
  const build = buildSeedDatabase(schema, sample, clock, guardedMemoryDatabase);
  try {
    const findings = {
      statements: build.statements,
      signedInUserProblem: build.signedInUserProblem,
      emptyTables: emptyTables(build.db),
      seedBase64: null,
    };
    return sampleVerdict(findings, maxErrorRatio);
  } finally {
    build.db.close();
  }
}

/** Whether a sample passes, from what running it found: few enough inserts fail, and user 1 exists (if there is a users table). */
export function sampleVerdict(findings: NonNullable<SqlCheckOutput['sample']>, maxErrorRatio: number): CheckOutcome {
  const total = findings.statements.length;
  if (total === 0)
    return {
      ok: false,
      errors: ['there are no INSERT statements; give every table the rows the tasks need'],
      score: 2,
    };
  const failed = findings.statements.filter((statement) => statement.error !== null);
  const ratio = failed.length / total;
  const userProblems = findings.signedInUserProblem === null ? [] : [findings.signedInUserProblem];
  const described = failed.map(describeStatement);
  if (ratio <= maxErrorRatio && userProblems.length === 0) {
    const empty = findings.emptyTables.length === 0 ? [] : [`tables without rows: ${findings.emptyTables.join(', ')}`];
    return { ok: true, warnings: [...described, ...empty] };
  }
  const summary = `${failed.length} of ${total} statements fail (${percent(ratio)}; at most ${percent(maxErrorRatio)} may)`;
  return { ok: false, errors: capErrors([summary, ...userProblems, ...described]), score: ratio + userProblems.length };
}

const guardedMemoryDatabase = (): Database.Database => guardedDatabase(new Database(':memory:'));

/** What the check of an accepted answer built, for `write`: the answer object is the key. */
const checked = new WeakMap<SampleAnswer, NonNullable<SqlCheckOutput['sample']>>();

function describeStatement(outcome: StatementOutcome): string {
  return `${outcome.table} statement ${outcome.index + 1}: ${outcome.error ?? ''}\n    in: ${excerpt(outcome.statement)}`;
}

export default llmStage<SampleParams, SampleAnswer>({
  description: 'Asks for sample rows that make every task solvable, and builds the seed database',
  llm: { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 },
  usesWorldClock: true,
  params: {
    max_error_ratio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description: 'Share of statements that may fail',
    },
    check_time_limit_s: checkTimeLimitParam,
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
  async check(answer, context) {
    const input = { schema: readSchema(context.inputs), sample: answer, clock: context.worldClock, includeSeed: true };
    const findings = await runSqlCheck(context.sandbox, input, context.params.check_time_limit_s);
    if (!findings.ok) {
      if (findings.error.fault === 'answer') return { ok: false, errors: [findings.error.message], score: 3 };
      throw new Error(findings.error.message);
    }
    const sample = findings.value.sample!;
    checked.set(answer, sample);
    return sampleVerdict(sample, context.params.max_error_ratio);
  },
  failure: 'no sample data that loads into the schema',
  async write(answer, context) {
    const built = checked.get(answer);
    if (!built?.seedBase64) throw new Error('internal error: the accepted sample was not built by its check');
    const seedPath = context.outputs.pathFor('seed_db');
    mkdirSync(dirname(seedPath), { recursive: true });
    writeFileSync(seedPath, Buffer.from(built.seedBase64, 'base64'));
    const statements = built.statements;
    await context.outputs.writeJson('sample', {
      world_clock: context.worldClock,
      tables: answer.tables,
      skipped_statements: statements
        .filter((statement) => statement.error !== null)
        .map(({ table, index, statement, error }) => ({ table_name: table, index, statement, error })),
    });
  },
});
