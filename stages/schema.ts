// The scenario's SQLite schema. Checked by running every statement in a fresh database: a table
// fails when its DDL or one of its indexes does; up to `max_error_ratio` of failing tables is
// tolerated (as the reference does), and the best attempt is the one with the fewest.
import Database from 'better-sqlite3';
import { applySchema, failingTables, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { foreignKeyTargetProblems } from '../src/sqlite/foreign-key-targets.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatTasks, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors, excerpt, percent } from '../src/synthesis/feedback-text.js';

export interface SchemaParams {
  readonly max_error_ratio: number;
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
 * Runs the schema in a fresh in-memory database. Foreign keys aimed at missing tables or at
 * non-unique columns do not count as failing (SQLite accepts them) but are reported, and fed back
 * with the failures when the attempt fails anyway.
 */
export function checkSchema(schema: SchemaAnswer, maxErrorRatio: number): CheckOutcome {
  const db = new Database(':memory:');
  try {
    const problems = applySchema(db, schema);
    const references = foreignKeyTargetProblems(db).map((problem) => `table ${problem.table}: ${problem.error}`);
    const failing = failingTables(problems);
    const ratio = failing.length / schema.tables.length;
    if (ratio <= maxErrorRatio) return { ok: true, warnings: [...problems.map(describeProblem), ...references] };
    const summary = `${failing.length} of ${schema.tables.length} tables fail (${percent(ratio)}; at most ${percent(maxErrorRatio)} may)`;
    return { ok: false, errors: capErrors([summary, ...problems.map(describeProblem), ...references]), score: ratio };
  } finally {
    db.close();
  }
}

function describeProblem(problem: { table: string; statement: string; error: string }): string {
  return `table ${problem.table}: ${problem.error}\n    in: ${excerpt(problem.statement)}`;
}

export default llmStage<SchemaParams, SchemaAnswer>({
  description: "Asks for the scenario's SQLite schema and runs it in a fresh database",
  params: {
    max_error_ratio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description: 'Share of tables that may fail',
    },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    return [
      'schema',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        tasks: formatTasks(readTasks(context.inputs)),
      },
    ];
  },
  answer: schemaAnswerSchema,
  check: (answer, context) => checkSchema(answer, context.params.max_error_ratio),
  failure: 'no schema that runs in SQLite',
  write: (answer, context) => context.outputs.writeJson('schema', answer),
});
