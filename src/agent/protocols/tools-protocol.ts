// Native tool calling: each env tool is an OpenAI function tool (its name, description, and input
// schema as `parameters`); every call of a turn runs, in order, and each result goes back as a
// `role: tool` message holding the result's JSON text, or `{"error":{"code","message"}}`. Arguments
// that are not a JSON object and names no tool has are answered here, without reaching the env.
import type {
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { isRecord } from '../../util/is-record.js';
import type { ModelTurn } from '../agent-model.js';
import type { AgentProtocol, PlannedCall, ScriptedStep, TurnReading } from '../agent-protocol.js';
import type { AgentTool } from '../agent-tools.js';
import type { ToolOutcome, WrittenCall } from '../trajectory.js';

const SYSTEM_PROMPT = `You work inside an application on behalf of its user, who is signed in as user id 1.
Use the tools to look things up and to make the changes the user asks for. You may call several tools in one turn; each result comes back to you, and an error result says what went wrong, so you can correct the call and try again.
Do not ask the user anything: rely on what the tools tell you.
When the task is done, or cannot be done, reply without calling a tool. That reply is your final answer to the user: state what you found, or what you changed.`;

export function toolsProtocol(tools: readonly AgentTool[]): AgentProtocol {
  const names = new Set(tools.map((tool) => tool.name));
  return {
    name: 'tools',
    opening: (task) => [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: task },
    ],
    requestTools: tools.map((tool): ChatCompletionTool => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: { ...tool.inputSchema } },
    })),
    read: (turn) => readTurn(turn, names),
    resultMessages: (results) =>
      results.map((result) => ({ role: 'tool', tool_call_id: result.id, content: outcomeText(result) })),
    scriptedTurn,
  };
}

function readTurn(turn: ModelTurn, names: ReadonlySet<string>): TurnReading {
  const written: WrittenCall[] = [];
  const calls: PlannedCall[] = [];
  for (const call of turn.toolCalls) {
    const parsed = parseArguments(call.arguments);
    written.push({ id: call.id, name: call.name, arguments: parsed.ok ? parsed.value : call.arguments });
    calls.push(plan(call.id, call.name, call.arguments, parsed, names));
  }
  const toolCalls: ChatCompletionMessageToolCall[] = turn.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  const message: ChatCompletionMessageParam =
    toolCalls.length === 0
      ? { role: 'assistant', content: turn.content }
      : { role: 'assistant', content: turn.content === '' ? null : turn.content, tool_calls: toolCalls };
  return { message, written, calls, finalAnswer: turn.content.trim() };
}

function plan(id: string, name: string, raw: string, parsed: ParsedArguments, names: ReadonlySet<string>): PlannedCall {
  const refuse = (code: string, message: string): PlannedCall => ({
    id,
    name,
    arguments: parsed.ok ? parsed.value : raw,
    action: { kind: 'answered', outcome: { ok: false, error: { code, message } } },
  });
  if (!names.has(name))
    return refuse('unknown_tool', `no tool is named "${name}"; the tools are ${[...names].join(', ')}`);
  if (!parsed.ok) return refuse('invalid_arguments', `invalid arguments: ${parsed.error}`);
  return { id, name, arguments: parsed.value, action: { kind: 'env', tool: name, args: parsed.value } };
}

type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** The arguments text as a JSON object ('' counts as `{}`, as some servers send it for no arguments). */
function parseArguments(text: string): ParsedArguments {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `they are not valid JSON (${(error as Error).message}); send one JSON object` };
  }
  if (!isRecord(value)) return { ok: false, error: 'they must be one JSON object' };
  return { ok: true, value };
}

/** A tool message's content: the result as JSON text (a text result as it is), or the error object. */
export function outcomeText(outcome: ToolOutcome): string {
  if (!outcome.ok) return JSON.stringify({ error: outcome.error });
  return typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result);
}

function scriptedTurn(step: ScriptedStep, index: number): ModelTurn {
  const usage = { promptTokens: 0, completionTokens: 0 };
  if (step.kind === 'answer') return { content: step.text, toolCalls: [], finishReason: 'stop', usage };
  return {
    content: '',
    toolCalls: [{ id: `call_reference_${index}`, name: step.tool, arguments: JSON.stringify(step.args) }],
    finishReason: 'tool_calls',
    usage,
  };
}
