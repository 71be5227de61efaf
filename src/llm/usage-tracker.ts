// Token use summed per stage, for the build summary and progress line. New tokens (requests
// actually sent) and tokens the cache saved are kept apart: a rerun should show zero new tokens.
import type { StageUsage, TokenUsage } from './types.js';

export type UsageEvent =
  | { readonly kind: 'answered'; readonly usage: TokenUsage; readonly cached: boolean }
  | { readonly kind: 'embedded'; readonly usage: TokenUsage; readonly requests: number }
  | { readonly kind: 'failed' };

const EMPTY: StageUsage = {
  promptTokens: 0,
  completionTokens: 0,
  requests: 0,
  cachedRequests: 0,
  cachedPromptTokens: 0,
  cachedCompletionTokens: 0,
  failedRequests: 0,
};

export class UsageTracker {
  /** A Map keeps stages in the order they first asked, which is pipeline order in practice. */
  readonly #byStage = new Map<string, StageUsage>();

  record(stage: string, event: UsageEvent): void {
    this.#byStage.set(stage, add(this.#byStage.get(stage) ?? EMPTY, event));
  }

  byStage(): ReadonlyMap<string, StageUsage> {
    return new Map(this.#byStage);
  }
}

function add(usage: StageUsage, event: UsageEvent): StageUsage {
  if (event.kind === 'failed') return { ...usage, failedRequests: usage.failedRequests + 1 };
  if (event.kind === 'embedded') {
    return {
      ...usage,
      requests: usage.requests + event.requests,
      promptTokens: usage.promptTokens + event.usage.promptTokens,
    };
  }
  if (event.cached) {
    return {
      ...usage,
      cachedRequests: usage.cachedRequests + 1,
      cachedPromptTokens: usage.cachedPromptTokens + event.usage.promptTokens,
      cachedCompletionTokens: usage.cachedCompletionTokens + event.usage.completionTokens,
    };
  }
  return {
    ...usage,
    requests: usage.requests + 1,
    promptTokens: usage.promptTokens + event.usage.promptTokens,
    completionTokens: usage.completionTokens + event.usage.completionTokens,
  };
}
