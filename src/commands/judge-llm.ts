// The sql-mode judge's LLM, as `awm verify --mode sql` and `awm serve` open it: the model from the
// flag › AWM_JUDGE_MODEL › AWM_SYN_OVERRIDE_MODEL › the pipeline's llm.model; the rest of the
// project's `llm:` settings; the judge's own budget; the project's response cache.
import type { LlmSettings } from '../config/types.js';
import { createLlm } from '../llm/create-llm.js';
import { HOW_TO_CONFIGURE, resolveLlmEnvironment } from '../llm/environment.js';
import type { Llm, LlmSession } from '../llm/types.js';
import { describeNotice } from '../logging/describe.js';
import { err, ok, type Result } from '../util/result.js';
import { JUDGE_LLM_DEFAULTS, JUDGE_STAGE } from '../verify/judge.js';
import type { CliIo } from './io.js';

export interface JudgeLlm {
  readonly llm: Llm;
  /** A judge session for one scenario (its name labels the LLM's log and cache entries). */
  sessionFor(scenario: string | null): LlmSession;
}

export function openJudgeLlm(input: {
  readonly model: string | null;
  readonly settings: LlmSettings;
  readonly root: string;
  readonly io: Pick<CliIo, 'env' | 'stderr'>;
}): Result<JudgeLlm, string> {
  const { io } = input;
  const environment = resolveLlmEnvironment(io.env);
  if (!environment.ok) return err(`the LLM environment variables need fixing:\n  ${environment.error.join('\n  ')}`);
  if (environment.value.chat.kind === 'demo')
    return err(`sql mode asks an LLM judge, and no LLM is configured: ${HOW_TO_CONFIGURE}`);
  const named = input.model ?? (io.env['AWM_JUDGE_MODEL']?.trim() || null);
  if ((named ?? environment.value.overrideModel ?? input.settings.model) === null)
    return err(
      'sql mode needs a judge model: pass --model, set AWM_JUDGE_MODEL, or set llm.model in awm.pipeline.yaml',
    );
  const llm = createLlm({
    settings: input.settings,
    env: named === null ? io.env : { ...io.env, AWM_SYN_OVERRIDE_MODEL: named },
    // The response cache is the project's (.awm/cache/llm): verifying a run again costs nothing.
    root: input.root,
    onNotice: (notice) => io.stderr.write(`awm: ${describeNotice(notice)}\n`),
  });
  const sources = { defaults: JUDGE_LLM_DEFAULTS };
  const choice = llm.modelFor(sources);
  if (!choice.ok) {
    void llm.close();
    return err(choice.error.message);
  }
  return ok({ llm, sessionFor: (scenario) => llm.session(JUDGE_STAGE, scenario, sources) });
}
