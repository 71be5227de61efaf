// An agent's run folder as verification reads it: trajectory.json (format 1, as `awm agent` writes
// it) and the databases before and after the episode. Only what verification needs is read, and
// leniently: a field the agent adds later changes nothing here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { statOrNull } from '../util/stat-or-null.js';

export const TRAJECTORY_FILE = 'trajectory.json';
export const INITIAL_DB = 'initial.db';
export const FINAL_DB = 'final.db';

export interface ToolCallView {
  readonly name: string;
  readonly arguments: unknown;
}

export type ToolResultView = ToolCallView &
  (
    | { readonly ok: true; readonly result: unknown }
    | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } }
  );

export interface StepView {
  readonly iteration: number;
  readonly content: string;
  readonly toolCalls: readonly ToolCallView[];
  readonly toolResults: readonly ToolResultView[];
}

export interface TrajectoryView {
  readonly scenario: string | null;
  readonly taskId: string | null;
  readonly task: string;
  readonly finalAnswer: string | null;
  /** Why the episode ended (`final_answer`, `max_iterations`, …), when the trajectory says. */
  readonly stopReason: string | null;
  readonly steps: readonly StepView[];
  /** Why the run has no databases, when it says (an agent run against a foreign MCP server). */
  readonly databaseNote: string | null;
}

/** A run to verify: its trajectory and its database files (null where absent). */
export interface RunFiles {
  readonly trajectory: TrajectoryView;
  readonly initialPath: string | null;
  readonly finalPath: string | null;
}

export interface RunFolderProblem {
  readonly code: 'no-run-folder' | 'no-trajectory' | 'bad-trajectory';
  readonly message: string;
}

export function readRunFolder(dir: string): Result<RunFiles, RunFolderProblem> {
  if (!statOrNull(dir)?.isDirectory())
    return err({ code: 'no-run-folder', message: `${dir} is not a folder (a run folder of \`awm agent\`)` });
  const path = join(dir, TRAJECTORY_FILE);
  if (!statOrNull(path)?.isFile())
    return err({
      code: 'no-trajectory',
      message: `${dir} has no ${TRAJECTORY_FILE}: it is not a finished run folder of \`awm agent\``,
    });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return err({ code: 'bad-trajectory', message: `${path} is not JSON: ${(error as Error).message}` });
  }
  const trajectory = readTrajectory(value);
  if (!trajectory.ok)
    return err({ code: 'bad-trajectory', message: `${path} is not a trajectory: ${trajectory.error.join('; ')}` });
  const file = (name: string): string | null => (statOrNull(join(dir, name))?.isFile() ? join(dir, name) : null);
  return ok({ trajectory: trajectory.value, initialPath: file(INITIAL_DB), finalPath: file(FINAL_DB) });
}

/** The parts of trajectory.json verification reads; every problem at once. */
export function readTrajectory(value: unknown): Result<TrajectoryView, string[]> {
  if (!isRecord(value)) return err(['it must be a JSON object']);
  const problems: string[] = [];
  if (value['format'] !== undefined && value['format'] !== 1)
    problems.push(`format ${JSON.stringify(value['format'])} is not one this awm reads (1)`);
  const text = (key: string, nullable: boolean): string | null => {
    const field = value[key];
    if (typeof field === 'string') return field;
    if (nullable && (field === null || field === undefined)) return null;
    problems.push(`"${key}" must be text${nullable ? ' or null' : ''}`);
    return null;
  };
  const task = text('task', false) ?? '';
  const scenario = text('scenario', true);
  const taskId = text('task_id', true);
  const finalAnswer = text('final_answer', true);
  const stopReason = text('stop_reason', true);
  const steps = Array.isArray(value['steps'])
    ? value['steps'].map((step, index) => readStep(step, index, problems))
    : [];
  if (!Array.isArray(value['steps'])) problems.push('"steps" must be a list');
  const databases = value['databases'];
  const note = isRecord(databases) && typeof databases['note'] === 'string' ? databases['note'] : null;
  if (problems.length > 0) return err(problems);
  return ok({ scenario, taskId, task, finalAnswer, stopReason, steps, databaseNote: note });
}

function readStep(step: unknown, index: number, problems: string[]): StepView {
  const where = `steps[${index}]`;
  if (!isRecord(step)) {
    problems.push(`${where} must be an object`);
    return { iteration: index + 1, content: '', toolCalls: [], toolResults: [] };
  }
  const assistant = isRecord(step['assistant']) ? step['assistant'] : {};
  const calls = Array.isArray(assistant['tool_calls']) ? assistant['tool_calls'] : [];
  const results = Array.isArray(step['tool_results']) ? step['tool_results'] : [];
  return {
    iteration: typeof step['iteration'] === 'number' ? step['iteration'] : index + 1,
    content: typeof assistant['content'] === 'string' ? assistant['content'] : '',
    toolCalls: calls
      .filter(isRecord)
      .map((call) => ({ name: String(call['name'] ?? ''), arguments: call['arguments'] })),
    toolResults: results.filter(isRecord).map(readToolResult),
  };
}

function readToolResult(result: Record<string, unknown>): ToolResultView {
  const call = { name: String(result['name'] ?? ''), arguments: result['arguments'] };
  if (result['ok'] === true) return { ...call, ok: true, result: result['result'] };
  const error = isRecord(result['error']) ? result['error'] : {};
  return {
    ...call,
    ok: false,
    error: { code: String(error['code'] ?? 'unknown'), message: String(error['message'] ?? '') },
  };
}
