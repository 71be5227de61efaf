// Builds the LLM layer for one build from the pipeline's `llm:` settings and the environment:
//
//   session ─▶ structured loop ─▶ response cache ─▶ provider ─▶ semaphore + retries ─▶ openai client
//
// With no LLM configured, the offline demo provider answers instead (without the cache: its
// answers are already files, and caching them would let a later real build reuse them).
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { LlmSettings } from '../config/types.js';
import { CachingProvider } from './caching-provider.js';
import { DemoProvider } from './demo-provider.js';
import type { Embedder } from './embedder.js';
import { resolveLlmEnvironment, type Env, type LlmEnvironment } from './environment.js';
import { createLlmSession } from './session.js';
import { DEFAULT_HEARTBEAT_MS, startHeartbeat, type RequestHeartbeat } from './heartbeat.js';
import { BUILT_IN_STAGE_LLM, chooseModel, environmentError } from './model-choice.js';
import { createNgramEmbedder, NGRAM_EMBEDDING_MODEL } from './ngram-embedder.js';
import { azureClient, openAiClient } from './openai-client.js';
import { createOpenAiEmbedder } from './openai-embedder.js';
import { OpenAiProvider } from './openai-provider.js';
import { ResponseCache } from './response-cache.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry-delay.js';
import type { RetryOptions } from './call-with-retries.js';
import { Semaphore } from '../util/semaphore.js';
import { UsageTracker } from './usage-tracker.js';
import type { Llm, LlmError, LlmNotice, LlmProvider, RequestTag } from './types.js';

export interface CreateLlmOptions {
  readonly settings: LlmSettings;
  /** The environment variables (the CLI passes process.env). */
  readonly env: Env;
  /** The project folder: demoResponses and cacheDir are relative to it. */
  readonly root: string;
  /** Skip cache reads (answers are still written). */
  readonly fresh?: boolean;
  /** Things the user should know (offline provider, offline embeddings); the layer never prints. */
  readonly onNotice: (notice: LlmNotice) => void;
  /** Backoff timing between retries; tests make it tiny. */
  readonly backoff?: BackoffOptions;
  /** How often a slow or retrying request reports `llm-waiting` (default 15 s); tests make it tiny. */
  readonly heartbeatMs?: number;
}

/**
 * Never fails: problems in the environment variables come back as a `config` error from
 * `modelFor` (which the engine asks before building) and from every session.
 */
export function createLlm(options: CreateLlmOptions): Llm {
  const environment = resolveLlmEnvironment(options.env);
  if (!environment.ok) return unconfiguredLlm(environmentError(environment.error));
  const { settings } = options;
  const retry: RetryOptions = {
    retries: settings.retries,
    // Chat requests carry their stage's timeout; this one is for embeddings (and the default).
    timeoutMs: settings.timeoutMs ?? BUILT_IN_STAGE_LLM.timeoutS * 1000,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    limiter: new Semaphore(Math.max(1, Math.floor(settings.concurrency))),
  };
  const heartbeats =
    (request: 'chat' | 'embedding') =>
    (tag: RequestTag, timeoutMs = retry.timeoutMs) =>
      startHeartbeat(request, tag, {
        intervalMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
        transportTries: retry.retries + 1,
        timeoutMs,
        onNotice: options.onNotice,
      });
  const embedder = createEmbedder(environment.value, retry, options.onNotice, heartbeats('embedding'));
  const provider = createProvider(environment.value, options, retry, embedder, heartbeats('chat'));
  const usage = new UsageTracker();
  const closing = new AbortController();
  // Every pending request listens on this one signal; thousands of them are normal, not a leak.
  setMaxListeners(0, closing.signal);
  return {
    providerName: provider.name,
    embeddingModel: embedder.model,
    modelFor: (stage) => chooseModel(settings, stage, environment.value),
    session: (stage, scenario, sources) =>
      createLlmSession({
        stage,
        scenario,
        providerName: provider.name,
        model: chooseModel(settings, sources, environment.value),
        provider,
        embedder,
        usage,
        closed: closing.signal,
        maxRequests: settings.maxRequestsPerInstance,
      }),
    usageByStage: () => usage.byStage(),
    close: async () => closing.abort(),
  };
}

function createProvider(
  environment: LlmEnvironment,
  options: CreateLlmOptions,
  retry: RetryOptions,
  embedder: Embedder,
  heartbeat: (tag: RequestTag, timeoutMs?: number) => RequestHeartbeat,
): LlmProvider {
  const { chat } = environment;
  if (chat.kind === 'demo') {
    const folder = options.settings.demoResponses;
    options.onNotice({ code: 'offline-provider', folder });
    return new DemoProvider({ root: options.root, folder, embedder });
  }
  const cache = new ResponseCache(path.resolve(options.root, options.settings.cacheDir));
  const inner =
    chat.kind === 'openai'
      ? new OpenAiProvider({
          name: 'openai',
          client: openAiClient({
            apiKey: chat.apiKey,
            baseUrl: chat.baseUrl,
            timeoutMs: retry.timeoutMs,
            maxAnswerBytes: options.settings.maxAnswerBytes,
          }),
          endpoint: {
            baseUrl: chat.baseUrl,
            keyVariable: 'OPENAI_API_KEY',
            urlVariable: 'OPENAI_BASE_URL',
            modelWord: 'model',
          },
          retry,
          embedder,
          heartbeat,
          onNotice: options.onNotice,
        })
      : new OpenAiProvider({
          name: 'azure',
          client: azureClient({
            endpoint: chat.endpoint,
            apiKey: chat.apiKey,
            apiVersion: chat.apiVersion,
            timeoutMs: retry.timeoutMs,
            maxAnswerBytes: options.settings.maxAnswerBytes,
          }),
          endpoint: {
            baseUrl: chat.endpoint,
            keyVariable: 'AZURE_OPENAI_API_KEY',
            urlVariable: 'AZURE_ENDPOINT_URL',
            modelWord: 'deployment',
          },
          retry,
          embedder,
          heartbeat,
          onNotice: options.onNotice,
        });
  return new CachingProvider(inner, cache, { fresh: options.fresh ?? false, onNotice: options.onNotice });
}

function createEmbedder(
  environment: LlmEnvironment,
  retry: RetryOptions,
  onNotice: (notice: LlmNotice) => void,
  heartbeat: (tag: RequestTag) => RequestHeartbeat,
): Embedder {
  const endpoint = environment.embedding;
  if (endpoint === null) {
    return createNgramEmbedder(() => onNotice({ code: 'offline-embeddings', model: NGRAM_EMBEDDING_MODEL }));
  }
  const usesOwnVariables = endpoint.keyVariable === 'EMBEDDING_OPENAI_API_KEY';
  return createOpenAiEmbedder({
    client: openAiClient({ apiKey: endpoint.apiKey, baseUrl: endpoint.baseUrl, timeoutMs: retry.timeoutMs }),
    model: environment.embeddingModel,
    endpoint: {
      baseUrl: endpoint.baseUrl,
      keyVariable: endpoint.keyVariable,
      urlVariable: usesOwnVariables ? 'EMBEDDING_OPENAI_BASE_URL' : 'OPENAI_BASE_URL',
      model: environment.embeddingModel,
      modelWord: 'model',
    },
    retry,
    heartbeat,
  });
}

/** Every question gets the configuration error; nothing is sent anywhere. */
function unconfiguredLlm(error: LlmError): Llm {
  const usage = new UsageTracker();
  const embedder: Embedder = { model: NGRAM_EMBEDDING_MODEL, embed: async () => ({ ok: false, error }) };
  const provider: LlmProvider = {
    name: 'unconfigured',
    chat: async () => ({ ok: false, error }),
    embed: async () => ({ ok: false, error }),
  };
  const closing = new AbortController();
  return {
    providerName: provider.name,
    embeddingModel: embedder.model,
    modelFor: () => ({ ok: false, error }),
    session: (stage, scenario) =>
      createLlmSession({
        stage,
        scenario,
        providerName: provider.name,
        model: { ok: false, error },
        provider,
        embedder,
        usage,
        closed: closing.signal,
        maxRequests: Number.POSITIVE_INFINITY, // every request fails at once anyway
      }),
    usageByStage: () => usage.byStage(),
    close: async () => closing.abort(),
  };
}
