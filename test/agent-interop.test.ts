// Interoperability: an agent of OpenAI's Agents SDK (@openai/agents-core, with its own MCP client)
// lists and calls the tools of the very session `awm agent` starts (LocalEnv: the sandboxed
// runner, MCP over HTTP with a bearer token), offline. Its model is a small adapter from the SDK's
// Model interface to chat completions through the real `openai` client, pointed at the scripted
// mock LLM server, so the test also sees what the SDK sent the model: our tools as its functions,
// and our results as its tool messages.
import { join } from 'node:path';
import { Agent, MCPServerStreamableHttp, run, setTracingDisabled, Usage } from '@openai/agents-core';
import type { AgentInputItem, AgentOutputItem, Model, ModelRequest, ModelResponse } from '@openai/agents-core';
import { OpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalEnv } from '../src/agent/local-env.js';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { makeShopProject, ordersIn } from './support/agent-fixture.js';
import { SHOP_WORLD_CLOCK } from './support/env-fixture.js';

setTracingDisabled(true);

/** The SDK's Model over chat completions: enough for messages, function calls and their results. */
function chatCompletionsModel(client: OpenAI, model: string): Model {
  return {
    async getResponse(request: ModelRequest): Promise<ModelResponse> {
      const completion = await client.chat.completions.create({
        model,
        messages: chatMessages(request),
        tools: request.tools.flatMap((tool): ChatCompletionTool[] =>
          tool.type === 'function'
            ? [
                {
                  type: 'function',
                  function: { name: tool.name, description: tool.description, parameters: tool.parameters },
                },
              ]
            : [],
        ),
      });
      const message = completion.choices[0]!.message;
      const output: AgentOutputItem[] = (message.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [
              {
                type: 'function_call' as const,
                callId: call.id,
                name: call.function.name,
                arguments: call.function.arguments,
                status: 'completed' as const,
              },
            ]
          : [],
      );
      if (message.content)
        output.push({
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: message.content }],
        });
      return { usage: new Usage(), output };
    },
    async *getStreamedResponse() {
      throw new Error('this adapter does not stream');
    },
  };
}

function chatMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.systemInstructions) messages.push({ role: 'system', content: request.systemInstructions });
  const items: AgentInputItem[] =
    typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : request.input;
  for (const item of items) {
    if (item.type === 'message' && item.role === 'user')
      messages.push({ role: 'user', content: typeof item.content === 'string' ? item.content : textOf(item.content) });
    else if (item.type === 'message' && item.role === 'assistant')
      messages.push({ role: 'assistant', content: textOf(item.content) });
    else if (item.type === 'function_call')
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: item.callId, type: 'function', function: { name: item.name, arguments: item.arguments } }],
      });
    else if (item.type === 'function_call_result')
      messages.push({
        role: 'tool',
        tool_call_id: item.callId,
        content: typeof item.output === 'string' ? item.output : textOf(item.output),
      });
  }
  return messages;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : [content];
  return parts.map((part) => (part as { text?: string }).text ?? '').join('');
}

test("an @openai/agents-core agent lists and calls the tools of awm agent's own env session over MCP", async () => {
  const project = makeShopProject();
  const mock = await startMockLlmServer({
    steps: [
      mockStep.toolCalls([{ name: 'place_order', arguments: '{"product_id": 1, "quantity": 2}' }]),
      mockStep.answer('I ordered two desk lamps.'),
    ],
  });
  const scenarioDir = join(project.dir, 'artifacts', 'shop');
  const env = await LocalEnv.start({
    name: 'shop',
    files: {
      seedPath: join(scenarioDir, 'seed.db'),
      specPath: join(scenarioDir, 'spec.json'),
      modulePath: join(scenarioDir, 'tools.mjs'),
      worldClock: SHOP_WORLD_CLOCK,
    },
    callLogPath: join(project.dir, 'calls.jsonl'),
  });
  const server = new MCPServerStreamableHttp({
    url: env.url,
    name: 'shop',
    requestInit: { headers: { authorization: `Bearer ${env.token}` } },
  });
  try {
    await server.connect();
    const client = new OpenAI({ apiKey: 'sk-mock', baseURL: mock.url, maxRetries: 0 });
    const agent = new Agent({
      name: 'shopper',
      instructions: 'You shop for user 1.',
      model: chatCompletionsModel(client, 'mock-model'),
      mcpServers: [server],
    });
    const result = await run(agent, 'Order two desk lamps for me.');
    assert.is(result.finalOutput, 'I ordered two desk lamps.');

    const first = mock.chatRequests[0]!.body as { tools: ChatCompletionTool[] };
    assert.equal(
      first.tools.map((tool) => (tool.type === 'function' ? tool.function.name : tool.type)),
      ['search_products', 'place_order', 'cancel_order', 'list_orders', 'restock_product'],
    );
    const second = mock.chatRequests[1]!.body as { messages: ChatCompletionMessageParam[] };
    const toolMessage = second.messages.find((message) => message.role === 'tool');
    assert.equal(JSON.parse(textOf(toolMessage?.content)), {
      order: { id: 3, product_id: 1, quantity: 2, status: 'placed', created_at: '2026-03-02 09:00:00' },
    });
  } finally {
    await server.close();
    await env.close(join(project.dir, 'final.db'));
    await mock.close();
  }
  try {
    assert.is(ordersIn(join(project.dir, 'final.db')).length, 3);
  } finally {
    project.remove();
  }
});

test.run();
