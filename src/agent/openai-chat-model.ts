// A real model as the agent's policy: chat completions through the `openai` client (OpenAI, Azure
// OpenAI or any compatible server such as vLLM), with the build's transport policy
// (src/llm/call-with-retries.ts: 429, 5xx, timeouts and network errors retried with backoff; auth
// errors and other 4xx not). A model that rejects `max_tokens` is sent `max_completion_tokens`
// from then on (OpenAI's reasoning models). A refusal is a turn like any other: its text, no calls.
import { BadRequestError, type OpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { callWithRetries, type RetryOptions, type TransportFailure } from '../llm/call-with-retries.js';
import { describeOpenAiError, type EndpointDescription } from '../llm/describe-openai-error.js';
import { azureClient, CLIENT_TIMEOUT_SLACK_MS, openAiClient } from '../llm/openai-client.js';
import { DEFAULT_BACKOFF } from '../llm/retry-delay.js';
import type { LlmError } from '../llm/types.js';
import { err, ok, type Result } from '../util/result.js';
import { Semaphore } from '../util/semaphore.js';
import { displayedUrl, type AgentEndpoint } from './agent-endpoint.js';
import type { AgentModel, ModelToolCall, ModelTurn, TurnRequest } from './agent-model.js';

export interface ChatModelSettings {
  readonly endpoint: AgentEndpoint;
  readonly model: string;
  readonly temperature: number;
  /** Per turn; reasoning models spend part of it thinking. */
  readonly maxTokens: number;
  /** Transport retries after the first try. */
  readonly retries: number;
  /** Per try. */
  readonly timeoutMs: number;
  /** Largest answer read, in bytes. */
  readonly maxAnswerBytes?: number;
  readonly backoff?: RetryOptions['backoff'];
}

export class OpenAiChatModel implements AgentModel {
  readonly description: AgentModel['description'];
  readonly #client: OpenAI;
  readonly #endpoint: EndpointDescription;
  readonly #retry: RetryOptions;
  #maxCompletionTokens = false;

  constructor(readonly settings: ChatModelSettings) {
    const { endpoint } = settings;
    const shared = { apiKey: endpoint.apiKey, timeoutMs: settings.timeoutMs, maxAnswerBytes: settings.maxAnswerBytes };
    this.#client =
      endpoint.kind === 'azure'
        ? azureClient({ ...shared, endpoint: endpoint.endpoint, apiVersion: endpoint.apiVersion })
        : openAiClient({ ...shared, baseUrl: endpoint.baseUrl });
    this.#endpoint =
      endpoint.kind === 'azure'
        ? {
            baseUrl: endpoint.endpoint,
            keyVariable: 'AZURE_OPENAI_API_KEY',
            urlVariable: 'AZURE_ENDPOINT_URL',
            model: settings.model,
            modelWord: 'deployment',
          }
        : {
            baseUrl: endpoint.baseUrl,
            keyVariable: 'OPENAI_API_KEY',
            urlVariable: 'OPENAI_BASE_URL (or --api-url)',
            model: settings.model,
            modelWord: 'model',
          };
    this.#retry = {
      retries: settings.retries,
      timeoutMs: settings.timeoutMs,
      timeoutHint: 'the model may need longer for a turn: try fewer --max-tokens or a faster endpoint',
      backoff: settings.backoff ?? DEFAULT_BACKOFF,
      limiter: new Semaphore(1),
    };
    this.description = {
      model: settings.model,
      apiUrl: displayedUrl(endpoint),
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
    };
  }

  next(request: TurnRequest, signal: AbortSignal): Promise<Result<ModelTurn, LlmError>> {
    return callWithRetries((trySignal) => this.#try(request, trySignal), this.#retry, signal);
  }

  async #try(request: TurnRequest, signal: AbortSignal): Promise<Result<ModelTurn, TransportFailure>> {
    try {
      return readCompletion(await this.#send(request, signal), this.#endpoint);
    } catch (error) {
      const asksForIt = error instanceof BadRequestError && /max_completion_tokens/.test(error.message);
      if (!asksForIt || this.#maxCompletionTokens) return err(describeOpenAiError(error, this.#endpoint, Date.now()));
      this.#maxCompletionTokens = true;
      try {
        return readCompletion(await this.#send(request, signal), this.#endpoint);
      } catch (retryError) {
        return err(describeOpenAiError(retryError, this.#endpoint, Date.now()));
      }
    }
  }

  #send(request: TurnRequest, signal: AbortSignal): Promise<ChatCompletion> {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: this.settings.model,
      messages: [...request.messages],
      temperature: this.settings.temperature,
      ...(this.#maxCompletionTokens
        ? { max_completion_tokens: this.settings.maxTokens }
        : { max_tokens: this.settings.maxTokens }),
      ...(request.tools === undefined || request.tools.length === 0 ? {} : { tools: [...request.tools] }),
    };
    return this.#client.chat.completions.create(params, {
      signal,
      maxRetries: 0,
      timeout: this.settings.timeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    });
  }
}

function readCompletion(
  completion: ChatCompletion,
  endpoint: EndpointDescription,
): Result<ModelTurn, TransportFailure> {
  const choice = completion.choices?.[0];
  if (choice === undefined)
    return err({
      kind: 'server',
      message: `${endpoint.baseUrl} returned an answer without choices`,
      retryable: true,
      retryAfterMs: null,
    });
  const { message } = choice;
  const toolCalls: ModelToolCall[] = (message.tool_calls ?? []).flatMap((call, index) =>
    call.type === 'function'
      ? [
          {
            id: call.id || `call_${completion.id}_${index}`,
            name: call.function.name,
            arguments: call.function.arguments ?? '',
          },
        ]
      : [],
  );
  return ok({
    content: message.content ?? message.refusal ?? '',
    toolCalls,
    finishReason: choice.finish_reason ?? null,
    usage: {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    },
  });
}
