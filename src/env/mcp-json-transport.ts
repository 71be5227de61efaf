// MCP's Streamable HTTP, server side, in the subset the env speaks: JSON answers to POSTed JSON-RPC
// messages, never an SSE stream (the env sends nothing of its own, so no GET stream, no
// resumption). It plugs into the SDK's low-level Server as any transport does; the Server keeps
// the protocol (initialize, validation, tools/list, tools/call). It exists for speed: the SDK's
// Node transport turns every request into a web Request and every answer into a web Response
// and back (@hono/node-server, web streams), which profiled as the largest share of a call over
// HTTP. The checks and their answers are the SDK transport's own (406, 415, 400 with the same
// JSON-RPC errors); which MCP session a request belongs to is the endpoint's business
// (mcp-http.ts), which hands this transport only the requests of its session, body parsed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { sendRefusal } from './http-guard.js';

/** The SDK transport's limit on one batch. */
const MAX_BATCH = 100;

/** Of a message already parsed as JSON-RPC: a request has a method and an id (a notification has no id). */
const isRequest = (message: JSONRPCMessage): message is JSONRPCRequest => 'method' in message && 'id' in message;

const isInitialize = (message: JSONRPCMessage): boolean =>
  isRequest(message) && message.method === 'initialize' && isInitializeRequest(message);

/** The answers one POST waits for: one per request it carried, written together. */
interface PendingPost {
  readonly response: ServerResponse;
  readonly ids: readonly RequestId[];
  readonly batch: boolean;
  readonly answers: Map<RequestId, JSONRPCMessage>;
}

export class McpJsonTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  #initialized = false;
  #closed = false;
  /** By JSON-RPC request id: the POST that carried it. */
  readonly #pending = new Map<RequestId, PendingPost>();

  /** `sessionId`: the MCP session this transport serves (sent back on every answer); none when stateless. */
  constructor(readonly sessionId?: string) {}

  async start(): Promise<void> {}

  /** One POST of this session, its body parsed; answered once the Server has answered every request in it. */
  handlePost(request: IncomingMessage, response: ServerResponse, body: unknown): void {
    const accept = request.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
      return sendRefusal(
        response,
        406,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    if (!isJsonContentType(request.headers['content-type']))
      return sendRefusal(response, 415, 'Unsupported Media Type: Content-Type must be application/json');
    if (Array.isArray(body) && body.length > MAX_BATCH)
      return sendRefusal(response, 400, `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`, {}, -32600);
    const messages: JSONRPCMessage[] = [];
    for (const raw of Array.isArray(body) ? body : [body]) {
      const parsed = JSONRPCMessageSchema.safeParse(raw);
      if (!parsed.success) return sendRefusal(response, 400, 'Parse error: Invalid JSON-RPC message', {}, -32700);
      messages.push(parsed.data);
    }
    const ids = messages.filter(isRequest).map((message) => message.id);
    const refusal = this.#refusal(request, messages, ids);
    if (refusal !== null) return sendRefusal(response, refusal.status, refusal.message, {}, refusal.code);
    if (this.#closed) return sendRefusal(response, 404, 'Session not found', {}, -32001);
    if (messages.some(isInitialize)) this.#initialized = true;
    const extra = { requestInfo: { headers: request.headers } };
    if (ids.length === 0) {
      for (const message of messages) this.onmessage?.(message, extra);
      return void response.writeHead(202).end();
    }
    const pending: PendingPost = { response, ids, batch: Array.isArray(body), answers: new Map() };
    for (const id of ids) this.#pending.set(id, pending);
    for (const message of messages) this.onmessage?.(message, extra);
  }

  /** The Server's answers; anything else (a notification, a request of its own) has nowhere to go and is dropped. */
  async send(message: JSONRPCMessage): Promise<void> {
    if ('method' in message || message.id === undefined) return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    pending.answers.set(message.id, message);
    if (pending.answers.size < pending.ids.length) return;
    for (const id of pending.ids) this.#pending.delete(id);
    const answers = pending.ids.map((id) => pending.answers.get(id));
    this.#write(pending.response, 200, JSON.stringify(pending.batch ? answers : answers[0]));
  }

  /** Ends the transport; POSTs still waiting for answers get a JSON-RPC error rather than silence. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const waiting = new Set(this.#pending.values());
    this.#pending.clear();
    for (const { response } of waiting)
      if (!response.headersSent)
        sendRefusal(response, 503, 'Service Unavailable: the MCP session was closed', {}, -32001);
    this.onclose?.();
  }

  #refusal(
    request: IncomingMessage,
    messages: readonly JSONRPCMessage[],
    ids: readonly RequestId[],
  ): { status: number; code: number; message: string } | null {
    if (messages.some(isInitialize)) {
      if (this.#initialized && this.sessionId !== undefined)
        return { status: 400, code: -32600, message: 'Invalid Request: Server already initialized' };
      if (messages.length > 1)
        return { status: 400, code: -32600, message: 'Invalid Request: Only one initialization request is allowed' };
      return null;
    }
    const version = request.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      return {
        status: 400,
        code: -32000,
        message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      };
    // Answers are matched to their POST by id, so ids must differ within a POST and from those in flight.
    if (new Set(ids).size < ids.length)
      return { status: 400, code: -32600, message: 'Invalid Request: the requests of a batch need different ids' };
    const busy = ids.find((id) => this.#pending.has(id));
    if (busy !== undefined)
      return { status: 409, code: -32600, message: `Invalid Request: request id ${busy} is already in flight` };
    return null;
  }

  #write(response: ServerResponse, status: number, body: string): void {
    if (response.writableEnded || response.destroyed) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    response.writeHead(status, headers).end(body);
  }
}
