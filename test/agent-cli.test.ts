// `awm agent` end to end: the real CLI in a temp project holding the shop scenario, the real
// `openai` client talking to the scripted mock LLM server, and the real env host (sandboxed runner,
// MCP over HTTP with a bearer token) on a fresh copy of the shop's seed.db. What the model is sent
// (tools, system prompt, tool results, errors), what the run folder holds, and how runs end.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { InProcessRunner } from '../src/env/in-process-runner.js';
import { McpHttpServer } from '../src/env/mcp-http.js';
import { EnvSessions } from '../src/env/sessions.js';
import { mockStep, startMockLlmServer, type MockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import {
  folderText,
  makeShopProject,
  ordersIn,
  readTrajectory,
  runFolderOf,
  SHOP_TASKS,
} from './support/agent-fixture.js';
import { exited, type CliResult, type TempProject } from './support/cli-rig.js';
import { makeShopFixture, SHOP_SPEC_PATH, SHOP_TOOLS_PATH, SHOP_WORLD_CLOCK } from './support/env-fixture.js';

const SECRET = 'sk-test-secret-4f9a';

interface Setup {
  readonly project: TempProject;
  readonly mock: MockLlmServer;
  agent(args: readonly string[]): Promise<CliResult>;
}

async function withShop(steps: readonly MockStep[], body: (setup: Setup) => Promise<void>): Promise<void> {
  const project = makeShopProject();
  const mock = await startMockLlmServer({ steps });
  try {
    await body({
      project,
      mock,
      agent: (args) =>
        project.run(['agent', '--model', 'mock-model', ...args], { OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: SECRET }),
    });
  } finally {
    await mock.close();
    project.remove();
  }
}

interface SentBody {
  readonly model: string;
  readonly temperature?: number;
  readonly max_tokens?: number;
  readonly tools?: { type: string; function: { name: string; description: string; parameters: unknown } }[];
  readonly messages: ChatCompletionMessageParam[];
}

function sent(mock: MockLlmServer, index: number): SentBody {
  const request = mock.chatRequests[index];
  if (request === undefined) throw new Error(`the model got ${mock.chatRequests.length} requests, not ${index + 1}`);
  return request.body as SentBody;
}

/** The last message of a request, as text. */
function lastMessage(mock: MockLlmServer, index: number): ChatCompletionMessageParam {
  const { messages } = sent(mock, index);
  return messages[messages.length - 1]!;
}

function contentOf(message: ChatCompletionMessageParam): string {
  return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
}

const NEW_ORDER = {
  id: 3,
  user_id: 1,
  product_id: 1,
  quantity: 2,
  status: 'placed',
  created_at: '2026-03-02 09:00:00',
};

test('tools protocol: the request carries the env tools; both calls of a turn run in order; results go back as tool messages; the final answer ends it', async () => {
  await withShop(
    [
      mockStep.toolCalls([
        { name: 'place_order', arguments: '{"product_id": 1, "quantity": 2}' },
        { name: 'list_orders', arguments: '{"status": "placed"}' },
      ]),
      mockStep.answer('I ordered two desk lamps: order 3.', { usage: { promptTokens: 700, completionTokens: 12 } }),
    ],
    async ({ project, mock, agent }) => {
      const result = await agent(['--scenario', 'shop', '--task-id', 'task_00']);
      assert.is(result.code, 0, result.stderr);
      assert.is(mock.chatRequests.length, 2);
      const first = sent(mock, 0);
      assert.is(first.model, 'mock-model');
      assert.is(first.temperature, 1);
      assert.is(first.max_tokens, 4096);
      assert.is(mock.chatRequests[0]!.headers['authorization'], `Bearer ${SECRET}`);
      assert.equal(
        first.tools?.map((tool) => [tool.type, tool.function.name]),
        ['search_products', 'place_order', 'cancel_order', 'list_orders', 'restock_product'].map((name) => [
          'function',
          name,
        ]),
      );
      const placeOrder = first.tools?.find((tool) => tool.function.name === 'place_order');
      assert.equal(placeOrder?.function.parameters, {
        type: 'object',
        properties: {
          product_id: { type: 'integer', minimum: 1 },
          quantity: { type: 'integer', minimum: 1, maximum: 10 },
        },
        required: ['product_id', 'quantity'],
        additionalProperties: false,
      });
      assert.match(placeOrder?.function.description ?? '', /^Order a quantity of a product/);
      assert.equal(
        first.messages.map((message) => message.role),
        ['system', 'user'],
      );
      assert.is(first.messages[1]!.content, SHOP_TASKS[0]!.text);

      const second = sent(mock, 1).messages;
      assert.equal(
        second.map((message) => message.role),
        ['system', 'user', 'assistant', 'tool', 'tool'],
      );
      const [placed, listed] = [second[3], second[4]] as { tool_call_id: string; content: string }[];
      assert.is(placed!.tool_call_id, 'call_1_0');
      assert.equal(JSON.parse(placed!.content), {
        order: { id: 3, product_id: 1, quantity: 2, status: 'placed', created_at: '2026-03-02 09:00:00' },
      });
      // list_orders ran after place_order: it sees the new order.
      assert.is(listed!.tool_call_id, 'call_1_1');
      assert.equal(
        (JSON.parse(listed!.content) as { orders: { id: number }[] }).orders.map((order) => order.id),
        [3, 1],
      );

      const runDir = runFolderOf(project, result);
      assert.match(runDir, /outputs\/agents\/\d{8}_\d{6}_shop_task_00$/);
      const trajectory = readTrajectory(runDir);
      assert.is(trajectory.format, 1);
      assert.is(trajectory.stop_reason, 'final_answer');
      assert.is(trajectory.final_answer, 'I ordered two desk lamps: order 3.');
      assert.equal(
        [trajectory.scenario, trajectory.task_id, trajectory.task, trajectory.model, trajectory.protocol],
        ['shop', 'task_00', SHOP_TASKS[0]!.text, 'mock-model', 'tools'],
      );
      assert.equal([trajectory.policy, trajectory.api_url, trajectory.max_iterations], ['llm', mock.url, 30]);
      assert.is(trajectory.steps.length, 2);
      const [call, list] = trajectory.steps[0]!.tool_results;
      assert.equal(
        [call?.name, call?.arguments, call?.ok, list?.name, list?.ok],
        ['place_order', { product_id: 1, quantity: 2 }, true, 'list_orders', true],
      );
      assert.equal(trajectory.steps[0]!.assistant.tool_calls[0], {
        id: 'call_1_0',
        name: 'place_order',
        arguments: { product_id: 1, quantity: 2 },
      });
      assert.equal(trajectory.steps[1]!.tool_results, []);
      assert.is(trajectory.messages.length, 6);
      assert.is(trajectory.usage.prompt_tokens > 700, true);
      assert.equal(trajectory.databases, { initial: 'initial.db', final: 'final.db', note: null });
      assert.is(ordersIn(join(runDir, 'initial.db')).length, 2);
      assert.equal(ordersIn(join(runDir, 'final.db'))[2], NEW_ORDER);
      assert.is(folderText(runDir).includes(SECRET), false, 'the API key is in the run folder');
      assert.match(result.stderr, /1\. place_order \{"product_id":1,"quantity":2\} → ok/);
    },
  );
});

test('awm-xml protocol: the system prompt and no function tools; list_tools answered with the listing; the first call runs; results come back as "Tool response:"; the thinking is not the answer', async () => {
  await withShop(
    [
      mockStep.answer(
        '<think>I should see the tools first.</think>\n<tool_call>\n{"name": "list_tools", "arguments": {}}\n</tool_call>',
      ),
      mockStep.answer(
        'Placing it.\n<tool_call>{"name": "call_tool", "arguments": {"tool_name": "mcp_tool_place_order", "arguments": "{\\"product_id\\": 1, \\"quantity\\": 2}"}}</tool_call>',
      ),
      mockStep.answer('<think>It worked.</think>\nI ordered two desk lamps: order 3.'),
    ],
    async ({ project, mock, agent }) => {
      const result = await agent(['--scenario', 'shop', '--task-id', 'task_00', '--protocol', 'awm-xml']);
      assert.is(result.code, 0, result.stderr);
      assert.is(mock.chatRequests.length, 3);
      const first = sent(mock, 0);
      assert.is(first.tools, undefined);
      const system = contentOf(first.messages[0]!);
      assert.is(first.messages[0]!.role, 'system');
      for (const fact of ['user id is 1', 'exactly one function', 'list_tools', 'call_tool', '<tool_call>'])
        assert.ok(system.includes(fact), `the system prompt says ${fact}`);

      const listing = lastMessage(mock, 1);
      assert.is(listing.role, 'user');
      assert.match(contentOf(listing), /^Tool response:\nThe application's tools \(5\):/);
      assert.match(contentOf(listing), /2\. mcp_tool_place_order\n {3}Order a quantity/);
      assert.match(contentOf(listing), /- quantity \(integer, required\)\n {7}minimum 1; maximum 10/);
      assert.match(contentOf(listing), /- status \(string, optional\)\n {7}allowed values: "placed", "cancelled"/);

      const placed = lastMessage(mock, 2);
      assert.is(placed.role, 'user');
      assert.match(contentOf(placed), /^Tool response:\n\{"order":\{"id":3,/);

      const trajectory = readTrajectory(runFolderOf(project, result));
      assert.is(trajectory.protocol, 'awm-xml');
      assert.is(trajectory.final_answer, 'I ordered two desk lamps: order 3.');
      assert.equal(
        trajectory.steps.map((step) => step.tool_results.map((call) => call.name)),
        [['list_tools'], ['place_order'], []],
      );
      assert.equal(trajectory.steps[1]!.assistant.tool_calls[0]?.name, 'call_tool');
      assert.equal(trajectory.steps[1]!.tool_results[0]?.arguments, { product_id: 1, quantity: 2 });
      assert.equal(ordersIn(join(runFolderOf(project, result), 'final.db'))[2], NEW_ORDER);
    },
  );
});

test('the iteration cap ends the episode with max_iterations; --task-id may be a position', async () => {
  const project = makeShopProject();
  const mock = await startMockLlmServer({
    respond: () => mockStep.toolCalls([{ name: 'list_orders', arguments: '{}' }]),
  });
  try {
    const result = await project.run(
      ['agent', '--scenario', 'shop', '--task-id', '1', '--max-iterations', '2', '--model', 'm'],
      { OPENAI_BASE_URL: mock.url },
    );
    assert.is(result.code, 0, result.stderr);
    assert.is(mock.chatRequests.length, 2);
    const trajectory = readTrajectory(runFolderOf(project, result));
    assert.equal(
      [trajectory.task_id, trajectory.stop_reason, trajectory.final_answer, trajectory.steps.length],
      ['task_01', 'max_iterations', null, 2],
    );
    assert.match(result.stderr, /stopped at --max-iterations 2 without a final answer/);
  } finally {
    await mock.close();
    project.remove();
  }
});

test('tools protocol: arguments that are not JSON, an unknown tool and a tool error are each told to the model in the next request', async () => {
  await withShop(
    [
      mockStep.toolCalls([{ name: 'place_order', arguments: '{"product_id": 1, "quantity": ' }]),
      mockStep.toolCalls([{ name: 'teleport', arguments: '{}' }]),
      mockStep.toolCalls([{ name: 'cancel_order', arguments: '{"order_id": 2}' }]),
      mockStep.answer('I could not cancel order 2.'),
    ],
    async ({ project, mock, agent }) => {
      const result = await agent(['--scenario', 'shop', '--task', 'Cancel order 2.']);
      assert.is(result.code, 0, result.stderr);
      const errorIn = (index: number): { code: string; message: string } => {
        const message = lastMessage(mock, index);
        assert.is(message.role, 'tool');
        return (JSON.parse(contentOf(message)) as { error: { code: string; message: string } }).error;
      };
      assert.is(errorIn(1).code, 'invalid_arguments');
      assert.match(errorIn(1).message, /^invalid arguments: they are not valid JSON \(/);
      assert.equal(errorIn(2), {
        code: 'unknown_tool',
        message:
          'no tool is named "teleport"; the tools are search_products, place_order, cancel_order, list_orders, restock_product',
      });
      assert.equal(errorIn(3), { code: 'not_found', message: 'you have no order 2' });
      const runDir = runFolderOf(project, result);
      const trajectory = readTrajectory(runDir);
      assert.equal(
        [trajectory.stop_reason, trajectory.task_id, trajectory.task],
        ['final_answer', null, 'Cancel order 2.'],
      );
      assert.equal(
        trajectory.steps.flatMap((step) => step.tool_results.map((call) => [call.name, call.ok])),
        [
          ['place_order', false],
          ['teleport', false],
          ['cancel_order', false],
        ],
      );
      assert.is(trajectory.steps[0]!.tool_results[0]!.arguments, '{"product_id": 1, "quantity": ');
      assert.match(runDir, /_shop$/);
      assert.is(ordersIn(join(runDir, 'final.db')).length, 2);
    },
  );
});

test('awm-xml protocol: a broken <tool_call>, an unknown function, bad inner arguments and a tool error are told as "Tool response:\\nError: …"; only the first call of a turn runs', async () => {
  await withShop(
    [
      mockStep.answer('<tool_call>{"name": "call_tool", "arguments": {"tool_name": </tool_call>'),
      mockStep.answer('<tool_call>{"name": "fly", "arguments": {}}</tool_call>'),
      mockStep.answer(
        '<tool_call>{"name": "call_tool", "arguments": {"tool_name": "place_order", "arguments": "{\\"product_id\\": 1,"}}</tool_call>',
      ),
      mockStep.answer(
        '<tool_call>{"name": "call_tool", "arguments": {"tool_name": "cancel_order", "arguments": "{\\"order_id\\": 2}"}}</tool_call>',
      ),
      mockStep.answer(
        '<tool_call>{"name": "mcp_tool_list_orders", "arguments": {}}</tool_call>\n' +
          '<tool_call>{"name": "mcp_tool_place_order", "arguments": {"product_id": 1, "quantity": 1}}</tool_call>',
      ),
      mockStep.answer('I could not cancel order 2.'),
    ],
    async ({ project, mock, agent }) => {
      const result = await agent(['--scenario', 'shop', '--task', 'Cancel order 2.', '--protocol', 'awm-xml']);
      assert.is(result.code, 0, result.stderr);
      const errorIn = (index: number): { code: string; message: string } => {
        const text = contentOf(lastMessage(mock, index));
        assert.match(text, /^Tool response:\nError: /);
        return (
          JSON.parse(text.slice('Tool response:\nError: '.length)) as { error: { code: string; message: string } }
        ).error;
      };
      assert.is(errorIn(1).code, 'malformed_call');
      assert.match(errorIn(1).message, /^the <tool_call> is not valid JSON/);
      assert.equal(errorIn(2), {
        code: 'unknown_tool',
        message: 'there is no function "fly"; the functions are list_tools and call_tool',
      });
      assert.is(errorIn(3).code, 'invalid_arguments');
      assert.match(errorIn(3).message, /the arguments of place_order are not valid JSON/);
      assert.equal(errorIn(4), { code: 'not_found', message: 'you have no order 2' });
      assert.match(contentOf(lastMessage(mock, 5)), /^Tool response:\n\{"as_of":/);
      const runDir = runFolderOf(project, result);
      const trajectory = readTrajectory(runDir);
      const fifth = trajectory.steps[4]!;
      assert.is(fifth.assistant.tool_calls.length, 2);
      assert.equal(
        fifth.tool_results.map((call) => call.name),
        ['list_orders'],
      );
      // The second call of that turn (an order) never ran.
      assert.is(ordersIn(join(runDir, 'final.db')).length, 2);
      assert.is(trajectory.final_answer, 'I could not cancel order 2.');
    },
  );
});

test('an LLM error after retries ends the run with exit 1, a clear message, and the run folder with what was done so far', async () => {
  await withShop(
    [
      mockStep.toolCalls([{ name: 'place_order', arguments: '{"product_id": 1, "quantity": 2}' }]),
      mockStep.unauthorized(),
    ],
    async ({ project, agent }) => {
      const result = await agent(['--scenario', 'shop', '--task-id', 'task_00']);
      assert.is(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /the model's endpoint failed after 1 turn: .*401 Incorrect API key provided.*OPENAI_API_KEY/,
      );
      const runDir = runFolderOf(project, result);
      const trajectory = readTrajectory(runDir);
      assert.is(trajectory.stop_reason, 'llm_error');
      assert.match(trajectory.error ?? '', /401/);
      assert.is(trajectory.steps.length, 1);
      assert.equal(ordersIn(join(runDir, 'final.db'))[2], NEW_ORDER);
      assert.is(folderText(runDir).includes(SECRET), false);
    },
  );
});

test('Ctrl-C while the model thinks: the run stops, writes its folder (stop_reason interrupted, final.db with the calls made) and exits 0', async () => {
  await withShop(
    [mockStep.toolCalls([{ name: 'place_order', arguments: '{"product_id": 1, "quantity": 2}' }]), mockStep.hang()],
    async ({ project, mock }) => {
      const child = project.spawn(['agent', '--scenario', 'shop', '--task-id', 'task_00', '--model', 'm'], {
        OPENAI_BASE_URL: mock.url,
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (mock.chatRequests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.is(mock.chatRequests.length, 2, `the second turn was never asked for:\n${stderr}`);
      child.kill('SIGINT');
      const code = await exited(child);
      assert.is(code, 0, stderr);
      assert.match(stderr, /interrupted; ending the episode after the step in progress/);
      const runDir = runFolderOf(project, { code, stdout, stderr });
      const trajectory = readTrajectory(runDir);
      assert.equal([trajectory.stop_reason, trajectory.steps.length], ['interrupted', 1]);
      assert.equal(ordersIn(join(runDir, 'final.db'))[2], NEW_ORDER);
    },
  );
});

test('--task with --mcp-url and --token: any MCP server; the trajectory says why there are no databases; a wrong token fails with exit 1', async () => {
  const fixture = makeShopFixture();
  const runner = await InProcessRunner.start({
    modulePath: SHOP_TOOLS_PATH,
    specPath: SHOP_SPEC_PATH,
    worldClock: SHOP_WORLD_CLOCK,
  });
  const sessions = new EnvSessions({
    tools: fixture.spec.tools,
    snapshotPath: fixture.seedPath,
    sessionsDir: join(fixture.dir, 'sessions'),
    runner,
    callLogPath: join(fixture.dir, 'calls.jsonl'),
  });
  const sessionId = await sessions.createSession('external');
  const server = await McpHttpServer.start({ sessions, sessionId, name: 'shop', token: 'right-token' });
  try {
    await withShop(
      [
        mockStep.toolCalls([{ name: 'place_order', arguments: '{"product_id": 1, "quantity": 2}' }]),
        mockStep.answer('Done.'),
      ],
      async ({ project, agent }) => {
        const wrong = await agent(['--task', 'Order two lamps.', '--mcp-url', server.url, '--token', 'wrong-token']);
        assert.is(wrong.code, 1);
        assert.match(
          wrong.stderr,
          /could not connect to the MCP server at http:\/\/127\.0\.0\.1:\d+\/mcp: HTTP 401: .*the bearer token is wrong/,
        );
        assert.is(wrong.stdout, '');
        assert.equal(readdirSync(join(project.dir, 'outputs', 'agents')), [], 'a failed start leaves no run folder');

        const result = await agent(['--task', 'Order two lamps.', '--mcp-url', server.url, '--token', 'right-token']);
        assert.is(result.code, 0, result.stderr);
        const runDir = runFolderOf(project, result);
        assert.match(runDir, /outputs\/agents\/\d{8}_\d{6}$/);
        const trajectory = readTrajectory(runDir);
        assert.equal(trajectory.databases, {
          initial: null,
          final: null,
          note: `the agent used an MCP server it did not start (${server.url}), so its databases are not in this folder`,
        });
        assert.equal([trajectory.scenario, trajectory.task_id], [null, null]);
        assert.is(existsSync(join(runDir, 'final.db')) || existsSync(join(runDir, 'initial.db')), false);
        assert.is(folderText(runDir).includes('right-token'), false);
        assert.equal(ordersIn(sessions.databasePath(sessionId))[2], NEW_ORDER);
      },
    );
  } finally {
    await server.close();
    fixture.remove();
  }
});

test('command lines that cannot work exit 2 and say why', async () => {
  const project = makeShopProject();
  try {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--task-id', '1'], {}, /--task-id needs --scenario/],
      [['--task', 'x'], {}, /--task needs --mcp-url \(or --scenario/],
      [['--scenario', 'shop', '--task-id', '0', '--protocol', 'xml'], {}, /--protocol must be tools or awm-xml/],
      [
        ['--scenario', 'shop', '--task-id', '0', '--max-iterations', '0'],
        {},
        /--max-iterations must be a whole number/,
      ],
      [
        ['--scenario', 'shop', '--task-id', '7', '--model', 'm'],
        { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
        /shop has no task "7"; its tasks are task_00, task_01/,
      ],
      [['--scenario', 'nowhere', '--task-id', '0', '--policy', 'reference'], {}, /there is no scenario nowhere/],
      [
        ['--scenario', 'shop', '--task-id', '0'],
        {},
        /no LLM is configured for the agent: .* or replay the reference solution without a model: --policy reference/,
      ],
      [
        ['--scenario', 'shop', '--task-id', '0', '--policy', 'reference', '--model', 'm'],
        {},
        /--model: --policy reference calls no model/,
      ],
      [
        ['--scenario', 'shop', '--task-id', '0', '--policy', 'reference'],
        {},
        /no reference solution for shop task_00: neither artifacts\/shop\/verifiers\/task_00\.json/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const result = await project.run(['agent', ...args], env);
      assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.is(result.stdout, '');
    }
    assert.is(existsSync(join(project.dir, 'outputs')), false);
  } finally {
    project.remove();
  }
});

test.run();
