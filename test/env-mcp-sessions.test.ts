// MCP sessions over real loopback HTTP: an initialize opens one (`mcp-session-id`) whose Server and
// transport serve its later requests, DELETE ends it, the table closes idle ones and the least
// recently used beyond its cap (never one with a request in flight), a POST outside any session is
// answered on its own, and the transport answers malformed requests as the SDK's would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallOutcome } from '../src/env/call-outcome.js';
import type { HandlerRunner, RunnerCall } from '../src/env/handler-runner.js';
import { InProcessRunner } from '../src/env/in-process-runner.js';
import { SHOP_SPEC_PATH, SHOP_TOOLS_PATH, SHOP_WORLD_CLOCK } from './support/env-fixture.js';
import { INITIALIZE, MCP_HEADERS, withServedShop, type RawResponse, type ServedShop } from './support/served-shop.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The in-process runner, except that calls of list_orders wait until `open()`. */
class GatedRunner implements HandlerRunner {
  #opened: Promise<void>;
  open: () => void = () => undefined;
  waiting = 0;

  constructor(readonly inner: HandlerRunner) {
    this.#opened = new Promise((resolve) => (this.open = resolve));
  }

  async call(call: RunnerCall, options: { readonly timeoutMs: number }): Promise<CallOutcome> {
    if (call.tool === 'list_orders') {
      this.waiting += 1;
      await this.#opened;
    }
    return this.inner.call(call, options);
  }

  release(dbPath: string): Promise<void> {
    return this.inner.release(dbPath);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const gatedRunner = async (): Promise<GatedRunner> =>
  new GatedRunner(
    await InProcessRunner.start({
      modulePath: SHOP_TOOLS_PATH,
      specPath: SHOP_SPEC_PATH,
      worldClock: SHOP_WORLD_CLOCK,
    }),
  );

const message = (id: number, method: string, params: Record<string, unknown> = {}): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});

/** Opens an MCP session with a raw initialize; its id. */
async function initialize(raw: ServedShop['raw']): Promise<string> {
  const response = await raw({ headers: MCP_HEADERS, body: INITIALIZE });
  assert.is(response.status, 200);
  const id = response.headers['mcp-session-id'];
  assert.type(id, 'string');
  return id as string;
}

function post(raw: ServedShop['raw'], session: string | null, body: unknown, headers = {}): Promise<RawResponse> {
  return raw({
    headers: { ...MCP_HEADERS, ...(session === null ? {} : { 'mcp-session-id': session }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const SESSION_NOT_FOUND = {
  jsonrpc: '2.0',
  error: { code: -32001, message: 'Session not found: initialize a new MCP session' },
  id: null,
};

test("an SDK Client's requests share one MCP session, answered with its id", async () => {
  await withServedShop(async ({ connect, server, raw }) => {
    const client = await connect();
    await client.listTools();
    for (let index = 0; index < 5; index++)
      assert.not.ok(((await client.callTool({ name: 'search_products', arguments: {} })) as CallToolResult).isError);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    assert.match(sessionId ?? '', UUID);
    assert.is(server.mcpSessionCount, 1);
    await connect();
    assert.is(server.mcpSessionCount, 2);
    const listed = await post(raw, sessionId ?? '', message(90, 'tools/list'));
    assert.is(listed.status, 200);
    assert.is(listed.headers['mcp-session-id'], sessionId);
    assert.is((JSON.parse(listed.body) as { result: { tools: unknown[] } }).result.tools.length, 5);
  });
});

test('DELETE ends an MCP session: its id is then unknown (404); the Client goes on without one', async () => {
  await withServedShop(async ({ connect, server, raw }) => {
    const client = await connect();
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId ?? '';
    await transport.terminateSession();
    assert.is(server.mcpSessionCount, 0);
    const after = await post(raw, sessionId, message(2, 'tools/list'));
    assert.is(after.status, 404);
    assert.equal(JSON.parse(after.body), SESSION_NOT_FOUND);
    const again = await raw({ method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    assert.is(again.status, 404);
    // The Client dropped its id, so its next call is a POST outside any session, answered on its own.
    const result = (await client.callTool({ name: 'search_products', arguments: { query: 'lamp' } })) as CallToolResult;
    assert.is((result.structuredContent as { products: unknown[] }).products.length, 2);
    assert.is(server.mcpSessionCount, 0);
  });
});

test('a POST outside any MCP session that is not an initialize is answered on its own, opening none', async () => {
  await withServedShop(async ({ raw, server }) => {
    const response = await post(raw, null, message(5, 'tools/call', { name: 'search_products', arguments: {} }));
    assert.is(response.status, 200);
    assert.is(response.headers['mcp-session-id'], undefined);
    const answer = JSON.parse(response.body) as { id: number; result: CallToolResult };
    assert.is(answer.id, 5);
    assert.is((answer.result.structuredContent as { products: unknown[] }).products.length, 3);
    assert.is(server.mcpSessionCount, 0);
  });
});

test('an MCP session idle past mcpSessionIdleMs is closed', async () => {
  await withServedShop(
    async ({ raw, server }) => {
      const idle = await initialize(raw);
      const used = await initialize(raw);
      assert.is(server.mcpSessionCount, 2);
      for (let round = 0; round < 6; round++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.is((await post(raw, used, message(10 + round, 'tools/list'))).status, 200);
      }
      assert.is(server.mcpSessionCount, 1, 'the idle session was closed, the one in use kept');
      assert.is((await post(raw, idle, message(2, 'tools/list'))).status, 404);
    },
    { mcpSessionIdleMs: 150 },
  );
});

test('beyond maxMcpSessions the least recently used idle session is closed, never one with a call in flight', async () => {
  const runner = await gatedRunner();
  await withServedShop(
    async ({ raw, server }) => {
      const first = await initialize(raw);
      const second = await initialize(raw);
      assert.is((await post(raw, first, message(2, 'tools/list'))).status, 200); // second is now the least recent
      const third = await initialize(raw);
      assert.is(server.mcpSessionCount, 2);
      assert.is((await post(raw, second, message(3, 'tools/list'))).status, 404, 'the least recently used went');
      const inFlight = post(raw, first, message(4, 'tools/call', { name: 'list_orders', arguments: {} }));
      while (runner.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.is((await post(raw, third, message(5, 'tools/list'))).status, 200); // first is now the least recent, but busy
      const fourth = await initialize(raw);
      assert.is(
        (await post(raw, third, message(6, 'tools/list'))).status,
        404,
        'the least recently used idle one went',
      );
      runner.open();
      const answered = await inFlight;
      assert.is(answered.status, 200, 'the busy session was kept and answered');
      assert.is((JSON.parse(answered.body) as { id: number }).id, 4);
      assert.is((await post(raw, fourth, message(7, 'tools/list'))).status, 200);
      assert.is((await post(raw, first, message(8, 'tools/list'))).status, 200);
    },
    { maxMcpSessions: 2, runner: () => Promise.resolve(runner) },
  );
});

test("malformed requests are answered as the SDK's transport answers them", async () => {
  const runner = await gatedRunner();
  await withServedShop(
    async ({ raw, server }) => {
      const refusedInitialize = await post(raw, null, INITIALIZE, { accept: 'application/json' });
      assert.equal([refusedInitialize.status, server.mcpSessionCount], [406, 0], 'a refused initialize opens nothing');
      const session = await initialize(raw);
      const refusal = async (response: Promise<RawResponse>) => {
        const { status, body } = await response;
        const { error } = JSON.parse(body) as { error: { code: number; message: string } };
        return [status, error.code, error.message];
      };
      assert.equal(await refusal(post(raw, session, message(2, 'tools/list'), { accept: 'application/json' })), [
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      ]);
      assert.equal(await refusal(post(raw, session, message(2, 'tools/list'), { 'content-type': 'text/plain' })), [
        415,
        -32000,
        'Unsupported Media Type: Content-Type must be application/json',
      ]);
      assert.equal(await refusal(post(raw, session, '{"jsonrpc":')), [400, -32700, 'Parse error: Invalid JSON']);
      assert.equal(await refusal(post(raw, session, { hello: 'world' })), [
        400,
        -32700,
        'Parse error: Invalid JSON-RPC message',
      ]);
      assert.equal(
        await refusal(post(raw, session, message(2, 'tools/list'), { 'mcp-protocol-version': '1999-01-01' })),
        [
          400,
          -32000,
          'Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)',
        ],
      );
      assert.equal(await refusal(post(raw, session, INITIALIZE)), [
        400,
        -32600,
        'Invalid Request: Server already initialized',
      ]);
      assert.equal(await refusal(post(raw, session, 'x'.repeat(4 * 1024 * 1024 + 1))), [
        413,
        -32000,
        'Payload Too Large: Request body must not exceed 4194304 bytes',
      ]);
      const notified = await post(raw, session, { jsonrpc: '2.0', method: 'notifications/initialized' });
      assert.equal([notified.status, notified.body], [202, '']);
      const batch = await post(raw, session, [
        message(20, 'tools/list'),
        message(21, 'tools/call', { name: 'search_products', arguments: { query: 'kettle' } }),
      ]);
      const answers = JSON.parse(batch.body) as { id: number; result: Record<string, unknown> }[];
      assert.equal(
        answers.map((answer) => answer.id),
        [20, 21],
      );
      assert.equal((answers[1]?.result as CallToolResult).structuredContent, {
        products: [{ id: 2, name: 'Kettle', price_cents: 3900, stock: 0 }],
      });
      assert.equal(await refusal(post(raw, session, [message(22, 'tools/list'), message(22, 'tools/list')])), [
        400,
        -32600,
        'Invalid Request: the requests of a batch need different ids',
      ]);
      const inFlight = post(raw, session, message(30, 'tools/call', { name: 'list_orders', arguments: {} }));
      while (runner.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(await refusal(post(raw, session, message(30, 'tools/list'))), [
        409,
        -32600,
        'Invalid Request: request id 30 is already in flight',
      ]);
      runner.open();
      assert.is((await inFlight).status, 200);
    },
    { runner: () => Promise.resolve(runner) },
  );
});

test('close() closes every MCP session', async () => {
  await withServedShop(async ({ connect, server }) => {
    await connect();
    await connect();
    assert.is(server.mcpSessionCount, 2);
    await server.close();
    assert.is(server.mcpSessionCount, 0);
  });
});

test.run();
