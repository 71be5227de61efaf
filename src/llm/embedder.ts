// Embeddings as the session uses them: vectors plus the tokens they cost. Two implementations:
// an OpenAI-compatible endpoint (openai-embedder.ts) and offline n-gram vectors (ngram-embedding.ts).
import type { Result } from '../util/result.js';
import type { LlmError, RequestTag, TokenUsage } from './types.js';

export interface Embeddings {
  /** One vector per input text, in input order. */
  readonly vectors: number[][];
  readonly usage: TokenUsage;
  /** Requests sent to an endpoint (0 for vectors computed locally). */
  readonly requests: number;
}

export interface Embedder {
  /** Part of what a stage that embeds should fingerprint. */
  readonly model: string;
  /** `tag` says where the request comes from, for the heartbeat of a slow request. */
  embed(texts: readonly string[], signal?: AbortSignal, tag?: RequestTag): Promise<Result<Embeddings, LlmError>>;
}
