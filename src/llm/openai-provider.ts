// Chat over the `openai` package: OpenAI, Azure OpenAI (the AzureOpenAI client) and any
// OpenAI-compatible server. Transport policy lives in call-with-retries.ts; this file builds the
// request, warns when it will not fit the model's context window, and reads the answer. It is only
// asked after a response-cache miss, so only requests really sent are counted and checked.
import { BadRequestError, type OpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { err, ok, type Result } from '../util/result.js';
import { callWithRetries, type RetryOptions, type TransportFailure } from './call-with-retries.js';
import { contextOverflow } from './context-window.js';
import { describeOpenAiError, type EndpointDescription } from './describe-openai-error.js';
import { CLIENT_TIMEOUT_SLACK_MS } from './openai-client.js';
import type { Embedder } from './embedder.js';
import type { RequestHeartbeat } from './heartbeat.js';
import type { ChatAnswer, ChatOptions, ChatRequest, LlmError, LlmNotice, LlmProvider, RequestTag } from './types.js';

export interface OpenAiProviderOptions {
  readonly name: 'openai' | 'azure';
  readonly client: OpenAI;
  readonly endpoint: Omit<EndpointDescription, 'model'>;
  readonly retry: RetryOptions;
  readonly embedder: Embedder;
  /** Starts the heartbeat of one request (slow or retrying requests report `llm-waiting`). */
  readonly heartbeat?: (tag: RequestTag, timeoutMs: number) => RequestHeartbeat;
  /** Told when a request will not fit its model's context window (`context-overflow`). */
  readonly onNotice?: (notice: LlmNotice) => void;
}

export class OpenAiProvider implements LlmProvider {
  readonly name: string;
  readonly #options: OpenAiProviderOptions;
  /** Models that rejected `max_tokens` (OpenAI's reasoning models want `max_completion_tokens`). */
  readonly #wantsMaxCompletionTokens = new Set<string>();

  constructor(options: OpenAiProviderOptions) {
    this.name = options.name;
    this.#options = options;
  }

  async chat(request: ChatRequest, tag: RequestTag, options: ChatOptions = {}): Promise<Result<ChatAnswer, LlmError>> {
    // A warning, not a refusal: the window may be wrong for this deployment, and the server decides.
    const overflow = await contextOverflow(request, tag, options.contextTokens ?? null);
    if (overflow) this.#options.onNotice?.(overflow);
    const retry = {
      ...this.#options.retry,
      timeoutMs: options.timeoutMs ?? this.#options.retry.timeoutMs,
      timeoutSetting: `stages.${tag.stage}.llm.timeout_s`,
    };
    return callWithRetries(
      (trySignal) => this.#tryChat(request, trySignal, retry.timeoutMs),
      retry,
      options.signal,
      this.#options.heartbeat?.(tag, retry.timeoutMs),
    );
  }

  async embed(texts: readonly string[], tag: RequestTag): Promise<Result<number[][], LlmError>> {
    const embedded = await this.#options.embedder.embed(texts, undefined, tag);
    return embedded.ok ? ok(embedded.value.vectors) : embedded;
  }

  async #tryChat(
    request: ChatRequest,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<Result<ChatAnswer, TransportFailure>> {
    const endpoint = { ...this.#options.endpoint, model: request.model };
    try {
      return readCompletion(await this.#send(request, signal, timeoutMs), endpoint);
    } catch (error) {
      if (!this.#switchesToMaxCompletionTokens(error, request))
        return err(describeOpenAiError(error, endpoint, Date.now()));
      try {
        return readCompletion(await this.#send(request, signal, timeoutMs), endpoint);
      } catch (retryError) {
        return err(describeOpenAiError(retryError, endpoint, Date.now()));
      }
    }
  }

  #send(request: ChatRequest, signal: AbortSignal, timeoutMs: number): Promise<ChatCompletion> {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: request.model,
      messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    };
    if (request.temperature !== undefined) params.temperature = request.temperature;
    if (request.max_tokens !== undefined) {
      if (this.#wantsMaxCompletionTokens.has(request.model)) params.max_completion_tokens = request.max_tokens;
      else params.max_tokens = request.max_tokens;
    }
    if (request.reasoning_effort !== undefined) params.reasoning_effort = request.reasoning_effort;
    if (request.json) params.response_format = { type: 'json_object' };
    // The stage's timeout, which may be longer than the one the client was made with.
    return this.#options.client.chat.completions.create(params, {
      signal,
      maxRetries: 0,
      timeout: timeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    });
  }

  /** True (and remembered for the model) when the server asked for `max_completion_tokens` instead. */
  #switchesToMaxCompletionTokens(error: unknown, request: ChatRequest): boolean {
    const asksForIt = error instanceof BadRequestError && /max_completion_tokens/.test(error.message);
    if (!asksForIt || request.max_tokens === undefined || this.#wantsMaxCompletionTokens.has(request.model))
      return false;
    this.#wantsMaxCompletionTokens.add(request.model);
    return true;
  }
}

function readCompletion(
  completion: ChatCompletion,
  endpoint: EndpointDescription,
): Result<ChatAnswer, TransportFailure> {
  const choice = completion.choices?.[0];
  if (choice === undefined) {
    return err({
      kind: 'server',
      message: `${endpoint.baseUrl} returned an answer without choices`,
      retryable: true,
      retryAfterMs: null,
    });
  }
  if (choice.message.refusal) {
    return err({
      kind: 'refusal',
      message: `the model declined to answer: ${choice.message.refusal}`,
      retryable: false,
      retryAfterMs: null,
    });
  }
  if (choice.finish_reason === 'content_filter') {
    return err({
      kind: 'refusal',
      message: "the provider's content filter stopped the answer (finish_reason=content_filter); reword the prompt",
      retryable: false,
      retryAfterMs: null,
    });
  }
  return ok({
    text: choice.message.content ?? '',
    usage: {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    },
    cached: false,
    finishReason: choice.finish_reason ?? null,
  });
}
