// The env's MCP endpoint over Streamable HTTP: `/mcp` on a node:http server, bound to 127.0.0.1 by
// default, serving one env session. Each request passes the guards (loopback Host, no Origin, the
// bearer token when one is set) before it reaches the SDK's transport.
//
// Stateful MCP: an initialize request opens an MCP session (`mcp-session-id`) whose SDK Server and
// transport serve all its later requests; DELETE ends it, and the session table closes those idle
// too long or beyond its cap (mcp-session-table.ts). A POST without a session id that is not an
// initialize is still answered, by a Server and transport of its own (stateless), so a client
// that never initializes, or lost its id, goes on. GET is 405: the env never pushes messages.
// Whatever the MCP session, every call goes to the one env session: the env's state is its database.
//
//   listening ──close()──▶ closing ──requests in flight answered, connections closed, MCP sessions closed,
//                                    the session saved (keepSessionAs) and closed, the runner closed──▶ closed
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { unreachable } from '../util/result.js';
import { bearerTokenVerdict } from './bearer-token-guard.js';
import { allowedHosts, hostHeaderVerdict } from './host-header-guard.js';
import { sendGuardRefusal, sendRefusal, type GuardVerdict } from './http-guard.js';
import { createMcpServer, type McpSessionBinding } from './mcp-server.js';
import { McpJsonTransport } from './mcp-json-transport.js';
import { McpSessionTable } from './mcp-session-table.js';
import { mcpToolListing } from './mcp-tool-listing.js';
import { originVerdict } from './origin-guard.js';
import { readRequestJson } from './request-json.js';
import type { EnvSessions, SessionId } from './sessions.js';

export interface McpHttpOptions {
  /** The env's sessions; the server owns them from now on and closes them (and their runner) in close(). */
  readonly sessions: EnvSessions;
  /** The one session this endpoint serves. */
  readonly sessionId: SessionId;
  /** The server's name in MCP's initialize answer, e.g. the scenario id. */
  readonly name: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port, read back from `port`. */
  readonly port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** An MCP session without a request for this long is closed; default 30 minutes. */
  readonly mcpSessionIdleMs?: number;
  /** Beyond this many MCP sessions the least recently used idle ones are closed; default 256. */
  readonly maxMcpSessions?: number;
}

export const MCP_PATH = '/mcp';
const SESSION_HEADER = 'mcp-session-id';

export class McpHttpServer {
  #state: 'listening' | 'closing' | 'closed' = 'listening';
  #closed: Promise<void> | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #binding: McpSessionBinding;
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #mcpSessions: McpSessionTable;

  private constructor(
    readonly options: McpHttpOptions,
    readonly http: HttpServer,
    readonly port: number,
  ) {
    this.#binding = {
      sessions: options.sessions,
      sessionId: options.sessionId,
      name: options.name,
      listing: mcpToolListing(options.sessions.tools),
      jsonSchemaValidator: new AjvJsonSchemaValidator(),
    };
    this.#allowedHosts = allowedHosts(options.host ?? '127.0.0.1', port);
    this.#mcpSessions = new McpSessionTable({
      idleMs: options.mcpSessionIdleMs ?? 30 * 60_000,
      maxSessions: options.maxMcpSessions ?? 256,
    });
  }

  /** Open MCP sessions (for tests and logs). */
  get mcpSessionCount(): number {
    return this.#mcpSessions.size;
  }

  static async start(options: McpHttpOptions): Promise<McpHttpServer> {
    if (options.token !== undefined && options.token.trim() === '') throw new Error('the bearer token is empty');
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    const server = new McpHttpServer(options, http, (http.address() as AddressInfo).port);
    http.on('request', (request: IncomingMessage, response: ServerResponse) => server.#track(request, response));
    return server;
  }

  /** `http://127.0.0.1:<port>/mcp` (the host as bound). */
  get url(): string {
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}${MCP_PATH}`;
  }

  /**
   * Stops taking requests, lets those in flight finish, closes every connection, then the session
   * (saved first to `keepSessionAs`, e.g. the run's final.db) and the sessions with their runner.
   * What the CLI calls on SIGINT and SIGTERM.
   */
  close(options: { readonly keepSessionAs?: string } = {}): Promise<void> {
    switch (this.#state) {
      case 'listening':
        this.#state = 'closing';
        this.#closed = this.#shutDown(options.keepSessionAs).finally(() => (this.#state = 'closed'));
        return this.#closed;
      case 'closing':
      case 'closed':
        return this.#closed ?? Promise.resolve();
      default:
        return unreachable(this.#state, 'MCP server state');
    }
  }

  async #shutDown(keepSessionAs: string | undefined): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await Promise.allSettled([...this.#inFlight]);
    this.http.closeAllConnections();
    await stopped;
    await this.#mcpSessions.closeAll();
    const { sessions, sessionId } = this.options;
    try {
      await sessions.closeSession(sessionId, keepSessionAs === undefined ? {} : { keepAs: keepSessionAs });
    } finally {
      await sessions.close();
    }
  }

  #track(request: IncomingMessage, response: ServerResponse): void {
    const handled = this.#handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendRefusal(response, 500, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
      else response.destroy();
    });
    this.#inFlight.add(handled);
    void handled.finally(() => this.#inFlight.delete(handled));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.#state !== 'listening')
      return sendRefusal(response, 503, 'Service Unavailable: the env is shutting down', { connection: 'close' });
    const refusal = this.#guardRefusal(request);
    if (refusal !== null) return sendGuardRefusal(response, refusal);
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== MCP_PATH)
      return sendRefusal(response, 404, `Not Found: the MCP endpoint is ${MCP_PATH}`);
    const sessionId = request.headers[SESSION_HEADER];
    switch (request.method) {
      case 'POST':
        return this.#post(request, response, typeof sessionId === 'string' ? sessionId : undefined);
      case 'DELETE':
        if (typeof sessionId !== 'string')
          return sendRefusal(response, 400, `Bad Request: DELETE ends an MCP session; send its ${SESSION_HEADER}`);
        if (!this.#mcpSessions.end(sessionId)) return sendRefusal(response, 404, 'Session not found', {}, -32001);
        return void response.writeHead(200).end();
      default:
        return sendRefusal(
          response,
          405,
          'Method Not Allowed: this env sends no messages of its own; POST JSON-RPC messages, DELETE to end a session',
          { allow: 'POST, DELETE' },
        );
    }
  }

  async #post(request: IncomingMessage, response: ServerResponse, sessionId: string | undefined): Promise<void> {
    const body = await readRequestJson(request);
    switch (body.kind) {
      case 'too-large':
        return sendRefusal(response, 413, `Payload Too Large: Request body must not exceed ${body.maxBytes} bytes`, {
          connection: 'close',
        });
      case 'invalid-json':
        return sendRefusal(response, 400, 'Parse error: Invalid JSON', {}, -32700);
      case 'parsed':
        if (sessionId !== undefined) return this.#inSession(sessionId, request, response, body.value);
        if (Array.isArray(body.value) ? body.value.some(isInitializeRequest) : isInitializeRequest(body.value))
          return this.#openSession(request, response, body.value);
        return this.#stateless(request, response, body.value);
      default:
        return unreachable(body, 'request body');
    }
  }

  /** An initialize outside a session opens one: its Server and transport serve its later requests. */
  async #openSession(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    const id = randomUUID();
    const server = createMcpServer(this.#binding);
    const transport = new McpJsonTransport(id);
    await server.connect(transport);
    this.#mcpSessions.opened(id, server, transport);
    await this.#answer(id, transport, request, response, body);
    // Refused (406, 415, 400…): no session was opened, as far as the client knows.
    if (response.statusCode !== 200) this.#mcpSessions.end(id);
  }

  async #inSession(id: string, request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    const transport = this.#mcpSessions.begin(id);
    if (transport === undefined)
      return sendRefusal(response, 404, 'Session not found: initialize a new MCP session', {}, -32001);
    await this.#answer(id, transport, request, response, body);
  }

  /** Hands the POST to the session's transport and waits for its answer (counted busy meanwhile). */
  async #answer(
    id: string,
    transport: McpJsonTransport,
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
  ): Promise<void> {
    try {
      const answered = closeOf(response);
      transport.handlePost(request, response, body);
      await answered;
    } finally {
      this.#mcpSessions.done(id);
    }
  }

  /** A POST outside any MCP session, not an initialize: a Server and transport for this request alone. */
  async #stateless(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    const server = createMcpServer(this.#binding);
    const transport = new McpJsonTransport();
    await server.connect(transport);
    const answered = closeOf(response);
    transport.handlePost(request, response, body);
    await answered;
    await server.close();
  }

  #guardRefusal(request: IncomingMessage): Extract<GuardVerdict, { ok: false }> | null {
    const verdicts = [
      hostHeaderVerdict(request.headers.host, this.#allowedHosts),
      originVerdict(request.headers.origin),
      this.options.token === undefined ? null : bearerTokenVerdict(request.headers.authorization, this.options.token),
    ];
    for (const verdict of verdicts) if (verdict !== null && !verdict.ok) return verdict;
    return null;
  }
}

/** When the response is done: answered, refused, or its connection gone. */
function closeOf(response: ServerResponse): Promise<void> {
  return response.closed ? Promise.resolve() : new Promise((resolve) => response.once('close', () => resolve()));
}
