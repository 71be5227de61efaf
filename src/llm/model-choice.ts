// What a stage sends: its model and sampling settings (which join its fingerprint) and its budget
// (answer tokens, the cap a cut-off answer's retry may raise them to, the timeout). Each key comes
// from the most specific place that sets it:
//
//   the stage's llm: › the pipeline's llm: (when written there) › the stage module's llm › built-in
//
// AWM_SYN_OVERRIDE_MODEL beats every model setting, and the offline demo provider always reports
// its own model name, so a demo build's fingerprints never pass for a real model's output. Needs no
// client: `awm status` and `awm check` use it to fingerprint without calling anything.
import type { LlmSettings } from '../config/types.js';
import { err, ok, type Result } from '../util/result.js';
import { DEMO_MODEL } from './demo-provider.js';
import { resolveLlmEnvironment, type Env, type LlmEnvironment } from './environment.js';
import type { Llm, LlmError, ModelChoice, StageLlmSources } from './types.js';

/** What a stage gets when nothing sets a key. */
export const BUILT_IN_STAGE_LLM = { maxTokens: 16_000, timeoutS: 300 } as const;

/** The model rule for these settings and this environment (problems in the environment become config errors). */
export function modelChooser(settings: LlmSettings, env: Env): Pick<Llm, 'modelFor'> {
  const environment = resolveLlmEnvironment(env);
  if (!environment.ok) {
    const error = environmentError(environment.error);
    return { modelFor: () => err(error) };
  }
  return { modelFor: (stage) => chooseModel(settings, stage, environment.value) };
}

export function chooseModel(
  settings: LlmSettings,
  { config = {}, defaults = {} }: StageLlmSources,
  environment: LlmEnvironment,
): Result<ModelChoice, LlmError> {
  const fixed = environment.chat.kind === 'demo' ? DEMO_MODEL : null;
  const model = fixed ?? environment.overrideModel ?? config.model ?? settings.model;
  if (model === null || model === undefined || model.trim() === '') {
    return err({
      kind: 'config',
      message:
        'no model is set: set llm.model in awm.pipeline.yaml (for every stage, or in a stage), or AWM_SYN_OVERRIDE_MODEL',
    });
  }
  const maxTokens = config.maxTokens ?? settings.maxTokens ?? defaults.maxTokens ?? BUILT_IN_STAGE_LLM.maxTokens;
  const cap = config.maxTokensCap ?? settings.maxTokensCap ?? defaults.maxTokensCap ?? maxTokens;
  const timeoutS = defaults.timeoutS ?? BUILT_IN_STAGE_LLM.timeoutS;
  return ok({
    model,
    temperature: config.temperature ?? settings.temperature,
    maxTokens,
    reasoningEffort: config.reasoningEffort ?? settings.reasoningEffort ?? defaults.reasoningEffort ?? null,
    // A cap set less specifically than max_tokens (a module's, say) never lowers it: no raise then.
    maxTokensCap: Math.max(cap, maxTokens),
    timeoutMs: config.timeoutMs ?? settings.timeoutMs ?? timeoutS * 1000,
    contextTokens: config.contextTokens ?? settings.contextTokens,
  });
}

/** All of the environment's problems in one error, one line each. */
export function environmentError(problems: readonly string[]): LlmError {
  return { kind: 'config', message: `the LLM environment variables need fixing:\n  ${problems.join('\n  ')}` };
}

/**
 * What the environment decides about the models stages send (so about fingerprints), as a short
 * key: offline or not, and the override model. Never a credential or a URL.
 */
export function modelRuleKey(env: Env): string {
  const environment = resolveLlmEnvironment(env);
  if (!environment.ok) return 'invalid';
  return JSON.stringify([environment.value.chat.kind === 'demo', environment.value.overrideModel]);
}
