// What one agent run leaves in its run folder as trajectory.json (format 1): who ran which task
// how, every step (what the model said and called, and what each call returned), the chat exactly
// as it was sent, and why the episode ended. The verifier and the judge read it; so do people.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

export const TRAJECTORY_FORMAT = 1;

export type StopReason =
  /** The model answered without calling a tool: that answer is the final answer. */
  | 'final_answer'
  /** `--max-iterations` turns went by without a final answer. */
  | 'max_iterations'
  /** The model's endpoint failed after its retries (the run exits 1). */
  | 'llm_error'
  /** Ctrl-C (or SIGTERM): the run stopped after the step in progress. */
  | 'interrupted';

export type ProtocolName = 'tools' | 'awm-xml';
export type PolicyName = 'llm' | 'reference';

/** A failed call as the agent reads it: the env's `{ error: { code, message } }`, or the agent side's own. */
export interface ToolError {
  readonly code: string;
  readonly message: string;
}

/** What a tool call came to: the tool's result, or an error the model is told about. */
export type ToolOutcome =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ToolError };

/** A call as the model wrote it: `arguments` parsed when they were JSON, else the text as written. */
export interface WrittenCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: unknown;
}

/**
 * A call as it ran: for `call_tool` under the awm-xml protocol, the env tool it named and its
 * arguments (so both protocols record env calls alike); `list_tools` is answered by the agent itself.
 */
export type ToolResultRecord = WrittenCall & ToolOutcome & { readonly ms: number };

export interface TrajectoryStep {
  /** 1-based turn number. */
  readonly iteration: number;
  readonly assistant: {
    readonly content: string;
    readonly tool_calls: readonly WrittenCall[];
    readonly finish_reason: string | null;
  };
  /** In the order they ran; awm-xml runs only the first call of a turn. */
  readonly tool_results: readonly ToolResultRecord[];
}

export interface TokenTotals {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

export interface Trajectory {
  readonly format: typeof TRAJECTORY_FORMAT;
  readonly scenario: string | null;
  readonly task_id: string | null;
  readonly task: string;
  /** null under the reference policy, which calls no model. */
  readonly model: string | null;
  readonly protocol: ProtocolName;
  readonly policy: PolicyName;
  /** The model endpoint's base URL without credentials; null under the reference policy. */
  readonly api_url: string | null;
  /** The MCP endpoint the agent talked to (the run's own, on a random port, when it started the env). */
  readonly mcp_url: string;
  readonly max_iterations: number;
  readonly temperature: number | null;
  readonly max_tokens: number | null;
  readonly started_at: string;
  readonly ended_at: string;
  readonly stop_reason: StopReason;
  readonly final_answer: string | null;
  /** What went wrong, for `llm_error`; null otherwise. */
  readonly error: string | null;
  /** The run folder's database files, or null with the reason they are not there. */
  readonly databases: {
    readonly initial: 'initial.db' | null;
    readonly final: 'final.db' | null;
    readonly note: string | null;
  };
  readonly steps: readonly TrajectoryStep[];
  /** The whole chat, as it was sent to the model (plus its last answer). */
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly usage: TokenTotals;
}
