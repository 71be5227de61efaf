// Embeddings from an OpenAI-compatible /embeddings endpoint, through the same transport loop
// (concurrency bound, timeout, retries) as chat requests.
import type OpenAI from 'openai';
import { ok, err, type Result } from '../util/result.js';
import { callWithRetries, type RetryOptions, type TransportFailure } from './call-with-retries.js';
import { describeOpenAiError, type EndpointDescription } from './describe-openai-error.js';
import type { Embedder, Embeddings } from './embedder.js';
import type { RequestHeartbeat } from './heartbeat.js';
import type { LlmError, RequestTag } from './types.js';

/** Inputs per request: well under the API's limit of 2,048, so one request stays small. */
const BATCH_SIZE = 256;

export interface OpenAiEmbedderOptions {
  readonly client: OpenAI;
  readonly model: string;
  readonly endpoint: EndpointDescription;
  readonly retry: RetryOptions;
  /** Starts the heartbeat of one request (slow or retrying requests report `llm-waiting`). */
  readonly heartbeat?: (tag: RequestTag) => RequestHeartbeat;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  return {
    model: options.model,
    embed: async (texts, signal, tag) => {
      const batches: Embeddings[] = [];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        const heartbeat = tag ? options.heartbeat?.(tag) : undefined;
        const batch = await embedBatch(options, texts.slice(start, start + BATCH_SIZE), signal, heartbeat);
        if (!batch.ok) return batch;
        batches.push(batch.value);
      }
      return ok({
        vectors: batches.flatMap((batch) => batch.vectors),
        usage: { promptTokens: batches.reduce((sum, batch) => sum + batch.usage.promptTokens, 0), completionTokens: 0 },
        requests: batches.length,
      });
    },
  };
}

async function embedBatch(
  options: OpenAiEmbedderOptions,
  texts: readonly string[],
  signal: AbortSignal | undefined,
  heartbeat: RequestHeartbeat | undefined,
): Promise<Result<Embeddings, LlmError>> {
  return callWithRetries(
    async (trySignal): Promise<Result<Embeddings, TransportFailure>> => {
      try {
        const response = await options.client.embeddings.create(
          { model: options.model, input: [...texts], encoding_format: 'float' },
          { signal: trySignal, maxRetries: 0 },
        );
        // The API may return rows in any order; `index` says which input each belongs to.
        const vectors = [...response.data].sort((left, right) => left.index - right.index).map((row) => row.embedding);
        if (vectors.length !== texts.length) {
          const message = `${options.endpoint.baseUrl} returned ${vectors.length} embeddings for ${texts.length} texts`;
          return err({ kind: 'server', message, retryable: true, retryAfterMs: null });
        }
        return ok({
          vectors,
          usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: 0 },
          requests: 1,
        });
      } catch (error) {
        return err(describeOpenAiError(error, options.endpoint, Date.now()));
      }
    },
    options.retry,
    signal,
    heartbeat,
  );
}
