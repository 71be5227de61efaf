// The loop every LLM stage follows:
//
//   request ─▶ answer ─▶ extract JSON ─▶ schema ─▶ stage check ─▶ passed
//      ▲  ▲        │            │              │           │
//      │  │        │ cut off    └── original messages + previous answer + its problems
//      │  └────────┘ (finish_reason: length): the original messages again, max_tokens doubled
//      │             up to max_tokens_cap; already at the cap, the loop ends at once
//      └── (up to maxAttempts requests in all)
//
// A cut-off answer is never repaired: with the same budget the model would be cut off again, so
// it is asked for anew with more room. The best attempt is kept (schema-valid with the lowest check
// score, else the fewest errors) and every attempt is returned as an AttemptRecord for the
// instance's log. A transport error ends the loop at once: the transport has already retried what
// could be retried.
import type { Result } from '../util/result.js';
import { evaluateAnswer, type Evaluation } from './evaluate-answer.js';
import { repairMessage } from './repair-message.js';
import type {
  AttemptRecord,
  ChatAnswer,
  ChatMessage,
  ChatRequest,
  LlmError,
  ModelChoice,
  RequestTag,
  StructuredRequest,
  StructuredResult,
} from './types.js';

export type ChatFunction = (
  request: ChatRequest,
  tag: RequestTag,
  signal?: AbortSignal,
) => Promise<Result<ChatAnswer, LlmError>>;

export interface StructuredLoopContext {
  readonly chat: ChatFunction;
  readonly model: ModelChoice;
  readonly stage: string;
  readonly scenario: string | null;
}

/** Where a cut-off answer came from and what it had, for its message. */
interface CutOff {
  readonly tag: RequestTag;
  readonly maxTokens: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

type Failed<T> = Exclude<Evaluation<T>, { stage: 'passed' }>;

interface Best<T> {
  readonly attempt: number;
  readonly evaluation: Failed<T>;
}

export async function runStructuredLoop<T>(
  request: StructuredRequest<T>,
  context: StructuredLoopContext,
): Promise<StructuredResult<T>> {
  const maxAttempts = request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new Error(`internal error: maxAttempts must be a positive integer, got ${maxAttempts}`);
  const attempts: AttemptRecord[] = [];
  let best: Best<T> | null = null;
  let messages = request.messages;
  let maxTokens = context.model.maxTokens;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const tag: RequestTag = { stage: context.stage, scenario: context.scenario, item: request.item ?? null, attempt };
    // Stopped (the first Ctrl-C): send nothing new. A request in flight is never cut off here, so
    // its answer, once paid for, reaches the response cache.
    if (request.signal?.aborted) {
      const stopped: LlmError = { kind: 'cancelled', message: 'the build was stopped, so no further request was sent' };
      attempts.push(transportRecord(attempt, maxTokens, stopped));
      return { ok: false, failure: 'llm', message: stopped.message, best: bestValue(best), attempts };
    }
    const answer = await context.chat(chatRequest(context.model, messages, maxTokens), tag);
    if (!answer.ok) {
      attempts.push(transportRecord(attempt, maxTokens, answer.error));
      return { ok: false, failure: 'llm', message: answer.error.message, best: bestValue(best), attempts };
    }
    // A cut-off answer is asked for anew with max_tokens doubled (up to the cap), never repaired.
    const cutOff = answer.value.finishReason === 'length';
    const raised = cutOff ? Math.min(maxTokens * 2, context.model.maxTokensCap) : maxTokens;
    const evaluation = cutOff
      ? cutOffEvaluation<T>({ tag, maxTokens }, raised > maxTokens && attempt < maxAttempts ? raised : null)
      : await evaluateAnswer(answer.value, request.schema, request.check);
    attempts.push(attemptRecord(attempt, maxTokens, answer.value, evaluation));
    if (evaluation.stage === 'passed')
      return { ok: true, value: evaluation.value, warnings: evaluation.warnings, attempts };
    if (best === null || isBetter(evaluation, best.evaluation)) best = { attempt, evaluation };
    if (cutOff && raised === maxTokens) return cutOffAtCap({ tag, maxTokens }, best, attempts);
    messages = cutOff
      ? request.messages
      : [
          ...request.messages,
          { role: 'assistant', content: answer.value.text },
          { role: 'user', content: repairMessage(evaluation.errors, attempt, maxAttempts) },
        ];
    maxTokens = raised;
  }
  // The loop ran at least once and never passed, so there is a best attempt.
  return failure(best!, attempts, maxAttempts, context.stage);
}

/** `stage spec, scenario online_bookstore, item x`: which instance (and which of its requests). */
function instanceWords(tag: RequestTag): string {
  return [
    `stage ${tag.stage}`,
    ...(tag.scenario === null ? [] : [`scenario ${tag.scenario}`]),
    ...(tag.item === null ? [] : [`item ${tag.item}`]),
  ].join(', ');
}

/** A cut-off answer as a failed attempt: never parsed, since closing its brackets would invent a shorter answer. */
function cutOffEvaluation<T>(cutOff: CutOff, retryWith: number | null): Failed<T> {
  const retrying = retryWith === null ? '' : `; retrying with max_tokens ${retryWith}`;
  return { stage: 'parse', errors: [cutOffMessage(cutOff) + retrying], repairs: [] };
}

function cutOffMessage(cutOff: CutOff): string {
  return `${instanceWords(cutOff.tag)}: the answer was cut off at max_tokens ${cutOff.maxTokens} (finish_reason: length)`;
}

/** Cut off with the most room the stage allows: another request would be cut off too, so none is sent. */
function cutOffAtCap<T>(cutOff: CutOff, best: Best<T>, attempts: readonly AttemptRecord[]): StructuredResult<T> {
  const stage = cutOff.tag.stage;
  return {
    ok: false,
    failure: best.evaluation.stage,
    message:
      `${cutOffMessage(cutOff)}, and max_tokens_cap allows no more; raise stages.${stage}.llm.max_tokens or ` +
      `stages.${stage}.llm.max_tokens_cap in awm.pipeline.yaml if the answer needs more room`,
    best: bestValue(best),
    attempts,
  };
}

function chatRequest(model: ModelChoice, messages: readonly ChatMessage[], maxTokens: number): ChatRequest {
  return {
    model: model.model,
    messages,
    ...(model.temperature === null ? {} : { temperature: model.temperature }),
    max_tokens: maxTokens,
    ...(model.reasoningEffort === null ? {} : { reasoning_effort: model.reasoningEffort }),
    json: true,
  };
}

/** Schema-valid beats not; then the lower check score; then fewer errors; ties keep the earlier. */
function isBetter<T>(candidate: Failed<T>, incumbent: Failed<T>): boolean {
  const rank = (evaluation: Failed<T>): readonly number[] => [
    { check: 0, validation: 1, parse: 2 }[evaluation.stage],
    evaluation.stage === 'check' ? (evaluation.score ?? Number.POSITIVE_INFINITY) : 0,
    evaluation.errors.length,
  ];
  const [left, right] = [rank(candidate), rank(incumbent)];
  const differing = left.findIndex((value, index) => value !== right[index]);
  return differing >= 0 && left[differing]! < right[differing]!;
}

function bestValue<T>(best: Best<T> | null): { readonly value: T; readonly errors: readonly string[] } | null {
  if (best === null || best.evaluation.stage !== 'check') return null;
  return { value: best.evaluation.value, errors: best.evaluation.errors };
}

function failure<T>(
  best: Best<T>,
  attempts: readonly AttemptRecord[],
  maxAttempts: number,
  stageName: string,
): StructuredResult<T> {
  const { stage, errors } = best.evaluation;
  const what = {
    check: "failed the stage's check",
    validation: 'did not match the schema',
    parse: 'was not usable JSON',
  }[stage];
  const shown = errors.slice(0, 5).join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : '');
  const cutOff = attempts.some((record) => record.finishReason === 'length')
    ? ` Some answers were cut off: raise stages.${stageName}.llm.max_tokens in awm.pipeline.yaml if answers need more room.`
    : '';
  return {
    ok: false,
    failure: stage,
    message: `none of the ${maxAttempts} attempts passed; the best (attempt ${best.attempt}) ${what}: ${shown}.${cutOff}`,
    best: bestValue(best),
    attempts,
  };
}

function attemptRecord<T>(
  attempt: number,
  maxTokens: number,
  answer: ChatAnswer,
  evaluation: Evaluation<T>,
): AttemptRecord {
  const passed = evaluation.stage === 'passed';
  return {
    attempt,
    maxTokens,
    cached: answer.cached,
    usage: answer.usage,
    answer: answer.text,
    finishReason: answer.finishReason,
    repairs: evaluation.repairs,
    stage: evaluation.stage,
    errors: passed ? [] : evaluation.errors,
    warnings: passed ? evaluation.warnings : [],
  };
}

function transportRecord(attempt: number, maxTokens: number, error: LlmError): AttemptRecord {
  return {
    attempt,
    maxTokens,
    cached: false,
    usage: { promptTokens: 0, completionTokens: 0 },
    answer: null,
    finishReason: null,
    repairs: [],
    stage: 'llm',
    errors: [`${error.kind}: ${error.message}`],
    warnings: [],
  };
}
