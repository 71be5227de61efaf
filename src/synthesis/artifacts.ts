// The artifacts the synthesis stages hand each other (scenario row, task list, schema) as typed
// values, and as the text a prompt shows the LLM. Upstream outputs are written by our own stages
// and hash-checked, so a malformed one is a bug: the readers throw.
import type { StageInputs } from '../stage-api/stage.js';
import type { SchemaAnswer } from '../sqlite/apply-schema.js';

export interface ScenarioRow {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly description: string;
}

export type TaskKind = 'question' | 'create' | 'update' | 'delete';

export interface TaskRow {
  readonly id: string;
  readonly kind: TaskKind;
  readonly text: string;
}

export function readScenario(inputs: StageInputs, name = 'scenario'): ScenarioRow {
  const value = inputs.json<Partial<ScenarioRow>>(name);
  if (typeof value?.name !== 'string' || typeof value.description !== 'string') {
    throw new Error(`input "${name}" is not a scenario row ({ id, name, category, description })`);
  }
  return {
    id: String(value.id ?? ''),
    name: value.name,
    category: String(value.category ?? ''),
    description: value.description,
  };
}

export function readTasks(inputs: StageInputs, name = 'tasks'): TaskRow[] {
  const value = inputs.json<unknown>(name);
  const valid = Array.isArray(value) && value.every((task) => typeof (task as Partial<TaskRow>)?.text === 'string');
  if (!valid) throw new Error(`input "${name}" is not a task list ([{ id, kind, text }])`);
  return value as TaskRow[];
}

export function readSchema(inputs: StageInputs, name = 'schema'): SchemaAnswer {
  const value = inputs.json<Partial<SchemaAnswer>>(name);
  const valid =
    Array.isArray(value?.tables) &&
    value.tables.every((table) => typeof table?.name === 'string' && typeof table.ddl === 'string');
  if (!valid) throw new Error(`input "${name}" is not a schema ({ tables: [{ name, ddl, indexes }] })`);
  return value as SchemaAnswer;
}

/** `task_00 (question): How many …` — one line per task, ids included so answers can cite them. */
export function formatTasks(tasks: readonly TaskRow[]): string {
  return tasks.map((task) => `- ${task.id} (${task.kind}): ${task.text}`).join('\n');
}

/** The schema as the SQL script it is: each table's DDL followed by its indexes. */
export function formatSchemaSql(schema: SchemaAnswer): string {
  return schema.tables
    .map((table) => [table.ddl, ...(table.indexes ?? [])].map((sql) => withSemicolon(sql.trim())).join('\n'))
    .join('\n\n');
}

function withSemicolon(sql: string): string {
  return sql.endsWith(';') ? sql : `${sql};`;
}
