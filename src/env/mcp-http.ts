// The env's MCP endpoint over Streamable HTTP: `/mcp` on a node:http server, bound to 127.0.0.1 by
// default, serving one env session. Each request passes the guards (loopback Host, no Origin, the
// bearer token when one is set) before it reaches the SDK's transport.
//
// Stateless MCP: every POST gets a fresh low-level Server and transport, and GET and DELETE are
// answered 405 (no server-to-client stream, no MCP session to end). The env's state is its
// database, held by the env session, not by an MCP session; so there is nothing to keep per MCP
// session, nothing leaks when a client never sends DELETE (the reference harness opens a session per
// call), and a client that lost its session id, or talks to a restarted env, simply goes on.
//
//   listening ──close()──▶ closing ──requests in flight answered, connections closed,
//                                    the session saved (keepSessionAs) and closed, the runner closed──▶ closed
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { unreachable } from '../util/result.js';
import { bearerTokenVerdict } from './bearer-token-guard.js';
import { allowedHosts, hostHeaderVerdict } from './host-header-guard.js';
import { sendGuardRefusal, sendRefusal, type GuardVerdict } from './http-guard.js';
import { createMcpServer, type McpSessionBinding } from './mcp-server.js';
import { mcpToolListing } from './mcp-tool-listing.js';
import { originVerdict } from './origin-guard.js';
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
}

export const MCP_PATH = '/mcp';

export class McpHttpServer {
  #state: 'listening' | 'closing' | 'closed' = 'listening';
  #closed: Promise<void> | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #binding: McpSessionBinding;
  readonly #allowedHosts: ReadonlySet<string>;

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
    if (request.method !== 'POST')
      return sendRefusal(
        response,
        405,
        'Method Not Allowed: this env speaks stateless MCP; send JSON-RPC messages with POST',
        { allow: 'POST' },
      );
    const server = createMcpServer(this.#binding);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
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
