// Which model and sampling settings a stage sends: AWM_SYN_OVERRIDE_MODEL over the stage's own
// `llm:` block over the pipeline's `llm:` block. The offline demo provider always reports its own
// model name, so a demo build's fingerprints never pass for a real model's output. Needs no
// client: `awm status` and `awm check` use it to fingerprint without calling anything.
import type { LlmSettings, ModelSettings } from '../config/types.js';
import { err, ok, type Result } from '../util/result.js';
import { DEMO_MODEL } from './demo-provider.js';
import { resolveLlmEnvironment, type Env, type LlmEnvironment } from './environment.js';
import type { Llm, LlmError, ModelChoice } from './types.js';

/** The model rule for these settings and this environment (problems in the environment become config errors). */
export function modelChooser(settings: LlmSettings, env: Env): Pick<Llm, 'modelFor'> {
  const environment = resolveLlmEnvironment(env);
  if (!environment.ok) {
    const error = environmentError(environment.error);
    return { modelFor: () => err(error) };
  }
  return { modelFor: (overrides) => chooseModel(settings, overrides, environment.value) };
}

export function chooseModel(
  settings: ModelSettings,
  overrides: Partial<ModelSettings>,
  environment: LlmEnvironment,
): Result<ModelChoice, LlmError> {
  const fixed = environment.chat.kind === 'demo' ? DEMO_MODEL : null;
  const model = fixed ?? environment.overrideModel ?? overrides.model ?? settings.model;
  if (model === null || model === undefined || model.trim() === '') {
    return err({
      kind: 'config',
      message:
        'no model is set: set llm.model in awm.pipeline.yaml (for every stage, or in a stage), or AWM_SYN_OVERRIDE_MODEL',
    });
  }
  return ok({
    model,
    temperature: overrides.temperature ?? settings.temperature,
    maxTokens: overrides.maxTokens ?? settings.maxTokens,
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
