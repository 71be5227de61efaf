// What the agent loop asks of a policy: given the chat so far (and the function tools, under native
// tool calling), the next assistant turn. A real model behind an OpenAI-compatible endpoint
// (openai-chat-model.ts) and the reference policy (reference-policy.ts) both answer it.
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { LlmError } from '../llm/types.js';
import type { Result } from '../util/result.js';

export interface TurnRequest {
  readonly messages: readonly ChatCompletionMessageParam[];
  /** Native tool calling only: the env's tools as OpenAI function tools. */
  readonly tools?: readonly ChatCompletionTool[];
}

/** A native tool call as the model wrote it; `arguments` is the raw text (it may not be JSON). */
export interface ModelToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface ModelTurn {
  /** The text of the turn ('' when the model wrote none). */
  readonly content: string;
  readonly toolCalls: readonly ModelToolCall[];
  /** 'stop', 'tool_calls', 'length', … as the endpoint reports it. */
  readonly finishReason: string | null;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
}

export interface AgentModel {
  /** For trajectory.json: the model, its endpoint (no credentials) and its sampling settings. */
  readonly description: {
    readonly model: string | null;
    readonly apiUrl: string | null;
    readonly temperature: number | null;
    readonly maxTokens: number | null;
  };
  /** The next turn, or why there is none (the endpoint failed after its retries, or `signal` fired: `cancelled`). */
  next(request: TurnRequest, signal: AbortSignal): Promise<Result<ModelTurn, LlmError>>;
}
