// How the model and the env talk, beyond the loop itself: what the chat starts with, which function
// tools the request carries, how a turn's calls are read (and which of them run), and how results
// go back. Two implementations in protocols/: native tool calling (`tools`) and the reference's
// text protocol for the Arctic-AWM models (`awm-xml`).
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ModelTurn } from './agent-model.js';
import type { AgentTool } from './agent-tools.js';
import type { ProtocolName, ToolOutcome, ToolResultRecord, WrittenCall } from './trajectory.js';

/** What running a call means. */
export type CallAction =
  /** An env tool over MCP. */
  | { readonly kind: 'env'; readonly tool: string; readonly args: Readonly<Record<string, unknown>> }
  /** Answered by the protocol itself: a meta-tool's answer, or why the call cannot run (told to the model). */
  | { readonly kind: 'answered'; readonly outcome: ToolOutcome };

export interface PlannedCall {
  readonly id: string;
  /** What the trajectory records as the call that ran (the env tool for `call_tool`). */
  readonly name: string;
  readonly arguments: unknown;
  readonly action: CallAction;
}

export interface TurnReading {
  /** The assistant message as it goes back into the chat. */
  readonly message: ChatCompletionMessageParam;
  /** Every call the turn wrote, as written. */
  readonly written: readonly WrittenCall[];
  /** The calls to run, in order; none means the turn is the final answer. */
  readonly calls: readonly PlannedCall[];
  /** The final answer, when there are no calls. */
  readonly finalAnswer: string;
}

/** One step of a scripted policy (the reference solution): call an env tool, or answer. */
export type ScriptedStep =
  | { readonly kind: 'call'; readonly tool: string; readonly args: Readonly<Record<string, unknown>> }
  | { readonly kind: 'answer'; readonly text: string };

export interface AgentProtocol {
  readonly name: ProtocolName;
  /** The chat's first messages for `task`. */
  opening(task: string): ChatCompletionMessageParam[];
  /** The function tools each request carries (native tool calling), or undefined. */
  readonly requestTools: readonly ChatCompletionTool[] | undefined;
  read(turn: ModelTurn): TurnReading;
  /** The messages that tell the model what its calls returned. */
  resultMessages(results: readonly ToolResultRecord[]): ChatCompletionMessageParam[];
  /** The turn a model speaking this protocol writes to take `step` (`index` numbers the turns). */
  scriptedTurn(step: ScriptedStep, index: number): ModelTurn;
}

export type ProtocolFactory = (tools: readonly AgentTool[]) => AgentProtocol;
