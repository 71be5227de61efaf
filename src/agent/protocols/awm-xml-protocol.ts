// The reference's text protocol, which the released Arctic-AWM models were trained on: no function
// tools in the request; the system prompt offers two meta-tools, `list_tools` (answered here with
// a text listing) and `call_tool {tool_name, arguments: "<JSON string>"}`, written as
// `<tool_call>{"name": …, "arguments": …}</tool_call>` in the turn's text. Only the first call of a
// turn runs; its result goes back as a user message `Tool response:\n…`. A turn without a call
// ends the episode, and its text without the thinking is the final answer. A call named
// `mcp_tool_<tool>` directly counts as call_tool, and tool names may carry that prefix, as in the
// reference.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { isRecord } from '../../util/is-record.js';
import type { ModelTurn } from '../agent-model.js';
import type { AgentProtocol, PlannedCall, ScriptedStep, TurnReading } from '../agent-protocol.js';
import type { AgentTool } from '../agent-tools.js';
import type { ToolOutcome, WrittenCall } from '../trajectory.js';
import { findToolCalls, withoutThinking, type XmlToolCall } from './awm-xml-tool-calls.js';
import { LISTED_NAME_PREFIX, toolListingText } from './awm-xml-tool-listing.js';

const SYSTEM_PROMPT = `You are connected to an application through MCP tools and act for its user. The user is already signed in: their user id is 1, should a tool ask for it.

At each step you may call exactly one function. There are two:

1. list_tools: lists the application's tools and their parameters. It takes no arguments. Call it first, and only once.
2. call_tool: runs one of the listed tools. Its arguments:
   - tool_name (string, required): the tool's name exactly as list_tools shows it.
   - arguments (string, required): the tool's arguments as a JSON object inside a string, "{}" when it takes none. Plain JSON only: no markdown fences and no comments.

To call a function, write a JSON object with its name and arguments between <tool_call> and </tool_call>, for example:
<tool_call>
{"name": "list_tools", "arguments": {}}
</tool_call>
<tool_call>
{"name": "call_tool", "arguments": {"tool_name": "mcp_tool_get_order", "arguments": "{\\"order_id\\": 7}"}}
</tool_call>

The function's result comes back in the next message. When the task is done, or cannot be done, reply without a <tool_call>: that reply is your final answer to the user.`;

const RESPONSE_PREFIX = 'Tool response:\n';

export function awmXmlProtocol(tools: readonly AgentTool[]): AgentProtocol {
  const names = new Set(tools.map((tool) => tool.name));
  const listing = toolListingText(tools);
  let callNumber = 0;
  return {
    name: 'awm-xml',
    opening: (task) => [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: task },
    ],
    requestTools: undefined,
    read(turn: ModelTurn): TurnReading {
      const visible = withoutThinking(turn.content);
      const found = findToolCalls(visible);
      const ids = found.map(() => `call_${(callNumber += 1)}`);
      const written: WrittenCall[] = found.map((call, index) => ({
        id: ids[index]!,
        name: call.ok ? call.name : '(malformed)',
        arguments: call.ok ? call.arguments : call.text,
      }));
      const first = found[0];
      return {
        message: { role: 'assistant', content: turn.content },
        written,
        calls: first === undefined ? [] : [plan(ids[0]!, first, names, listing)],
        finalAnswer: visible,
      };
    },
    resultMessages: (results) =>
      results.map((result): ChatCompletionMessageParam => ({ role: 'user', content: RESPONSE_PREFIX + text(result) })),
    scriptedTurn,
  };
}

function plan(id: string, call: XmlToolCall, names: ReadonlySet<string>, listing: string): PlannedCall {
  const answered = (name: string, args: unknown, outcome: ToolOutcome): PlannedCall => ({
    id,
    name,
    arguments: args,
    action: { kind: 'answered', outcome },
  });
  const refused = (name: string, args: unknown, code: string, message: string): PlannedCall =>
    answered(name, args, { ok: false, error: { code, message } });
  if (!call.ok)
    return refused(
      '(malformed)',
      call.text,
      'malformed_call',
      `${call.problem}; write one JSON object {"name": …, "arguments": …} between <tool_call> and </tool_call>`,
    );
  if (call.name === 'list_tools') return answered('list_tools', {}, { ok: true, result: listing });
  const target =
    call.name === 'call_tool'
      ? callToolTarget(call.arguments)
      : call.name.startsWith(LISTED_NAME_PREFIX)
        ? innerArguments(call.name, call.arguments)
        : null;
  if (target === null)
    return refused(
      call.name,
      call.arguments,
      'unknown_tool',
      `there is no function "${call.name}"; the functions are list_tools and call_tool`,
    );
  if (!target.ok) return refused(target.tool ?? 'call_tool', call.arguments, 'invalid_arguments', target.problem);
  if (!names.has(target.tool))
    return refused(
      target.tool,
      target.args,
      'unknown_tool',
      `no tool is named "${target.tool}"; call list_tools to see the tools`,
    );
  return {
    id,
    name: target.tool,
    arguments: target.args,
    action: { kind: 'env', tool: target.tool, args: target.args },
  };
}

type Target =
  | { readonly ok: true; readonly tool: string; readonly args: Record<string, unknown> }
  | { readonly ok: false; readonly tool: string | null; readonly problem: string };

/** `{tool_name, arguments}`, given as an object or (as some models write it) a JSON string. */
function callToolTarget(value: unknown): Target {
  let given = value;
  if (typeof given === 'string') {
    try {
      given = JSON.parse(given);
    } catch {
      return { ok: false, tool: null, problem: 'invalid arguments: call_tool takes {"tool_name": …, "arguments": …}' };
    }
  }
  if (!isRecord(given) || typeof given['tool_name'] !== 'string' || given['tool_name'] === '')
    return {
      ok: false,
      tool: null,
      problem: 'invalid arguments: call_tool needs "tool_name", the name of a tool list_tools shows',
    };
  return innerArguments(given['tool_name'], given['arguments']);
}

/** The tool (without the listing's prefix) and its arguments: a JSON object, or a string holding one. */
function innerArguments(name: string, value: unknown): Target {
  const tool = name.startsWith(LISTED_NAME_PREFIX) ? name.slice(LISTED_NAME_PREFIX.length) : name;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return { ok: true, tool, args: {} };
  let args = value;
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch (error) {
      return {
        ok: false,
        tool,
        problem: `invalid arguments: the arguments of ${tool} are not valid JSON (${(error as Error).message}); pass one JSON object as a string`,
      };
    }
  }
  if (!isRecord(args))
    return { ok: false, tool, problem: `invalid arguments: the arguments of ${tool} must be one JSON object` };
  return { ok: true, tool, args };
}

/** What follows `Tool response:`: the result as JSON text (a text result as it is), or `Error: {"error": …}`. */
function text(outcome: ToolOutcome): string {
  if (!outcome.ok) return `Error: ${JSON.stringify({ error: outcome.error })}`;
  return typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result);
}

function scriptedTurn(step: ScriptedStep): ModelTurn {
  const usage = { promptTokens: 0, completionTokens: 0 };
  if (step.kind === 'answer') return { content: step.text, toolCalls: [], finishReason: 'stop', usage };
  const call = {
    name: 'call_tool',
    arguments: { tool_name: `${LISTED_NAME_PREFIX}${step.tool}`, arguments: JSON.stringify(step.args) },
  };
  return { content: `<tool_call>\n${JSON.stringify(call)}\n</tool_call>`, toolCalls: [], finishReason: 'stop', usage };
}
