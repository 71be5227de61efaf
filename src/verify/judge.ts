// The LLM judge of sql mode: from the task, what the agent did, its final answer, the facts the
// task's fact gatherer read from the databases, and the verifier's reasoning and criteria, it
// classifies the run as complete | incomplete | server_error | agent_error, with a confidence for
// each and its evidence. The request is prompts/judge.md; the answer is schema-checked and repaired
// by the LLM layer's structured loop (retries with feedback, a raised budget after a cut-off).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tokenCounterFor } from '../llm/token-count.js';
import type { AttemptRecord, LlmSession, StageLlmDefaults } from '../llm/types.js';
import { parsePromptTemplate, type ParsedPromptTemplate } from '../stage-api/prompt-template.js';
import {
  cutText,
  cutToTokens,
  describeCalls,
  describeSteps,
  DEFAULT_JUDGE_BUDGET,
  type JudgeBudget,
} from './judge-trajectory.js';
import type { TrajectoryView } from './run-folder.js';
import type { VerifierFile } from './verifier-file.js';

/** The stage name the judge's requests carry (log lines, the response cache's tags, usage). */
export const JUDGE_STAGE = 'judge';

/**
 * Room for a reasoning model to think before it answers (the reference's 4,096 tokens without a
 * retry could leave one with an empty reply): a cut-off answer is asked for again with 32,000.
 */
export const JUDGE_LLM_DEFAULTS: StageLlmDefaults = { maxTokens: 16_000, maxTokensCap: 32_000, timeoutS: 600 };

export const JUDGE_CLASSES = ['complete', 'incomplete', 'server_error', 'agent_error'] as const;
export type JudgeClass = (typeof JUDGE_CLASSES)[number];

export interface JudgeAnswer {
  readonly reasoning: string;
  readonly classification: JudgeClass;
  readonly confidence: Readonly<Record<JudgeClass, number>>;
  readonly evidence: {
    readonly error_signals: readonly string[];
    readonly last_actions: readonly string[];
    readonly database_verification: string;
    readonly [more: string]: unknown;
  };
}

const texts = { type: 'array', items: { type: 'string' } } as const;

export const judgeAnswerSchema = {
  type: 'object',
  required: ['reasoning', 'classification', 'confidence', 'evidence'],
  properties: {
    reasoning: { type: 'string', minLength: 1 },
    classification: { type: 'string', enum: JUDGE_CLASSES },
    confidence: {
      type: 'object',
      required: JUDGE_CLASSES,
      additionalProperties: false,
      properties: Object.fromEntries(JUDGE_CLASSES.map((name) => [name, { type: 'number', minimum: 0, maximum: 1 }])),
    },
    evidence: {
      type: 'object',
      required: ['error_signals', 'last_actions', 'database_verification'],
      properties: { error_signals: texts, last_actions: texts, database_verification: { type: 'string' } },
    },
  },
} as const;

export interface JudgeInput {
  readonly trajectory: TrajectoryView;
  readonly verifier: VerifierFile;
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface JudgeUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  /** Requests the judge made (repairs included), and how many of them the response cache answered. */
  readonly attempts: number;
  readonly cached: number;
}

export type JudgeOutcome =
  | { readonly ok: true; readonly answer: JudgeAnswer; readonly model: string; readonly usage: JudgeUsage }
  | { readonly ok: false; readonly message: string; readonly model: string; readonly usage: JudgeUsage };

const TEMPLATE_URL = new URL('../../../prompts/judge.md', import.meta.url);
let template: ParsedPromptTemplate | null = null;

/** The judge's request (one user message), every text fitted to the budget in the judge model's tokens. */
export async function judgePrompt(
  input: JudgeInput,
  model: string,
  budget: JudgeBudget = DEFAULT_JUDGE_BUDGET,
): Promise<string> {
  template ??= parsePromptTemplate('prompts/judge.md', readFileSync(fileURLToPath(TEMPLATE_URL), 'utf8'));
  const counter = await tokenCounterFor(model);
  const { trajectory, verifier } = input;
  const answer = trajectory.finalAnswer;
  return template.render({
    world_clock: verifier.worldClock,
    task_id: verifier.taskId,
    task_kind: verifier.kind,
    task: trajectory.task,
    verifier_reasoning: verifier.reasoning,
    success_criteria: verifier.successCriteria,
    failure_criteria: verifier.failureCriteria,
    facts: cutToTokens(JSON.stringify(input.facts, null, 2), budget.factsTokens, counter.text),
    call_summary: describeCalls(trajectory),
    stop_reason: trajectory.stopReason ?? 'unknown',
    steps: describeSteps(trajectory, budget, counter.text),
    final_answer:
      answer === null || answer.trim() === ''
        ? '(none: the agent gave no final answer)'
        : cutText(answer.trim(), budget.answerChars),
  });
}

/** Asks the judge; its answer passed the schema, or why there is none (after the loop's retries). */
export async function askJudge(
  session: LlmSession,
  input: JudgeInput,
  options: { readonly budget?: JudgeBudget; readonly signal?: AbortSignal; readonly maxAttempts?: number } = {},
): Promise<JudgeOutcome> {
  // A session without a model fails its first request anyway; any name counts tokens (o200k) meanwhile.
  const content = await judgePrompt(input, session.model || 'unknown', options.budget);
  const result = await session.structured<JudgeAnswer>({
    item: input.verifier.taskId,
    messages: [{ role: 'user', content }],
    schema: judgeAnswerSchema,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const usage = usageOf(result.attempts);
  if (!result.ok) return { ok: false, message: result.message, model: session.model, usage };
  return { ok: true, answer: tidy(result.value), model: session.model, usage };
}

/** Only the fields the schema names: a model's extra keys are not carried into verify.sql.json. */
function tidy(answer: JudgeAnswer): JudgeAnswer {
  return {
    reasoning: answer.reasoning,
    classification: answer.classification,
    confidence: Object.fromEntries(JUDGE_CLASSES.map((name) => [name, answer.confidence[name]])) as Record<
      JudgeClass,
      number
    >,
    evidence: answer.evidence,
  };
}

function usageOf(attempts: readonly AttemptRecord[]): JudgeUsage {
  return {
    prompt_tokens: attempts.reduce((sum, attempt) => sum + attempt.usage.promptTokens, 0),
    completion_tokens: attempts.reduce((sum, attempt) => sum + attempt.usage.completionTokens, 0),
    attempts: attempts.length,
    cached: attempts.filter((attempt) => attempt.cached).length,
  };
}
