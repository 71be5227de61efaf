// The scenario's SQLite schema. Checked by running every statement in a fresh database, in the
// sandbox (the SQL is the LLM's: it runs with a time limit, `check_time_limit_s`, and a memory
// limit, behind the statement guard, out of awm's process): a table fails when its DDL or one of its indexes does; up to
// `max_error_ratio` of failing tables is tolerated (as the reference does), and the best attempt
// is the one with the fewest.
import Database from 'better-sqlite3';
import { checkTimeLimitParam, runSqlCheck, type SqlCheckOutput } from '../src/sandbox/sandboxed-sql-check.js';
import { applySchema, failingTables, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { foreignKeyTargetProblems } from '../src/sqlite/foreign-key-targets.js';
import { guardedDatabase } from '../src/sqlite/guarded-database.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatTasks, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors, excerpt, percent } from '../src/synthesis/feedback-text.js';

export interface SchemaParams {
  readonly max_error_ratio: number;
  readonly check_time_limit_s: number;
  readonly min_tables: number;
  readonly max_tables: number;
}

/** How many tables the schema must have (a hard limit: the depth a capable model reaches). */
export interface TableCountRange {
  readonly min: number;
  readonly max: number;
}

export const schemaAnswerSchema = {
  type: 'object',
  required: ['tables'],
  additionalProperties: false,
  properties: {
    tables: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'ddl', 'indexes'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          ddl: { type: 'string', minLength: 1 },
          indexes: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

/**
 * Runs the schema in a fresh in-memory database here, behind the statement guard (the stage runs it
 * in the sandbox; see `check` below). Foreign keys aimed at missing tables or at non-unique columns
 * do not count as failing (SQLite accepts them) but are reported, and fed back with the failures
 * when the attempt fails anyway.
 */
export function checkSchema(schema: SchemaAnswer, maxErrorRatio: number): CheckOutcome {
  const db = guardedDatabase(new Database(':memory:'));
  try {
    return schemaVerdict(
      schema,
      { tableProblems: applySchema(db, schema), foreignKeyProblems: foreignKeyTargetProblems(db) },
      maxErrorRatio,
    );
  } finally {
    db.close();
  }
}

/** Whether a schema passes, from what running it found and how many tables it has. */
export function schemaVerdict(
  schema: SchemaAnswer,
  findings: SqlCheckOutput['schema'],
  maxErrorRatio: number,
  count: TableCountRange = { min: 1, max: Number.POSITIVE_INFINITY },
): CheckOutcome {
  const countProblem = tableCountProblem(schema, count);
  if (countProblem !== null) return { ok: false, errors: [countProblem], score: 2 + schema.tables.length / 1000 };
  const problems = findings.tableProblems;
  const references = findings.foreignKeyProblems.map((problem) => `table ${problem.table}: ${problem.error}`);
  const failing = failingTables(problems);
  const ratio = failing.length / schema.tables.length;
  if (ratio <= maxErrorRatio) return { ok: true, warnings: [...problems.map(describeProblem), ...references] };
  const summary = `${failing.length} of ${schema.tables.length} tables fail (${percent(ratio)}; at most ${percent(maxErrorRatio)} may)`;
  return { ok: false, errors: capErrors([summary, ...problems.map(describeProblem), ...references]), score: ratio };
}

function tableCountProblem(schema: SchemaAnswer, count: TableCountRange): string | null {
  const tables = schema.tables.length;
  if (tables < count.min)
    return (
      `the schema has ${tables} tables; give at least ${count.min}: model the platform's core entities, their ` +
      'statuses and histories, and the join tables of many-to-many relationships, as a real product would'
    );
  if (tables > count.max) return `the schema has ${tables} tables; give at most ${count.max}`;
  return null;
}

function describeProblem(problem: { table: string; statement: string; error: string }): string {
  return `table ${problem.table}: ${problem.error}\n    in: ${excerpt(problem.statement)}`;
}

export default llmStage<SchemaParams, SchemaAnswer>({
  description: "Asks for the scenario's SQLite schema and runs it in a fresh database",
  llm: { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 },
  params: {
    max_error_ratio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description: 'Share of tables that may fail',
    },
    check_time_limit_s: checkTimeLimitParam,
    min_tables: { type: 'integer', minimum: 1, default: 15, description: 'Fewest tables a schema may have' },
    max_tables: { type: 'integer', minimum: 1, default: 25, description: 'Most tables a schema may have' },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    return [
      'schema',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        tasks: formatTasks(readTasks(context.inputs)),
        min_tables: String(context.params.min_tables),
        max_tables: String(context.params.max_tables),
      },
    ];
  },
  answer: schemaAnswerSchema,
  async check(answer, context) {
    const findings = await runSqlCheck(context.sandbox, { schema: answer }, context.params.check_time_limit_s);
    const count = { min: context.params.min_tables, max: context.params.max_tables };
    if (findings.ok) return schemaVerdict(answer, findings.value.schema, context.params.max_error_ratio, count);
    if (findings.error.fault === 'answer') return { ok: false, errors: [findings.error.message], score: 2 };
    throw new Error(findings.error.message);
  },
  failure: 'no schema that runs in SQLite',
  write: (answer, context) => context.outputs.writeJson('schema', answer),
});
