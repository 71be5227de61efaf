// The shop fixture served over real loopback HTTP (McpHttpServer on port 0), for the tests that read
// it with the SDK's own Client and StreamableHTTPClientTransport, or with raw requests.
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { HandlerRunner } from '../../src/env/handler-runner.js';
import { InProcessRunner } from '../../src/env/in-process-runner.js';
import { EnvSessions } from '../../src/env/sessions.js';
import { McpHttpServer, type McpHttpOptions } from '../../src/env/mcp-http.js';
import {
  makeShopFixture,
  SHOP_SPEC_PATH,
  SHOP_TOOLS_PATH,
  SHOP_WORLD_CLOCK,
  tableContents,
  type ShopFixture,
} from './env-fixture.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface ServedShop {
  readonly fixture: ShopFixture;
  readonly server: McpHttpServer;
  readonly sessions: EnvSessions;
  readonly callLogPath: string;
  /** The served session's tables now. */
  contents(): Record<string, unknown[]>;
  connect(headers?: Record<string, string>): Promise<Client>;
  /** A raw HTTP request to the server's port, with the headers given (Host included). */
  raw(options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }): Promise<RawResponse>;
  dispose(): Promise<void>;
}

export interface ServeShopOptions {
  readonly token?: string;
  /** Default: the in-process runner on the fixture's correct tool module. */
  readonly runner?: (fixture: ShopFixture) => Promise<HandlerRunner>;
  readonly mcpSessionIdleMs?: number;
  readonly maxMcpSessions?: number;
}

export async function serveShop(options: ServeShopOptions = {}): Promise<ServedShop> {
  const fixture = makeShopFixture();
  const runner = await (
    options.runner ??
    (() =>
      InProcessRunner.start({ modulePath: SHOP_TOOLS_PATH, specPath: SHOP_SPEC_PATH, worldClock: SHOP_WORLD_CLOCK }))
  )(fixture);
  const callLogPath = join(fixture.dir, 'run', 'calls.jsonl');
  const sessions = new EnvSessions({
    tools: fixture.spec.tools,
    snapshotPath: fixture.seedPath,
    sessionsDir: join(fixture.dir, 'run'),
    runner,
    callLogPath,
  });
  const sessionId = await sessions.createSession('working');
  const { runner: _runner, ...serverOptions } = options;
  const server = await McpHttpServer.start({
    sessions,
    sessionId,
    name: 'shop',
    ...(serverOptions satisfies Partial<McpHttpOptions>),
  });
  const clients: Client[] = [];
  return {
    fixture,
    server,
    sessions,
    callLogPath,
    contents: () => tableContents(sessions.databasePath(sessionId)),
    async connect(headers = {}) {
      const client = new Client({ name: 'env-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } }));
      clients.push(client);
      return client;
    },
    raw: ({ method = 'POST', path = '/mcp', headers = {}, body }) =>
      new Promise((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port: server.port, method, path, headers, setHost: !('host' in headers) },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      }),
    async dispose() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await server.close();
      fixture.remove();
    },
  };
}

export async function withServedShop(
  body: (shop: ServedShop) => Promise<void>,
  options: ServeShopOptions = {},
): Promise<void> {
  const shop = await serveShop(options);
  try {
    await body(shop);
  } finally {
    await shop.dispose();
  }
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
