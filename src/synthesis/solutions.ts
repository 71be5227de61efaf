// Reference solutions of tasks as data (`demo/solutions/<scenario>.json`, format in its README):
// for each task the tool calls that solve it, and SQL that states the expected answer or end
// state. Checked here against a built scenario: the tasks are the built ones, every call names a
// tool of the spec with arguments its input schema accepts, a question's SQL finds its answer in
// the seed now, and a change's SQL finds its end state not there yet. The env and verifier stages
// replay the same files.
import type { Database } from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { TaskKind, TaskRow } from './artifacts.js';
import { wordCount } from './task-rules.js';
import { compileToolSchema, describeSchemaErrors, type ToolSpecFile } from './tool-spec.js';

export interface SolutionCall {
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
}

export interface TaskSolution {
  readonly id: string;
  readonly kind: TaskKind;
  readonly task: string;
  readonly calls: readonly SolutionCall[];
  /** Questions: the expected answer in words, the query that finds it, and exactly its rows. */
  readonly answer?: string;
  readonly answer_sql?: string;
  readonly answer_rows?: readonly (readonly unknown[])[];
  /** Changes: one row, one column, 1 when the end state holds (0 on the seed). */
  readonly end_state_sql?: string;
  readonly traps?: string;
}

export interface SolutionsFile {
  readonly scenario: string;
  readonly world_clock: string;
  readonly facts: readonly string[];
  readonly tasks: readonly TaskSolution[];
}

const solutionsSchema = {
  type: 'object',
  required: ['scenario', 'world_clock', 'facts', 'tasks'],
  additionalProperties: false,
  properties: {
    scenario: { type: 'string', minLength: 1 },
    world_clock: { type: 'string', minLength: 1 },
    facts: { type: 'array', items: { type: 'string' } },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'task', 'calls'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1 },
          kind: { enum: ['question', 'create', 'update', 'delete'] },
          task: { type: 'string', minLength: 1 },
          calls: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['tool', 'arguments'],
              additionalProperties: false,
              properties: { tool: { type: 'string', minLength: 1 }, arguments: { type: 'object' } },
            },
          },
          answer: { type: 'string', minLength: 1 },
          answer_sql: { type: 'string', minLength: 1 },
          answer_rows: { type: 'array', items: { type: 'array' } },
          end_state_sql: { type: 'string', minLength: 1 },
          traps: { type: 'string' },
        },
        if: { properties: { kind: { const: 'question' } } },
        then: { required: ['answer', 'answer_sql', 'answer_rows'], not: { required: ['end_state_sql'] } },
        else: {
          required: ['end_state_sql'],
          not: { anyOf: [{ required: ['answer_sql'] }, { required: ['answer_rows'] }] },
        },
      },
    },
  },
} as const;

/** The file's JSON as solutions, or what is wrong with it (each problem names the place). */
export function parseSolutions(value: unknown): { ok: true; value: SolutionsFile } | { ok: false; problems: string[] } {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(solutionsSchema);
  if (validate(value)) return { ok: true, value: value as unknown as SolutionsFile };
  return { ok: false, problems: [describeSchemaErrors(validate.errors ?? [], '(file)')] };
}

/** What the solutions are checked against: one built scenario. */
export interface BuiltScenario {
  readonly tasks: readonly TaskRow[];
  readonly spec: ToolSpecFile;
  /** The seed database, opened read-only. */
  readonly seed: Database;
}

/** Every disagreement between the solutions and the built scenario, in words. */
export function solutionProblems(solutions: SolutionsFile, built: BuiltScenario): string[] {
  const problems: string[] = [];
  const ids = (list: readonly { id: string }[]): string => list.map((item) => item.id).join(', ');
  if (ids(solutions.tasks) !== ids(built.tasks))
    problems.push(`the solutions cover tasks [${ids(solutions.tasks)}], the build has [${ids(built.tasks)}]`);
  const tools = new Map(built.spec.tools.map((tool) => [tool.name, tool]));
  for (const solution of solutions.tasks) {
    const say = (problem: string): number => problems.push(`${solution.id}: ${problem}`);
    const task = built.tasks.find((row) => row.id === solution.id);
    if (task !== undefined && (task.text !== solution.task || task.kind !== solution.kind))
      say(`the task is not the built one (${task.kind}: ${task.text})`);
    solution.calls.forEach((call, index) => {
      const tool = tools.get(call.tool);
      if (tool === undefined) return say(`call ${index + 1} names tool ${call.tool}, which the spec does not have`);
      const compiled = compileToolSchema(tool.input_schema);
      if (compiled.ok && !compiled.validate(call.arguments))
        say(
          `call ${index + 1} (${call.tool}) has arguments its input_schema refuses: ` +
            describeSchemaErrors(compiled.validate.errors ?? [], '(arguments)'),
        );
      return 0;
    });
    for (const problem of sqlProblems(solution, built.seed)) say(problem);
  }
  return problems;
}

function sqlProblems(solution: TaskSolution, seed: Database): string[] {
  const sql = solution.kind === 'question' ? solution.answer_sql : solution.end_state_sql;
  if (sql === undefined) return [];
  let rows: unknown[][];
  try {
    const statement = seed.prepare(sql);
    if (!statement.reader || !statement.readonly) return ['its SQL must be one read-only query'];
    rows = statement.raw(true).all() as unknown[][];
  } catch (error) {
    return [`its SQL fails on the seed: ${error instanceof Error ? error.message : String(error)}`];
  }
  const found = JSON.stringify(rows);
  if (solution.kind === 'question') {
    const expected = JSON.stringify(solution.answer_rows);
    return found === expected ? [] : [`answer_sql returns ${found} on the seed, not answer_rows ${expected}`];
  }
  if (found === '[[0]]') return [];
  if (found === '[[1]]') return ['the seed already satisfies end_state_sql: the task has nothing to do'];
  return [`end_state_sql must return one row with one column, 0 or 1; on the seed it returns ${found}`];
}

/** How deep a scenario is, as the closing notes compare it with the reference. */
export interface DepthFigures {
  readonly tables: number;
  readonly rows: number;
  readonly tools: number;
  readonly tasks: number;
  readonly meanWords: number;
  readonly meanCalls: number;
  readonly meanDistinctTools: number;
  /** Share of tasks solved with three or more calls. */
  readonly multiStepShare: number;
}

export function depthFigures(solutions: SolutionsFile, built: BuiltScenario): DepthFigures {
  const tables = built.seed
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const rows = tables.reduce(
    (sum, table) =>
      sum +
      Number(
        built.seed
          .prepare(`SELECT COUNT(*) FROM "${table.replace(/"/g, '""')}"`)
          .pluck()
          .get(),
      ),
    0,
  );
  const tasks = solutions.tasks;
  const mean = (values: readonly number[]): number =>
    values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    tables: tables.length,
    rows,
    tools: built.spec.tools.length,
    tasks: built.tasks.length,
    meanWords: mean(built.tasks.map((task) => wordCount(task.text))),
    meanCalls: mean(tasks.map((task) => task.calls.length)),
    meanDistinctTools: mean(tasks.map((task) => new Set(task.calls.map((call) => call.tool)).size)),
    multiStepShare: tasks.length === 0 ? 0 : tasks.filter((task) => task.calls.length >= 3).length / tasks.length,
  };
}
