// The scenario's SQLite schema. Checked by running every statement in a fresh database: a table
// fails when its DDL or one of its indexes does; up to `max_error_ratio` of failing tables is
// tolerated (as the reference does), and the best attempt is the one with the fewest.
import Database from 'better-sqlite3';
import { defineStage, type RenderContext } from '../src/stage-api/stage.js';
import type { CheckOutcome } from '../src/llm/types.js';
import { applySchema, failingTables, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { foreignKeyTargetProblems } from '../src/sqlite/foreign-key-targets.js';
import { capErrors, excerpt, percent } from '../src/synthesis/feedback-text.js';
import { stageFailure } from '../src/stage-api/stage-failure.js';
import { renderPrompt } from '../src/stage-api/render-prompt.js';
import { formatTasks, readScenario, readTasks } from '../src/synthesis/artifacts.js';

export interface SchemaParams {
  readonly max_error_ratio: number;
  readonly max_attempts: number;
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

function renderSchema(context: RenderContext<SchemaParams>): string {
  const scenario = readScenario(context.inputs);
  return renderPrompt(context, 'schema', {
    scenario_name: scenario.name,
    scenario_description: scenario.description,
    tasks: formatTasks(readTasks(context.inputs)),
  });
}

export default defineStage<SchemaParams>({
  description: "Asks for the scenario's SQLite schema and runs it in a fresh database",
  usesLlm: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_error_ratio: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Share of tables that may fail' },
      max_attempts: { type: 'integer', minimum: 1, default: 5, description: 'Requests in all, repairs included' },
    },
  },
  render: (context) => ({ schema: renderSchema(context) }),
  async run(context) {
    const result = await context.llm.structured<SchemaAnswer>({
      messages: [{ role: 'user', content: renderSchema(context) }],
      schema: schemaAnswerSchema,
      check: (answer) => checkSchema(answer, context.params.max_error_ratio),
      maxAttempts: context.params.max_attempts,
      signal: context.signal,
    });
    if (!result.ok) return stageFailure('no schema that runs in SQLite', result);
    await context.outputs.writeJson('schema', result.value);
    return { status: 'ok', warnings: result.warnings };
  },
});
