// Tasks are the scenario's functional requirements: the schema, the sample data and the tool
// surface are all built so that an agent can carry them out.
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { readScenario, type TaskKind, type TaskRow } from '../src/synthesis/artifacts.js';
import { normalizeTaskText, taskTextProblems } from '../src/synthesis/task-rules.js';

export interface TasksParams {
  readonly count: number;
}

export interface TasksAnswer {
  readonly tasks: readonly { readonly kind: TaskKind; readonly task: string }[];
}

const KINDS: readonly TaskKind[] = ['question', 'create', 'update', 'delete'];

export const tasksAnswerSchema = {
  type: 'object',
  required: ['tasks'],
  additionalProperties: false,
  properties: {
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'task'],
        additionalProperties: false,
        properties: { kind: { enum: KINDS }, task: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

/** Exactly `count` single-sentence tasks, no auth, no repeats, questions and changes both present. */
export function checkTasks(answer: TasksAnswer, count: number): CheckOutcome {
  const errors: string[] = [];
  if (answer.tasks.length !== count) errors.push(`expected exactly ${count} tasks, got ${answer.tasks.length}`);
  const seen = new Map<string, number>();
  answer.tasks.forEach((task, index) => {
    for (const problem of taskTextProblems(task.task)) errors.push(`task ${index + 1} ${problem}: ${task.task}`);
    const key = normalizeTaskText(task.task);
    const first = seen.get(key);
    if (first !== undefined) errors.push(`task ${index + 1} repeats task ${first + 1}; every task must be different`);
    else seen.set(key, index);
  });
  errors.push(...kindMixProblems(answer, count));
  return errors.length === 0 ? { ok: true } : { ok: false, errors, score: errors.length };
}

function kindMixProblems(answer: TasksAnswer, count: number): string[] {
  if (count < 2) return [];
  const questions = answer.tasks.filter((task) => task.kind === 'question').length;
  const changes = answer.tasks.length - questions;
  const problems: string[] = [];
  if (questions === 0) problems.push('no task is a question; mix questions (answered from the data) with changes');
  if (changes === 0) problems.push('no task changes anything; mix changes (create, update, delete) with questions');
  return problems;
}

/** `task_00`, `task_01`, …: zero-padded so ids sort in answer order. */
export function taskRows(answer: TasksAnswer): TaskRow[] {
  const width = Math.max(2, String(answer.tasks.length - 1).length);
  return answer.tasks.map((task, index) => ({
    id: `task_${String(index).padStart(width, '0')}`,
    kind: task.kind,
    text: task.task,
  }));
}

export default llmStage<TasksParams, TasksAnswer>({
  description: 'Asks for the tasks an agent should be able to do in the scenario',
  llm: { maxTokens: 16000, timeoutS: 300, maxTokensCap: 32000 },
  params: {
    count: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Tasks per scenario' },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    return [
      'tasks',
      { scenario_name: scenario.name, scenario_description: scenario.description, count: String(context.params.count) },
    ];
  },
  answer: tasksAnswerSchema,
  check: (answer, context) => checkTasks(answer, context.params.count),
  failure: (context) => `no acceptable list of ${context.params.count} tasks`,
  write: (answer, context) => context.outputs.writeJson('tasks', taskRows(answer)),
});
