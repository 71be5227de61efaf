// What the judge reads of a run: each step's words and tool calls with their arguments and what came
// back, within a token budget. Every long text (a tool listing, a page of rows) is cut first; then,
// if the steps still do not fit, the first step and as many of the last as fit are kept and the
// middle is replaced by a note saying what was left out: the end of a run decides its verdict.
import type { StepView, ToolResultView, TrajectoryView } from './run-folder.js';

export interface JudgeBudget {
  /** The steps together, in the judge model's tokens. */
  readonly stepsTokens: number;
  /** The facts (pretty JSON), in tokens. */
  readonly factsTokens: number;
  /** One text inside a step (what the agent wrote, a call's arguments, its result), in characters. */
  readonly textChars: number;
  /** The final answer, in characters. */
  readonly answerChars: number;
}

export const DEFAULT_JUDGE_BUDGET: JudgeBudget = {
  stepsTokens: 24_000,
  factsTokens: 12_000,
  textChars: 3_000,
  answerChars: 8_000,
};

/** The host's codes for failures of the environment rather than of the call (src/env/tool-error-codes.ts). */
export const ENVIRONMENT_FAILURE_CODES: ReadonlySet<string> = new Set([
  'internal_error',
  'invalid_result',
  'timeout',
  'unavailable',
]);

export type CountTokens = (text: string) => number;

/** The steps as the judge reads them, fitted to `budget.stepsTokens`. */
export function describeSteps(trajectory: TrajectoryView, budget: JudgeBudget, count: CountTokens): string {
  if (trajectory.steps.length === 0) return '(no steps: the agent did nothing)';
  const steps = trajectory.steps.map((step) => describeStep(step, budget.textChars));
  const sizes = steps.map(count);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= budget.stepsTokens) return steps.join('\n\n');
  // The first step (when it leaves room for the end), then the latest steps that still fit.
  const kept = new Set<number>();
  let used = 0;
  if (sizes[0]! <= budget.stepsTokens / 2) {
    kept.add(0);
    used = sizes[0]!;
  }
  for (let index = steps.length - 1; index > 0; index -= 1) {
    if (used + sizes[index]! > budget.stepsTokens) break;
    kept.add(index);
    used += sizes[index]!;
  }
  if (!kept.has(steps.length - 1)) {
    // Even the last step alone is too long: it is cut, and all before it left out.
    const earlier = steps.length - 1;
    const note =
      earlier === 0
        ? []
        : [`[the ${earlier} earlier step${earlier === 1 ? '' : 's'} left out to fit the judge's budget]`];
    return [...note, cutToTokens(steps.at(-1)!, budget.stepsTokens - 50, count)].join('\n\n');
  }
  const out: string[] = [];
  let omitted: number[] = [];
  const flush = (): void => {
    if (omitted.length === 0) return;
    const calls = omitted.reduce((sum, index) => sum + trajectory.steps[index]!.toolResults.length, 0);
    out.push(
      `[${omitted.length} step${omitted.length === 1 ? '' : 's'} (${calls} tool call${calls === 1 ? '' : 's'}) left out here to fit the judge's budget]`,
    );
    omitted = [];
  };
  steps.forEach((text, index) => {
    if (kept.has(index)) {
      flush();
      out.push(text);
    } else omitted.push(index);
  });
  flush();
  return out.join('\n\n');
}

function describeStep(step: StepView, textChars: number): string {
  const lines = [`### Step ${step.iteration}`];
  if (step.content.trim() !== '') lines.push(`The agent wrote: ${cutText(step.content.trim(), textChars)}`);
  for (const result of step.toolResults) lines.push(...describeResult(result, textChars));
  if (step.toolResults.length === 0)
    for (const call of step.toolCalls)
      lines.push(`It called ${call.name} ${cutText(json(call.arguments), textChars)} (no result was recorded)`);
  else if (step.toolCalls.length > step.toolResults.length) {
    const notRun = step.toolCalls.length - step.toolResults.length;
    lines.push(`(${notRun} more call${notRun === 1 ? '' : 's'} written in this turn did not run)`);
  }
  if (step.toolCalls.length === 0 && step.toolResults.length === 0) lines.push('It called no tool.');
  return lines.join('\n');
}

function describeResult(result: ToolResultView, textChars: number): string[] {
  const call = `It called ${result.name} ${cutText(json(result.arguments), textChars)}`;
  if (result.ok) return [call, `  → ok: ${cutText(json(result.result), textChars)}`];
  const { code, message } = result.error;
  const kind = ENVIRONMENT_FAILURE_CODES.has(code) ? ' (an environment failure)' : '';
  return [call, `  → error ${code}${kind}: ${cutText(message, textChars)}`];
}

/** One line on the calls: how many, how many failed, and with which codes. */
export function describeCalls(trajectory: TrajectoryView): string {
  const results = trajectory.steps.flatMap((step) => step.toolResults);
  const failed = results.filter((result) => !result.ok);
  const steps = `${trajectory.steps.length} step${trajectory.steps.length === 1 ? '' : 's'}`;
  const calls = `${results.length} tool call${results.length === 1 ? '' : 's'}`;
  if (failed.length === 0) return `${steps}, ${calls}, none failed.`;
  const byCode = new Map<string, number>();
  for (const result of failed) if (!result.ok) byCode.set(result.error.code, (byCode.get(result.error.code) ?? 0) + 1);
  const codes = [...byCode]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([code, times]) => `${code} × ${times}${ENVIRONMENT_FAILURE_CODES.has(code) ? ' (environment failure)' : ''}`);
  return `${steps}, ${calls}, ${failed.length} failed: ${codes.join(', ')}.`;
}

/** A long text cut at `max` characters, saying how much was cut. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

/** A text cut to about `budget` tokens (never more), saying that it was cut. */
export function cutToTokens(text: string, budget: number, count: CountTokens): string {
  const size = count(text);
  if (size <= budget) return text;
  let length = Math.floor(text.length * (budget / size) * 0.95);
  while (length > 0) {
    const cut = `${text.slice(0, length)}… [cut to fit the judge's budget of ${budget} tokens]`;
    if (count(cut) <= budget) return cut;
    length = Math.floor(length * 0.8);
  }
  return `[left out: ${size} tokens, over the judge's budget of ${budget}]`;
}

function json(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
