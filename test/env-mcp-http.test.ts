// The env served over real loopback HTTP and read with the SDK's own Client and
// StreamableHTTPClientTransport: the listing (spec order, plain JSON Schemas the Client accepts),
// results and tool errors as the Client hands them to an agent, the guards (Host, Origin, bearer
// token), concurrent clients, and shutdown with the final database (MCP sessions themselves:
// env-mcp-sessions.test.ts). Three tests pin the SDK
// behaviours the listing and the results are shaped around, so an SDK upgrade that changes them
// shows up here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { tableContents } from './support/env-fixture.js';
import { INITIALIZE, MCP_HEADERS, serveShop, withServedShop } from './support/served-shop.js';

/** The `{ error }` an agent reads from a failed call (text content), checking the result's shape. */
function toolError(result: CallToolResult): unknown {
  assert.is(result.isError, true, `expected a tool error, got ${JSON.stringify(result)}`);
  assert.is(result.structuredContent, undefined);
  const [content] = result.content;
  return content?.type === 'text' ? JSON.parse(content.text) : content;
}

test('tools/list: the spec order, the spec input schemas, output schemas the Client accepts, described results and errors', async () => {
  await withServedShop(async ({ connect, fixture }) => {
    const { tools } = await (await connect()).listTools();
    assert.equal(
      tools.map((tool) => tool.name),
      fixture.spec.tools.map((tool) => tool.name),
    );
    tools.forEach((tool, index) => assert.equal(tool.inputSchema, fixture.spec.tools[index]?.input_schema));
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    const listOrders = byName.get('list_orders')?.outputSchema as Record<string, unknown>;
    assert.equal(Object.keys(listOrders).sort(), ['$defs', '$schema', 'properties', 'required', 'type'], '$id dropped');
    const order = (byName.get('place_order')?.outputSchema?.properties?.['order'] ?? {}) as {
      properties: Record<string, unknown>;
    };
    assert.equal(order.properties['created_at'], { type: 'string' }, 'format dropped');
    assert.is(
      byName.get('place_order')?.description,
      'Order a quantity of a product for the signed-in user; takes it from stock.\n\n' +
        'Returns: { order: { id, product_id, quantity, status, created_at } }\n' +
        'Errors: not_found (no product has this id); limit_exceeded (the stock is smaller than the quantity)',
    );
  });
});

test('tools/call: results as structuredContent and JSON text; the Client validates them and accepts', async () => {
  await withServedShop(async ({ connect, contents }) => {
    const client = await connect();
    await client.listTools(); // the Client now validates structuredContent against each outputSchema
    const placed = (await client.callTool({
      name: 'place_order',
      arguments: { product_id: 1, quantity: 2 },
    })) as CallToolResult;
    const expected = {
      order: { id: 3, product_id: 1, quantity: 2, status: 'placed', created_at: '2026-03-02 09:00:00' },
    };
    assert.equal(placed.structuredContent, expected);
    assert.equal(placed.content, [{ type: 'text', text: JSON.stringify(expected) }]);
    assert.not.ok(placed.isError);
    const listed = (await client.callTool({ name: 'list_orders', arguments: {} })) as CallToolResult;
    assert.equal((listed.structuredContent as { orders: unknown[] }).orders.length, 2);
    assert.equal(contents()['products']?.[0], { id: 1, name: 'Desk lamp', price_cents: 2500, stock: 3 });
  });
});

test('tool errors reach the agent as isError results with { error: { code, message } }, changing nothing', async () => {
  await withServedShop(async ({ connect, fixture, contents }) => {
    const client = await connect();
    await client.listTools();
    const call = async (name: string, args: Record<string, unknown>) =>
      toolError((await client.callTool({ name, arguments: args })) as CallToolResult);
    assert.equal(await call('place_order', { product_id: 1, quantity: 0 }), {
      error: { code: 'invalid_arguments', message: 'invalid arguments: /quantity must be >= 1' },
    });
    assert.equal(await call('place_order', { product_id: 42, quantity: 1 }), {
      error: { code: 'not_found', message: 'there is no product 42' },
    });
    assert.equal(await call('cancel_order', { order_id: 2 }), {
      error: { code: 'not_found', message: 'you have no order 2' },
    });
    assert.equal(await call('refund_everything', {}), {
      error: {
        code: 'unknown_tool',
        message:
          'no tool is named "refund_everything"; the tools are search_products, place_order, cancel_order, list_orders, restock_product',
      },
    });
    assert.equal(contents(), tableContents(fixture.seedPath));
  });
});

test('the call log has one line per call made over HTTP', async () => {
  await withServedShop(async ({ connect, callLogPath }) => {
    const client = await connect();
    await client.callTool({ name: 'search_products', arguments: { query: 'lamp' } });
    await client.callTool({ name: 'place_order', arguments: { product_id: 1 } });
    await client.callTool({ name: 'restock_product', arguments: { product_id: 2, amount: 1 } });
    const lines = readFileSync(callLogPath, 'utf8').trim().split('\n');
    assert.equal(
      lines.map((line) => {
        const { tool, outcome, code } = JSON.parse(line) as Record<string, unknown>;
        return [tool, outcome, code];
      }),
      [
        ['search_products', 'ok', undefined],
        ['place_order', 'error', 'invalid_arguments'],
        ['restock_product', 'ok', undefined],
      ],
    );
  });
});

test('a Host header that is not loopback with the bound port is refused with 403', async () => {
  await withServedShop(async ({ raw, server }) => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const response = await raw({ headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
      assert.is(response.status, 403, host);
      assert.match(response.body, 'is not allowed');
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`]) {
      const response = await raw({ headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
      assert.is(response.status, 200, host);
    }
  });
});

test('any request with an Origin header is refused with 403; GET gets 405, DELETE without a session 400, other paths 404', async () => {
  await withServedShop(async ({ raw }) => {
    const withOrigin = await raw({ headers: { ...MCP_HEADERS, origin: 'http://127.0.0.1' }, body: INITIALIZE });
    assert.is(withOrigin.status, 403);
    assert.equal(JSON.parse(withOrigin.body), {
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message:
          'Forbidden: requests with an Origin header ("http://127.0.0.1") are refused; the env serves no web pages',
      },
      id: null,
    });
    const get = await raw({ method: 'GET', headers: { accept: 'text/event-stream' } });
    assert.is(get.status, 405);
    assert.is(get.headers['allow'], 'POST, DELETE');
    assert.is((await raw({ method: 'PUT', headers: MCP_HEADERS, body: INITIALIZE })).status, 405);
    const deleteWithoutSession = await raw({ method: 'DELETE' });
    assert.is(deleteWithoutSession.status, 400);
    assert.match(deleteWithoutSession.body, 'DELETE ends an MCP session; send its mcp-session-id');
    assert.is((await raw({ path: '/other', headers: MCP_HEADERS, body: INITIALIZE })).status, 404);
  });
});

test('with a bearer token, a missing or wrong token gets 401; the right one is served', async () => {
  await withServedShop(
    async ({ raw, connect }) => {
      const missing = await raw({ headers: MCP_HEADERS, body: INITIALIZE });
      assert.is(missing.status, 401);
      assert.is(missing.headers['www-authenticate'], 'Bearer');
      const wrong = await raw({ headers: { ...MCP_HEADERS, authorization: 'Bearer guess' }, body: INITIALIZE });
      assert.is(wrong.status, 401);
      assert.match(wrong.body, 'the bearer token is wrong');
      const rejected = await connect({ authorization: 'Bearer s3cret-but-longer' }).then(
        () => 'connected',
        (error: Error) => error.message,
      );
      assert.match(rejected, 'Unauthorized: the bearer token is wrong');
      const client = await connect({ authorization: 'Bearer s3cret' });
      assert.is((await client.listTools()).tools.length, 5);
    },
    { token: 's3cret' },
  );
});

test('16 clients at once: every call answered, the calls of the one session serialized', async () => {
  await withServedShop(async ({ connect, contents }) => {
    const clients = await Promise.all(Array.from({ length: 16 }, () => connect()));
    const results = await Promise.all(
      clients.flatMap((client) =>
        [1, 2, 3].map(
          async () =>
            (await client.callTool({
              name: 'restock_product',
              arguments: { product_id: 2, amount: 1 },
            })) as CallToolResult,
        ),
      ),
    );
    assert.ok(results.every((result) => !result.isError));
    const stocks = results.map((result) => (result.structuredContent as { product: { stock: number } }).product.stock);
    assert.equal(
      stocks.sort((a, b) => a - b),
      Array.from({ length: 48 }, (_, index) => index + 1),
    );
    assert.equal(contents()['products']?.[1], {
      id: 2,
      name: 'Kettle',
      price_cents: 3900,
      stock: 48,
    });
  });
});

test('close() stops the server and saves the session as the final database', async () => {
  const shop = await serveShop();
  try {
    const client = await shop.connect();
    await client.callTool({ name: 'place_order', arguments: { product_id: 3, quantity: 5 } });
    const finalPath = join(shop.fixture.dir, 'final.db');
    await shop.server.close({ keepSessionAs: finalPath });
    assert.equal(tableContents(finalPath)['products']?.[2], { id: 3, name: 'Lamp shade', price_cents: 900, stock: 7 });
    const after = await shop.raw({ headers: MCP_HEADERS, body: INITIALIZE }).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    assert.is(after, 'ECONNREFUSED');
    await shop.server.close(); // a second close is a no-op
  } finally {
    await shop.dispose();
  }
});

/** A server built on the SDK alone, answering tools/list and tools/call as given, over an in-memory pair. */
async function sdkPair(tool: Tool, result: CallToolResult): Promise<Client> {
  const server = new Server({ name: 'pin', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [tool] }));
  server.setRequestHandler(CallToolRequestSchema, () => result);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'pin', version: '1' });
  await client.connect(clientSide);
  return client;
}

const PIN_TOOL: Tool = {
  name: 'get_order',
  inputSchema: { type: 'object' },
  outputSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
};

test('SDK pin: Client.callTool checks structuredContent against outputSchema even when isError is set', async () => {
  const errorText = JSON.stringify({ error: { code: 'not_found', message: 'no order 9' } });
  const withStructured = await sdkPair(PIN_TOOL, {
    isError: true,
    content: [{ type: 'text', text: errorText }],
    structuredContent: { error: { code: 'not_found', message: 'no order 9' } },
  });
  await withStructured.listTools();
  const thrown = await withStructured.callTool({ name: 'get_order', arguments: {} }).then(
    () => 'accepted',
    (error: Error) => error.message,
  );
  assert.match(thrown, "Structured content does not match the tool's output schema");
  const textOnly = await sdkPair(PIN_TOOL, { isError: true, content: [{ type: 'text', text: errorText }] });
  await textOnly.listTools();
  assert.is(((await textOnly.callTool({ name: 'get_order', arguments: {} })) as CallToolResult).isError, true);
});

test('SDK pin: the Client checks formats, and caches output validators by $id across tools', async () => {
  const dated = await sdkPair(
    { ...PIN_TOOL, outputSchema: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } },
    { content: [], structuredContent: { at: '2026-03-02 09:00:00' } },
  );
  await dated.listTools();
  const refused = await dated.callTool({ name: 'get_order', arguments: {} }).then(
    () => 'accepted',
    (error: Error) => error.message,
  );
  assert.match(refused, 'must match format "date-time"');
  const server = new Server({ name: 'pin', version: '1' }, { capabilities: { tools: {} } });
  const shared = (required: string): Tool => ({
    name: `get_${required}`,
    inputSchema: { type: 'object' },
    outputSchema: { $id: 'https://example.com/result', type: 'object', required: [required] },
  });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [shared('a'), shared('b')] }));
  server.setRequestHandler(CallToolRequestSchema, () => ({ content: [], structuredContent: { b: 1 } }));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'pin', version: '1' });
  await client.connect(clientSide);
  await client.listTools();
  const checkedAgainstA = await client.callTool({ name: 'get_b', arguments: {} }).then(
    () => 'accepted',
    (error: Error) => error.message,
  );
  assert.match(checkedAgainstA, "must have required property 'a'");
});

test.run();
