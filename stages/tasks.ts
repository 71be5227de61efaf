// Tasks are the scenario's functional requirements: the schema, the sample data and the tool
// surface are all built so that an agent can carry them out. Tasks are dated against the world
// clock (the prompt shows it), and a change that schedules something on a day before it is refused.
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { readScenario, type TaskKind, type TaskRow } from '../src/synthesis/artifacts.js';
import { scheduledInThePast } from '../src/synthesis/task-dates.js';
import { normalizeTaskText, taskTextProblems, wordCount } from '../src/synthesis/task-rules.js';
import { describeWorldClock } from '../src/synthesis/time-placeholder-guide.js';

export interface TasksParams {
  readonly count: number;
  readonly min_words: number;
  readonly max_words: number;
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

/** What the check needs besides the answer. */
export interface TaskRules {
  readonly count: number;
  readonly worldClock: Date;
  /** The soft length target: only reported, never refused. */
  readonly minWords: number;
  readonly maxWords: number;
}

/**
 * At least `count` single-sentence tasks (more are fine: the first `count` are kept, as the
 * reference does), no auth, no repeats, questions and changes both present, nothing scheduled in
 * the world's past. Word counts outside the target are warnings.
 */
export function checkTasks(answer: TasksAnswer, rules: TaskRules): CheckOutcome {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (answer.tasks.length < rules.count)
    errors.push(`expected ${rules.count} tasks, got ${answer.tasks.length}; write exactly ${rules.count}`);
  if (answer.tasks.length > rules.count)
    warnings.push(`the answer has ${answer.tasks.length} tasks; the first ${rules.count} are kept`);
  const kept = keptTasks(answer, rules.count);
  const seen = new Map<string, number>();
  kept.tasks.forEach((task, index) => {
    for (const problem of taskTextProblems(task.task)) errors.push(`task ${index + 1} ${problem}: ${task.task}`);
    for (const date of scheduledInThePast(task.task, task.kind, rules.worldClock))
      errors.push(
        `task ${index + 1} schedules something on ${date.text} (${date.day}), before the world's present ` +
          `(${rules.worldClock.toISOString().slice(0, 10)}); date it on or after that day: ${task.task}`,
      );
    const key = normalizeTaskText(task.task);
    const first = seen.get(key);
    if (first !== undefined) errors.push(`task ${index + 1} repeats task ${first + 1}; every task must be different`);
    else seen.set(key, index);
  });
  errors.push(...kindMixProblems(kept, rules.count));
  if (errors.length > 0) return { ok: false, errors, score: errors.length };
  warnings.push(...lengthWarnings(kept, rules));
  return warnings.length === 0 ? { ok: true } : { ok: true, warnings };
}

/** The first `count` tasks of the answer. */
export function keptTasks(answer: TasksAnswer, count: number): TasksAnswer {
  return answer.tasks.length > count ? { tasks: answer.tasks.slice(0, count) } : answer;
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

function lengthWarnings(answer: TasksAnswer, rules: TaskRules): string[] {
  const counts = answer.tasks.map((task) => wordCount(task.task));
  if (counts.length === 0) return [];
  const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
  const outside = counts.filter((count) => count < rules.minWords || count > rules.maxWords).length;
  if (outside === 0) return [];
  return [
    `${outside} of ${counts.length} tasks are outside the target of ${rules.minWords}-${rules.maxWords} words ` +
      `(mean ${mean.toFixed(1)}); short tasks tend to leave out values the agent needs`,
  ];
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
  usesWorldClock: true,
  llm: { maxTokens: 16000, timeoutS: 300, maxTokensCap: 32000 },
  params: {
    count: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Tasks per scenario' },
    min_words: { type: 'integer', minimum: 1, default: 25, description: 'Shortest task the log does not warn about' },
    max_words: { type: 'integer', minimum: 1, default: 40, description: 'Longest task the log does not warn about' },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    return [
      'tasks',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        count: String(context.params.count),
        world_clock: describeWorldClock(context.worldClockInstant),
        min_words: String(context.params.min_words),
        max_words: String(context.params.max_words),
      },
    ];
  },
  answer: tasksAnswerSchema,
  check: (answer, context) =>
    checkTasks(answer, {
      count: context.params.count,
      worldClock: context.worldClockInstant,
      minWords: context.params.min_words,
      maxWords: context.params.max_words,
    }),
  failure: (context) => `no acceptable list of ${context.params.count} tasks`,
  write: (answer, context) => context.outputs.writeJson('tasks', taskRows(keptTasks(answer, context.params.count))),
});
