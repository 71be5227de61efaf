// What one stage instance gets: the structured loop and embeddings, tagged with its stage and
// scenario, with every request's tokens counted for the stage and for the session, its chat
// requests bounded by llm.max_requests_per_instance and sent with the stage's own timeout and
// context window (its ModelChoice).
import { err, type Result } from '../util/result.js';
import type { Embedder } from './embedder.js';
import { runStructuredLoop, type ChatFunction } from './structured-loop.js';
import type { UsageTracker } from './usage-tracker.js';
import type {
  LlmError,
  LlmProvider,
  LlmSession,
  ModelChoice,
  StructuredRequest,
  StructuredResult,
  TokenUsage,
} from './types.js';

export interface LlmSessionOptions {
  readonly stage: string;
  readonly scenario: string | null;
  readonly providerName: string;
  /** An error when no model could be chosen: every request then fails with it. */
  readonly model: Result<ModelChoice, LlmError>;
  readonly provider: LlmProvider;
  readonly embedder: Embedder;
  readonly usage: UsageTracker;
  /** Aborted by Llm.close(): pending requests end as `cancelled`. */
  readonly closed: AbortSignal;
  /**
   * Chat requests this session may make (llm.max_requests_per_instance). Answers from the cache
   * count too, so a rebuild from the cache ends where the build that filled it did.
   */
  readonly maxRequests: number;
}

export function createLlmSession(options: LlmSessionOptions): LlmSession {
  let spent: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  const spend = (usage: TokenUsage): void => {
    spent = {
      promptTokens: spent.promptTokens + usage.promptTokens,
      completionTokens: spent.completionTokens + usage.completionTokens,
    };
  };
  let requests = 0;
  const chat: ChatFunction = async (request, tag, signal) => {
    if (requests >= options.maxRequests) return err(requestLimitError(options));
    requests += 1;
    const answer = await options.provider.chat(request, tag, {
      signal: signal ? AbortSignal.any([signal, options.closed]) : options.closed,
      ...(options.model.ok
        ? { timeoutMs: options.model.value.timeoutMs, contextTokens: options.model.value.contextTokens }
        : {}),
    });
    if (!answer.ok) options.usage.record(options.stage, { kind: 'failed' });
    else
      options.usage.record(options.stage, { kind: 'answered', usage: answer.value.usage, cached: answer.value.cached });
    if (answer.ok && !answer.value.cached) spend(answer.value.usage);
    return answer;
  };
  return {
    providerName: options.providerName,
    model: options.model.ok ? options.model.value.model : '',
    embeddingModel: options.embedder.model,
    async structured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      if (!options.model.ok)
        return { ok: false, failure: 'llm', message: options.model.error.message, best: null, attempts: [] };
      return runStructuredLoop(request, {
        chat,
        model: options.model.value,
        stage: options.stage,
        scenario: options.scenario,
      });
    },
    async embed(texts, item) {
      if (!options.model.ok) return err(options.model.error);
      const tag = { stage: options.stage, scenario: options.scenario, item: item ?? null, attempt: 1 };
      const embedded = await options.embedder.embed(texts, options.closed, tag);
      if (!embedded.ok) {
        options.usage.record(options.stage, { kind: 'failed' });
        return embedded;
      }
      options.usage.record(options.stage, {
        kind: 'embedded',
        usage: embedded.value.usage,
        requests: embedded.value.requests,
      });
      spend(embedded.value.usage);
      return { ok: true, value: embedded.value.vectors };
    },
    usage: () => spent,
  };
}

function requestLimitError(options: LlmSessionOptions): LlmError {
  const instance = `stage "${options.stage}"${options.scenario === null ? '' : ` (scenario ${options.scenario})`}`;
  return {
    kind: 'request-limit',
    message:
      `${instance} has made ${options.maxRequests} LLM requests, the most llm.max_requests_per_instance allows ` +
      '(repairs and answers from the cache count); raise it in awm.pipeline.yaml if the stage really needs more',
  };
}
