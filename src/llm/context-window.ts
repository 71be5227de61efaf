// Whether a request fits its model's context window: prompt tokens plus max_tokens must not pass
// it, or the provider refuses the request or cuts the answer short. The window is the stage's
// `llm.context_tokens` when set, else the known window of an OpenAI model; for any other model it
// is unknown and nothing is checked (nor the tokenizer loaded).
import { baseModelName, countChatTokens } from './token-count.js';
import type { ChatRequest, LlmNotice, RequestTag } from './types.js';

/** Context windows (tokens, prompt and answer together) of OpenAI models, dated snapshots included. */
const KNOWN_WINDOWS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-4\.1(-mini|-nano)?$/, 1_047_576],
  [/^gpt-4o(-mini)?$/, 128_000],
  [/^(o1|o3|o3-mini|o4-mini)$/, 200_000],
  [/^gpt-5(\.\d+)?(-mini|-nano|-pro|-codex)?$/, 400_000],
  [/^gpt-4-turbo(-preview)?$/, 128_000],
  [/^gpt-3\.5-turbo$/, 16_385],
];

/** The known window of `model` (`gpt-4o-2024-08-06` counts as `gpt-4o`), or null. */
export function knownContextWindow(model: string): number | null {
  const name = baseModelName(model).replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return KNOWN_WINDOWS.find(([pattern]) => pattern.test(name))?.[1] ?? null;
}

/**
 * The `context-overflow` notice when the request's prompt plus its max_tokens exceed the window
 * (`configured`, else the known one); null when it fits or no window is known.
 */
export async function contextOverflow(
  request: ChatRequest,
  tag: RequestTag,
  configured: number | null,
): Promise<Extract<LlmNotice, { code: 'context-overflow' }> | null> {
  const contextTokens = configured ?? knownContextWindow(request.model);
  if (contextTokens === null || request.max_tokens === undefined) return null;
  const promptTokens = await countChatTokens(request.model, request.messages);
  if (promptTokens + request.max_tokens <= contextTokens) return null;
  return {
    code: 'context-overflow',
    stage: tag.stage,
    scenario: tag.scenario,
    item: tag.item,
    model: request.model,
    promptTokens,
    maxTokens: request.max_tokens,
    contextTokens,
    contextFrom: configured === null ? 'known-model' : 'setting',
  };
}
