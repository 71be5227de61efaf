// The contract between the engine, the stages and the LLM layer. Implementations live beside this
// file (openai-provider.ts, demo-provider.ts, …); stages only ever see `LlmSession`.
import type { Result } from '../util/result.js';
import type { ReasoningEffort, StageLlmConfig } from '../config/types.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Everything that decides the answer. Its canonical JSON is the response-cache key. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly max_tokens?: number;
  /** Sent only when set; OpenAI's reasoning models (and Azure's, and compatible servers) read it. */
  readonly reasoning_effort?: ReasoningEffort;
  /** Ask for a JSON object answer where the provider supports it. */
  readonly json?: boolean;
}

/** How one chat request is sent: nothing here changes the answer, so none of it is in the cache key. */
export interface ChatOptions {
  readonly signal?: AbortSignal;
  /** The stage's per-try timeout; the provider's default when absent. */
  readonly timeoutMs?: number;
  /** The stage's `llm.context_tokens`, when set: the context window the request is checked against. */
  readonly contextTokens?: number | null;
}

/**
 * Where a request comes from. Not part of the cache key; the offline demo provider picks its
 * recorded answer by (stage, scenario, item), never by prompt text.
 */
export interface RequestTag {
  readonly stage: string;
  readonly scenario: string | null;
  /** Which of the stage's requests this is, e.g. `classify`, `generate-0`, a task id; null if only one. */
  readonly item: string | null;
  /** 1-based attempt number within the repair loop. */
  readonly attempt: number;
}

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface ChatAnswer {
  readonly text: string;
  readonly usage: TokenUsage;
  /** True when answered from the response cache (no request was sent). */
  readonly cached: boolean;
  /** 'stop', 'length' (truncated), … as the provider reports it. */
  readonly finishReason: string | null;
}

export type LlmErrorKind =
  | 'auth' // bad or missing credentials: never retried
  | 'refusal' // the model declined to answer
  | 'rate-limit' // 429 after all retries
  | 'timeout' // no answer within the per-request timeout after all retries
  | 'server' // 5xx after all retries
  | 'bad-request' // 4xx other than auth / rate limit
  | 'no-recorded-answer' // offline demo provider has nothing for this request
  | 'too-large' // the answer passed llm.max_answer_kb: refused as it arrived, never retried, cached or repaired
  | 'request-limit' // the stage instance reached llm.max_requests_per_instance
  | 'network'
  | 'config' // the environment variables or llm settings are incomplete or contradictory
  | 'cancelled'; // the build was stopped (its abort signal fired) while the request was pending

export interface LlmError {
  readonly kind: LlmErrorKind;
  /** Says what happened and what to do, e.g. how to configure a real LLM. */
  readonly message: string;
}

/** What the LLM layer tells the user (it never prints; the engine passes these to the loggers). */
export type LlmNotice =
  /** No LLM is configured: answers come from the recorded example responses in `folder`. */
  | { readonly code: 'offline-provider'; readonly folder: string }
  /** No embedding endpoint: similarity uses offline n-gram vectors of `model`. */
  | { readonly code: 'offline-embeddings'; readonly model: string }
  /** Answers cannot be stored (disk full, no permission): the build goes on uncached. */
  | { readonly code: 'cache-not-writable'; readonly problem: string }
  /** A request is slow or waiting to retry (heartbeat.ts): said every 15 s or so until it ends. */
  | {
      readonly code: 'llm-waiting';
      readonly request: 'chat' | 'embedding';
      readonly stage: string;
      readonly scenario: string | null;
      readonly item: string | null;
      /** The repair loop's attempt (1-based; always 1 for embeddings). */
      readonly attempt: number;
      /** Which transport try (1-based) of how many (llm.retries + 1). */
      readonly transportTry: number;
      readonly transportTries: number;
      /** Since the first try was sent; grows with each beat, so no two beats are the same notice. */
      readonly waitedMs: number;
      readonly waitingFor:
        | { readonly kind: 'answer'; readonly tryMs: number; readonly timeoutMs: number }
        /** Try `transportTry` failed with `after`; the next is sent in `leftMs` of a `pauseMs` pause. */
        | { readonly kind: 'retry'; readonly after: LlmErrorKind; readonly pauseMs: number; readonly leftMs: number };
    }
  /**
   * A request about to be sent whose prompt plus max_tokens exceed its model's context window
   * (`llm.context_tokens`, or the model's known window): it is sent anyway, but may be refused or cut short.
   */
  | {
      readonly code: 'context-overflow';
      readonly stage: string;
      readonly scenario: string | null;
      readonly item: string | null;
      readonly model: string;
      readonly promptTokens: number;
      readonly maxTokens: number;
      readonly contextTokens: number;
      /** Where the window comes from: the `context_tokens` setting or awm's table of known models. */
      readonly contextFrom: 'setting' | 'known-model';
    };

export interface LlmProvider {
  /** e.g. `openai`, `azure`, `demo` — shown in the build's first line. */
  readonly name: string;
  chat(request: ChatRequest, tag: RequestTag, options?: ChatOptions): Promise<Result<ChatAnswer, LlmError>>;
  embed(texts: readonly string[], tag: RequestTag): Promise<Result<number[][], LlmError>>;
}

/** What a stage's local check says about a parsed, schema-valid answer. */
export type CheckOutcome =
  | { readonly ok: true; readonly warnings?: readonly string[] }
  | {
      readonly ok: false;
      /** Each problem in words; fed back to the LLM on the next attempt. */
      readonly errors: readonly string[];
      /** Lower is better (e.g. the share of failing statements); picks the best attempt. */
      readonly score?: number;
    };

export interface AttemptRecord {
  readonly attempt: number;
  /** The answer budget this attempt's request carried (raised after a cut-off answer). */
  readonly maxTokens: number;
  readonly cached: boolean;
  /** As recorded for the answer (also when it came from the cache). */
  readonly usage: TokenUsage;
  /** The raw answer text, exactly as the model returned it; null when no answer arrived. */
  readonly answer: string | null;
  readonly finishReason: string | null;
  /** What the JSON extractor had to mend (code fence, trailing comma, …). */
  readonly repairs: readonly string[];
  readonly stage: 'llm' | 'parse' | 'validation' | 'check' | 'passed';
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface StructuredRequest<T> {
  /** Identifies the request for the demo provider and the attempt log. */
  readonly item?: string | null;
  /** The rendered prompt(s): usually one user message, optionally a system message first. */
  readonly messages: readonly ChatMessage[];
  /** JSON Schema the answer must satisfy (ajv, draft 2020-12 subset). */
  readonly schema: object;
  /** The stage's local check on a schema-valid answer. */
  readonly check?: (value: T) => Promise<CheckOutcome> | CheckOutcome;
  /** Attempts in all, the first included (the stage's retry limit + 1). Default 3. */
  readonly maxAttempts?: number;
  /**
   * The stage instance's stop signal (the build's first Ctrl-C): once aborted, no new request is
   * sent and the loop ends as `cancelled`; a request already in flight is answered and cached.
   */
  readonly signal?: AbortSignal;
}

export type StructuredResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly warnings: readonly string[];
      readonly attempts: readonly AttemptRecord[];
    }
  | {
      readonly ok: false;
      readonly failure: 'llm' | 'parse' | 'validation' | 'check';
      readonly message: string;
      /** The best schema-valid attempt, when there was one. */
      readonly best: { readonly value: T; readonly errors: readonly string[] } | null;
      readonly attempts: readonly AttemptRecord[];
    };

/** What a stage instance gets: the repair loop and embeddings, tagged with its stage and scenario. */
export interface LlmSession {
  readonly providerName: string;
  readonly model: string;
  /** Which embedding model `embed` uses (`awm-ngram-hash-v1` for the offline fallback). */
  readonly embeddingModel: string;
  structured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>>;
  embed(texts: readonly string[], item?: string | null): Promise<Result<number[][], LlmError>>;
  /** Tokens used so far by this session. */
  usage(): TokenUsage;
}

/** Token use of one stage, summed over its instances. */
export interface StageUsage {
  /** New tokens: requests actually sent (cache hits add nothing here). */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Chat and embedding requests answered by the provider. */
  readonly requests: number;
  /** Chat requests answered from the response cache. */
  readonly cachedRequests: number;
  /** Tokens the cache hits had cost when first recorded (what the cache saved). */
  readonly cachedPromptTokens: number;
  readonly cachedCompletionTokens: number;
  /** Requests that ended in an LlmError (after all transport retries). */
  readonly failedRequests: number;
}

/**
 * A stage module's own defaults for its requests (`StageDefinition.llm`): below anything written in
 * awm.pipeline.yaml, above the built-in defaults.
 */
export interface StageLlmDefaults {
  readonly maxTokens?: number;
  /** The most a cut-off answer's retry may raise max_tokens to. */
  readonly maxTokensCap?: number;
  readonly timeoutS?: number;
  readonly reasoningEffort?: ReasoningEffort;
}

/** Where one stage's LLM settings come from, besides the pipeline's `llm:` (LlmSettings). */
export interface StageLlmSources {
  /** The stage's own `llm:` in awm.pipeline.yaml. */
  readonly config?: StageLlmConfig;
  /** The stage module's defaults. */
  readonly defaults?: StageLlmDefaults;
}

/** What one stage sends, every setting resolved (model-choice.ts has the precedence). */
export interface ModelChoice {
  // These decide the answer and join the stage's fingerprint.
  readonly model: string;
  readonly temperature: number | null;
  readonly maxTokens: number;
  readonly reasoningEffort: ReasoningEffort | null;
  // These do not.
  /** The most a cut-off answer's retry may raise max_tokens to; at least maxTokens. */
  readonly maxTokensCap: number;
  /** Per-try timeout of the stage's requests. */
  readonly timeoutMs: number;
  /** `llm.context_tokens` when set; otherwise the model's known window is used, if any. */
  readonly contextTokens: number | null;
}

/** The LLM layer as the engine sees it: made once per build by `createLlm`. */
export interface Llm {
  /** `openai`, `azure` or `demo`. */
  readonly providerName: string;
  readonly embeddingModel: string;
  /** What a stage with these settings would send; a config error when no model is set anywhere. */
  modelFor(stage: StageLlmSources): Result<ModelChoice, LlmError>;
  /** A session for one stage instance; its requests are tagged with stage and scenario. */
  session(stage: string, scenario: string | null, sources: StageLlmSources): LlmSession;
  /** Usage per stage, stages in the order they first made a request. */
  usageByStage(): ReadonlyMap<string, StageUsage>;
  /** Cancels requests still pending; later requests fail with kind `cancelled`. */
  close(): Promise<void>;
}
