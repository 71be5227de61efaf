// What model and sampling settings each LLM stage will send: they join its fingerprint, so status
// and check must know them without calling anything. The stage's budget (max_tokens_cap, timeout)
// does not decide its answer and is left out.
import type { ModelSettings } from '../config/types.js';
import type { LoadedStage } from './stage-loader.js';
import type { Llm, StageLlmSources } from '../llm/types.js';
import type { Project } from './project.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';

export function createModelResolver(
  project: Project,
  llm: Pick<Llm, 'modelFor'>,
): Result<(stage: LoadedStage) => ModelSettings | null, string> {
  const byStage = new Map<string, ModelSettings>();
  const problems: string[] = [];
  for (const stage of project.stages.values()) {
    if (!stage.definition.usesLlm) continue;
    const choice = llm.modelFor(stageLlmSources(stage));
    if (!choice.ok) problems.push(`stage "${stage.config.id}": ${choice.error.message}`);
    else {
      const { model, temperature, maxTokens, reasoningEffort } = choice.value;
      byStage.set(stage.config.id, {
        model,
        temperature,
        maxTokens,
        ...(reasoningEffort === null ? {} : { reasoningEffort }),
      });
    }
  }
  if (problems.length > 0) return err(problems.join('\n'));
  return ok((stage) => byStage.get(stage.config.id) ?? null);
}

/** The stage's `llm:` in the pipeline file and its module's defaults. */
export function stageLlmSources(stage: LoadedStage): StageLlmSources {
  return { config: stage.config.llm, ...(stage.definition.llm ? { defaults: stage.definition.llm } : {}) };
}
