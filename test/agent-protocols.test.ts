// The two protocols as pure functions: how a turn is read (which calls run, what is refused and
// why, what the final answer is) and what the model is told. The CLI tests run the same code
// against the mock model and the real host; these pin the parsing corners one by one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelTurn } from '../src/agent/agent-model.js';
import type { AgentTool } from '../src/agent/agent-tools.js';
import { awmXmlProtocol } from '../src/agent/protocols/awm-xml-protocol.js';
import { findToolCalls, withoutThinking } from '../src/agent/protocols/awm-xml-tool-calls.js';
import { toolListingText } from '../src/agent/protocols/awm-xml-tool-listing.js';
import { toolsProtocol } from '../src/agent/protocols/tools-protocol.js';

const TOOLS: AgentTool[] = [
  {
    name: 'get_order',
    description: 'One order of the signed-in user.\nReturns: { order }',
    inputSchema: {
      type: 'object',
      properties: { order_id: { type: 'integer', minimum: 1, description: 'The order' } },
      required: ['order_id'],
    },
  },
  {
    name: 'ship',
    description: 'Ship an order.',
    inputSchema: {
      type: 'object',
      properties: {
        speed: { type: 'string', enum: ['standard', 'express'], default: 'standard' },
        address: {
          type: 'object',
          description: 'Where to',
          properties: { city: { type: 'string' }, lines: { type: 'array', items: { type: 'string' } } },
          required: ['city'],
        },
      },
    },
  },
];

function turn(content: string, toolCalls: ModelTurn['toolCalls'] = []): ModelTurn {
  return { content, toolCalls, finishReason: null, usage: { promptTokens: 0, completionTokens: 0 } };
}

test('withoutThinking drops <think> blocks, everything before a lone </think>, and an unclosed <think>', () => {
  assert.is(withoutThinking('<think>hmm</think>\nThe answer is 4.'), 'The answer is 4.');
  assert.is(withoutThinking('reasoning opened by the template</think>The answer.'), 'The answer.');
  assert.is(withoutThinking('Partial answer <think>and then it was cut'), 'Partial answer');
  assert.is(withoutThinking('No thinking.'), 'No thinking.');
});

test('findToolCalls: each block in order; broken JSON, a missing name and an unclosed block are malformed calls; a list is unwrapped', () => {
  const calls = findToolCalls(
    '<tool_call>{"name": "list_tools", "arguments": null}</tool_call> then ' +
      '<tool_call>[{"name": "call_tool", "arguments": {"tool_name": "x"}}]</tool_call>' +
      '<tool_call>{"name": </tool_call><tool_call>{"arguments": {}}</tool_call><tool_call>{"name": "cut',
  );
  assert.equal(calls[0], { ok: true, name: 'list_tools', arguments: null });
  assert.equal(calls[1], { ok: true, name: 'call_tool', arguments: { tool_name: 'x' } });
  assert.is(calls[2]?.ok, false);
  assert.match((calls[2] as { problem: string }).problem, /^the <tool_call> is not valid JSON/);
  assert.equal(calls[3], {
    ok: false,
    text: '{"arguments": {}}',
    problem: 'the <tool_call> must hold one JSON object with a "name" string',
  });
  assert.equal(calls[4], {
    ok: false,
    text: '{"name": "cut',
    problem: 'the <tool_call> is never closed with </tool_call>',
  });
  assert.equal(findToolCalls('Just an answer.'), []);
});

test('the list_tools listing: mcp_tool_ names, description lines, required and optional parameters, allowed values, defaults, bounds, nested objects', () => {
  assert.is(
    toolListingText(TOOLS),
    [
      "The application's tools (2):",
      '',
      '1. mcp_tool_get_order',
      '   One order of the signed-in user.',
      '   Returns: { order }',
      '   Parameters:',
      '     - order_id (integer, required): The order',
      '       minimum 1',
      '',
      '2. mcp_tool_ship',
      '   Ship an order.',
      '   Parameters:',
      '     - speed (string, optional)',
      '       allowed values: "standard", "express"; default: "standard"',
      '     - address (object, optional): Where to',
      '         - city (string, required)',
      '         - lines (array of string, optional)',
    ].join('\n'),
  );
  assert.match(
    toolListingText([{ name: 'ping', description: 'Ping.', inputSchema: { type: 'object' } }]),
    /Parameters: none$/,
  );
});

test('awm-xml: list_tools is answered with the listing; call_tool takes a JSON string or an object, the mcp_tool_ prefix or none; a direct mcp_tool_ call counts as call_tool', () => {
  const protocol = awmXmlProtocol(TOOLS);
  const listing = protocol.read(turn('<tool_call>{"name": "list_tools", "arguments": {}}</tool_call>')).calls[0];
  assert.equal(listing?.action, { kind: 'answered', outcome: { ok: true, result: toolListingText(TOOLS) } });
  for (const written of [
    '{"name": "call_tool", "arguments": {"tool_name": "mcp_tool_get_order", "arguments": "{\\"order_id\\": 7}"}}',
    '{"name": "call_tool", "arguments": {"tool_name": "get_order", "arguments": {"order_id": 7}}}',
    '{"name": "call_tool", "arguments": "{\\"tool_name\\": \\"get_order\\", \\"arguments\\": \\"{\\\\\\"order_id\\\\\\": 7}\\"}"}',
    '{"name": "mcp_tool_get_order", "arguments": {"order_id": 7}}',
  ]) {
    const call = protocol.read(turn(`<tool_call>${written}</tool_call>`)).calls[0];
    assert.equal(call?.action, { kind: 'env', tool: 'get_order', args: { order_id: 7 } }, written);
    assert.is(call?.name, 'get_order');
  }
  const empty = protocol.read(
    turn('<tool_call>{"name": "call_tool", "arguments": {"tool_name": "ship", "arguments": ""}}</tool_call>'),
  );
  assert.equal(empty.calls[0]?.action, { kind: 'env', tool: 'ship', args: {} });
});

test('awm-xml: what cannot run is answered with an error the model reads; the results come back as one user message', () => {
  const protocol = awmXmlProtocol(TOOLS);
  const errorOf = (content: string): unknown => {
    const action = protocol.read(turn(content)).calls[0]?.action;
    return action?.kind === 'answered' && !action.outcome.ok ? action.outcome.error : action;
  };
  assert.equal(
    errorOf('<tool_call>{"name": "call_tool", "arguments": {"tool_name": "refund", "arguments": "{}"}}</tool_call>'),
    {
      code: 'unknown_tool',
      message: 'no tool is named "refund"; call list_tools to see the tools',
    },
  );
  assert.equal(errorOf('<tool_call>{"name": "call_tool", "arguments": {"arguments": "{}"}}</tool_call>'), {
    code: 'invalid_arguments',
    message: 'invalid arguments: call_tool needs "tool_name", the name of a tool list_tools shows',
  });
  assert.equal(
    errorOf('<tool_call>{"name": "call_tool", "arguments": {"tool_name": "ship", "arguments": "[1]"}}</tool_call>'),
    {
      code: 'invalid_arguments',
      message: 'invalid arguments: the arguments of ship must be one JSON object',
    },
  );
  assert.equal(
    protocol.resultMessages([
      {
        id: 'call_1',
        name: 'ship',
        arguments: {},
        ok: false,
        error: { code: 'not_found', message: 'no order 7' },
        ms: 1,
      },
    ]),
    [{ role: 'user', content: 'Tool response:\nError: {"error":{"code":"not_found","message":"no order 7"}}' }],
  );
  const final = protocol.read(turn('<think>Done thinking.</think>Your order 7 has shipped.'));
  assert.equal([final.calls, final.finalAnswer], [[], 'Your order 7 has shipped.']);
  assert.equal(final.message, { role: 'assistant', content: '<think>Done thinking.</think>Your order 7 has shipped.' });
});

test('tools protocol: function tools from the listing; empty arguments are {}; non-object arguments and unknown names are answered with errors', () => {
  const protocol = toolsProtocol(TOOLS);
  assert.equal(protocol.requestTools?.[0], {
    type: 'function',
    function: { name: 'get_order', description: TOOLS[0]!.description, parameters: TOOLS[0]!.inputSchema },
  });
  const reading = protocol.read(
    turn('', [
      { id: 'a', name: 'ship', arguments: '' },
      { id: 'b', name: 'get_order', arguments: '[7]' },
      { id: 'c', name: 'refund', arguments: '{}' },
    ]),
  );
  assert.equal(reading.calls[0]?.action, { kind: 'env', tool: 'ship', args: {} });
  assert.equal(reading.calls[1]?.action, {
    kind: 'answered',
    outcome: {
      ok: false,
      error: { code: 'invalid_arguments', message: 'invalid arguments: they must be one JSON object' },
    },
  });
  assert.equal(reading.calls[2]?.action, {
    kind: 'answered',
    outcome: {
      ok: false,
      error: { code: 'unknown_tool', message: 'no tool is named "refund"; the tools are get_order, ship' },
    },
  });
  assert.equal(reading.message, {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'a', type: 'function', function: { name: 'ship', arguments: '' } },
      { id: 'b', type: 'function', function: { name: 'get_order', arguments: '[7]' } },
      { id: 'c', type: 'function', function: { name: 'refund', arguments: '{}' } },
    ],
  });
  assert.equal(
    protocol.resultMessages([
      { id: 'a', name: 'ship', arguments: {}, ok: true, result: { shipped: true }, ms: 1 },
      { id: 'b', name: 'get_order', arguments: '[7]', ok: false, error: { code: 'x', message: 'y' }, ms: 0 },
    ]),
    [
      { role: 'tool', tool_call_id: 'a', content: '{"shipped":true}' },
      { role: 'tool', tool_call_id: 'b', content: '{"error":{"code":"x","message":"y"}}' },
    ],
  );
});

test('a scripted turn reads back as the call it scripts, in both protocols (the reference policy relies on it)', () => {
  for (const make of [toolsProtocol, awmXmlProtocol]) {
    const protocol = make(TOOLS);
    const call = protocol.read(protocol.scriptedTurn({ kind: 'call', tool: 'get_order', args: { order_id: 7 } }, 0));
    assert.equal(call.calls[0]?.action, { kind: 'env', tool: 'get_order', args: { order_id: 7 } }, protocol.name);
    const answer = protocol.read(protocol.scriptedTurn({ kind: 'answer', text: 'Order 7.' }, 1));
    assert.equal([answer.calls, answer.finalAnswer], [[], 'Order 7.'], protocol.name);
  }
});

test.run();
