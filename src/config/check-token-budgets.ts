// A `max_tokens_cap` below the `max_tokens` it caps is a contradiction written in the file: the cap
// is how far a cut-off answer's retry may raise max_tokens, so it must be at least max_tokens. A
// stage's cap is checked against the max_tokens that applies to the stage (its own, else the
// pipeline's). A cap from a less specific place than the max_tokens (the pipeline's cap under a
// stage's own max_tokens, or a stage module's default) is not an error: it simply allows no raise.
import type { PipelineDraft } from './draft.js';
import { describePath, diagnosticAt, type CheckContext } from './place-names.js';
import type { Diagnostic } from './diagnostic.js';

export function checkTokenBudgets(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const top = draft.llm;
  if (top.maxTokensCap !== null && top.maxTokens !== null && top.maxTokensCap < top.maxTokens)
    problems.push(capBelow(context, ['llm', 'max_tokens_cap'], top.maxTokensCap, top.maxTokens, ['llm', 'max_tokens']));
  for (const [id, stage] of draft.stages) {
    const cap = stage.llm.maxTokensCap;
    const maxTokens = stage.llm.maxTokens ?? top.maxTokens;
    if (cap === undefined || maxTokens === null || cap >= maxTokens) continue;
    const from = stage.llm.maxTokens === undefined ? ['llm', 'max_tokens'] : ['stages', id, 'llm', 'max_tokens'];
    problems.push(capBelow(context, ['stages', id, 'llm', 'max_tokens_cap'], cap, maxTokens, from));
  }
  return problems;
}

function capBelow(
  context: CheckContext,
  path: readonly string[],
  cap: number,
  maxTokens: number,
  maxTokensPath: readonly string[],
): Diagnostic {
  return diagnosticAt(
    context,
    path,
    `${describePath(path)} must be at least max_tokens, ${maxTokens} (got ${cap})`,
    `max_tokens_cap is the most a retry after a cut-off answer may raise max_tokens to; make it at least ${maxTokens} (${describePath(maxTokensPath)}), e.g. ${maxTokens * 2} to allow one doubling`,
  );
}
