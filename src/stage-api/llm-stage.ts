// The common LLM stage, declared rather than written: one request, rendered from one prompt →
// the answer checked against a JSON Schema and the stage's local check, repaired with feedback up
// to `max_attempts` → written. The engine renders the request once and sends exactly the text whose
// hash is in the fingerprint (RunContext.requests), so the fingerprint is honest by construction.
//
//   prompt(context) ──render──▶ requests ──▶ LLM ──▶ answer ─▶ schema ─▶ check ─▶ write(answer)
//                                             ▲                           │ failed
//                                             └── problems fed back ◀─────┘
import type { CheckOutcome, StageLlmDefaults } from '../llm/types.js';
import { renderPrompt } from './render-prompt.js';
import type { RenderContext, RunContext, StageDefinition, StageRunResult } from './stage.js';
import { stageFailure } from './stage-failure.js';

/** The param every LLM stage takes. */
export interface LlmStageParams {
  readonly max_attempts: number;
}

/** JSON Schema of `max_attempts`: requests in all for one answer, repairs included. */
export function maxAttemptsParam(defaultAttempts = 5): object {
  return { type: 'integer', minimum: 1, default: defaultAttempts, description: 'Requests in all, repairs included' };
}

export interface LlmStageSpec<Params, Answer> {
  /** One line for `awm dag` and the docs. */
  readonly description: string;
  /** Whether the world clock joins the fingerprint (the stage reads `worldClock`). */
  readonly usesWorldClock?: boolean;
  /** The stage's defaults for its request: max_tokens, its cap, timeout (awm.pipeline.yaml overrides). */
  readonly llm?: StageLlmDefaults;
  /** The stage's own params: name → JSON Schema with its default. `max_attempts` is added. */
  readonly params?: Readonly<Record<string, object>>;
  /** The one request: the name of its prompt (under `prompts:` in the pipeline) and its values. */
  prompt(
    context: RenderContext<Params & LlmStageParams>,
  ): readonly [prompt: string, values: Readonly<Record<string, string>>];
  /** JSON Schema the answer must satisfy. */
  readonly answer: object;
  /** The local check of a schema-valid answer; its errors are fed back on the next attempt. */
  check(answer: Answer, context: RunContext<Params & LlmStageParams>): CheckOutcome | Promise<CheckOutcome>;
  /** What is missing when every attempt failed, e.g. `no schema that runs in SQLite`. */
  readonly failure: string | ((context: RunContext<Params & LlmStageParams>) => string);
  /** Writes the accepted answer to the stage's outputs; may return the one-line summary of what its check found. */
  write(answer: Answer, context: RunContext<Params & LlmStageParams>): Promise<void | string>;
}

export function llmStage<Params, Answer>(spec: LlmStageSpec<Params, Answer>): StageDefinition<Params & LlmStageParams> {
  return {
    description: spec.description,
    usesLlm: true,
    ...(spec.usesWorldClock ? { usesWorldClock: true } : {}),
    ...(spec.llm ? { llm: spec.llm } : {}),
    params: {
      type: 'object',
      additionalProperties: false,
      properties: { ...spec.params, max_attempts: maxAttemptsParam() },
    },
    render(context) {
      const [name, values] = spec.prompt(context);
      return { [name]: renderPrompt(context, name, values) };
    },
    async run(context): Promise<StageRunResult> {
      const request = onlyRequest(context);
      const result = await context.llm.structured<Answer>({
        // A per-task stage's request is named by its task (the offline demo's file is <stage>.<task>.json).
        ...(context.task === null ? {} : { item: context.task }),
        messages: [{ role: 'user', content: request }],
        schema: spec.answer,
        check: (answer) => spec.check(answer, context),
        maxAttempts: context.params.max_attempts,
        signal: context.signal,
      });
      if (!result.ok)
        return stageFailure(typeof spec.failure === 'string' ? spec.failure : spec.failure(context), result);
      const summary = await spec.write(result.value, context);
      return { status: 'ok', warnings: result.warnings, ...(typeof summary === 'string' ? { summary } : {}) };
    },
  };
}

function onlyRequest(context: RunContext<unknown>): string {
  const texts = Object.values(context.requests);
  if (texts.length !== 1 || texts[0] === undefined) {
    throw new Error(
      `internal error: an llmStage renders one request, but stage "${context.stage}" was given ${texts.length}`,
    );
  }
  return texts[0];
}
