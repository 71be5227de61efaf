// The MCP sessions of one endpoint, by their `mcp-session-id`: each holds the SDK Server and
// transport that serve every request of that session, built once at its initialize. A client that
// never says goodbye costs a few kilobytes until the table closes its session: after `idleMs`
// without a request, or as the least recently used once there are more than `maxSessions`. A
// session with a request in flight is never closed under it (that request would never be answered).
//
//   a session   initialize ──▶ open ──DELETE | idle past idleMs
//                                     | least recently used beyond maxSessions | closeAll()──▶ closed
//               a closed session's id is answered 404, and the client initializes again
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpJsonTransport } from './mcp-json-transport.js';

export interface McpSessionTableOptions {
  /** A session without a request for this long is closed. */
  readonly idleMs: number;
  /** Beyond this many sessions, the least recently used idle ones are closed. */
  readonly maxSessions: number;
  /** Milliseconds, for idleness; default Date.now. */
  readonly now?: () => number;
}

interface McpSession {
  readonly server: Server;
  readonly transport: McpJsonTransport;
  lastUsed: number;
  inFlight: number;
}

export class McpSessionTable {
  /** In order of last use, the least recent first (a Map keeps insertion order). */
  readonly #sessions = new Map<string, McpSession>();
  readonly #now: () => number;
  readonly #reaper: ReturnType<typeof setInterval>;

  constructor(readonly options: McpSessionTableOptions) {
    this.#now = options.now ?? Date.now;
    const every = Math.min(60_000, Math.max(10, options.idleMs / 4));
    this.#reaper = setInterval(() => this.closeIdle(), every);
    this.#reaper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * A session opened by an initialize request, counted busy with that request until `done(id)`.
   * Closes the least recently used idle sessions beyond the cap.
   */
  opened(id: string, server: Server, transport: McpJsonTransport): void {
    this.#sessions.set(id, { server, transport, lastUsed: this.#now(), inFlight: 1 });
    for (const [oldId, session] of this.#sessions) {
      if (this.#sessions.size <= this.options.maxSessions) break;
      if (session.inFlight === 0) this.#closeLater(oldId, session);
    }
  }

  /** Marks the session busy and its transport used now; undefined when no open session has this id. */
  begin(id: string): McpJsonTransport | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    session.inFlight += 1;
    return session.transport;
  }

  /** The end of a request that `begin` (or `opened`) counted. */
  done(id: string): void {
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    session.inFlight -= 1;
    session.lastUsed = this.#now();
  }

  /** DELETE: the client ends the session; false when no open session has this id. */
  end(id: string): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) return false;
    this.#closeLater(id, session);
    return true;
  }

  closeIdle(): void {
    const before = this.#now() - this.options.idleMs;
    for (const [id, session] of this.#sessions)
      if (session.inFlight === 0 && session.lastUsed <= before) this.#closeLater(id, session);
  }

  /** Every session, busy or not (the endpoint has let its requests finish first), and the reaper. */
  async closeAll(): Promise<void> {
    clearInterval(this.#reaper);
    const closing = [...this.#sessions].map(([id, session]) => this.#close(id, session));
    await Promise.allSettled(closing);
  }

  async #close(id: string, session: McpSession): Promise<void> {
    this.#sessions.delete(id);
    try {
      await session.transport.close();
    } finally {
      await session.server.close();
    }
  }

  /** Closing an idle in-memory Server and transport has nothing to report: the id is gone at once. */
  #closeLater(id: string, session: McpSession): void {
    this.#close(id, session).catch(() => undefined);
  }
}
