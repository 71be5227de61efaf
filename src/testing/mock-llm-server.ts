// A local OpenAI-compatible server for tests and for trying the CLI by hand (scripts/mock-llm.mjs).
// It speaks chat completions (native tool calls included) and embeddings (OpenAI paths and Azure
// deployment paths), answers from a script, records every request, counts requests in flight, and
// injects the faults real providers produce: 429 with Retry-After, 5xx, hangs, cut-off answers,
// refusals, 401, and answers of many megabytes (generated as they are sent, so a 50 MB answer costs
// the test no memory).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unreachable } from '../util/result.js';
import { ngramEmbedding } from '../llm/ngram-embedder.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/openai/deployments/gpt-4.1/chat/completions?api-version=2024-10-21`. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body (the raw text when it is not JSON). */
  readonly body: unknown;
  /** For chat requests: the message contents joined by blank lines, for easy assertions. */
  readonly text: string;
}

/** A function call as a model writes it under OpenAI's native tool calling. */
export interface MockToolCall {
  /** Default `call_<request number>_<index>`. */
  readonly id?: string;
  readonly name: string;
  /** The arguments as the model wrote them: a JSON text, or anything else to test malformed calls. */
  readonly arguments: string;
}

export type MockStep =
  | {
      readonly kind: 'answer';
      readonly text: string;
      /** Native tool calls (`choices[0].message.tool_calls`); the default finish reason becomes `tool_calls`. */
      readonly toolCalls?: readonly MockToolCall[];
      readonly finishReason?: string;
      readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
      /** Wait this long before answering (to make requests overlap). */
      readonly delayMs?: number;
    }
  | { readonly kind: 'refusal'; readonly refusal: string }
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly message: string;
      readonly code?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { readonly kind: 'hang' }
  /**
   * An answer whose content is `bytes` of `x`, streamed as the client reads it (with a
   * Content-Length header when `declareLength`); stops when the client closes the connection.
   */
  | { readonly kind: 'huge'; readonly bytes: number; readonly declareLength: boolean };

/** How much of a `huge` answer went out before the client took it all or closed the connection. */
export interface StreamedAnswer {
  /** The answer's size in bytes, its JSON wrapping included. */
  readonly size: number;
  /** Bytes handed to the socket (the kernel may not have delivered all of them). */
  readonly sent: number;
  readonly complete: boolean;
}

/** Ready-made steps, one per behaviour worth testing. */
export const mockStep = {
  answer: (text: string, options: Omit<Extract<MockStep, { kind: 'answer' }>, 'kind' | 'text'> = {}): MockStep => ({
    kind: 'answer',
    text,
    ...options,
  }),
  json: (value: unknown): MockStep => ({ kind: 'answer', text: JSON.stringify(value) }),
  /** A turn that calls tools natively, with `text` as its content (often empty). */
  toolCalls: (toolCalls: readonly MockToolCall[], text = ''): MockStep => ({ kind: 'answer', text, toolCalls }),
  proseAround: (value: unknown): MockStep => ({
    kind: 'answer',
    text: `Sure! Here is the JSON you asked for:\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n\nLet me know if you need changes.`,
  }),
  /** The first part of the JSON, as a model that ran out of max_tokens sends it. */
  truncated: (value: unknown): MockStep => {
    const text = JSON.stringify(value, null, 2);
    return { kind: 'answer', text: text.slice(0, Math.ceil(text.length / 2)), finishReason: 'length' };
  },
  refusal: (refusal = "I'm sorry, but I can't help with that."): MockStep => ({ kind: 'refusal', refusal }),
  contentFilter: (): MockStep => ({ kind: 'answer', text: '', finishReason: 'content_filter' }),
  rateLimited: (headers: Readonly<Record<string, string>> = { 'retry-after': '0' }): MockStep => ({
    kind: 'status',
    status: 429,
    message: 'Rate limit reached for requests',
    code: 'rate_limit_exceeded',
    headers,
  }),
  serverError: (status = 500): MockStep => ({
    kind: 'status',
    status,
    message: 'The server had an error while processing your request.',
  }),
  unauthorized: (): MockStep => ({
    kind: 'status',
    status: 401,
    message: 'Incorrect API key provided.',
    code: 'invalid_api_key',
  }),
  hang: (): MockStep => ({ kind: 'hang' }),
  huge: (bytes: number, options: { readonly declareLength?: boolean } = {}): MockStep => ({
    kind: 'huge',
    bytes,
    declareLength: options.declareLength ?? false,
  }),
};

export interface MockLlmScript {
  /** Chat answers in order; when they run out, `respond` answers. */
  readonly steps?: readonly MockStep[];
  readonly respond?: (request: RecordedRequest) => MockStep;
  /** Embedding vectors; by default the offline n-gram vectors. */
  readonly embed?: (texts: readonly string[]) => number[][];
  /** Called for each request received (the by-hand script logs them). */
  readonly onRequest?: (request: RecordedRequest) => void;
}

export interface MockLlmServer {
  /** For OPENAI_BASE_URL: `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  /** For AZURE_ENDPOINT_URL: `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Only the chat completion requests. */
  readonly chatRequests: readonly RecordedRequest[];
  /** The chat requests whose reply has been handed to the network, in that order (a hang never is). */
  readonly replied: readonly RecordedRequest[];
  /** The most requests that were ever open at once. */
  readonly maxInFlight: number;
  /** One entry per `huge` answer, in the order they started. */
  readonly streamed: readonly StreamedAnswer[];
  /** Adds steps to the end of the queue. */
  push(...steps: MockStep[]): void;
  /** Stops listening and drops open connections, so hanging requests end too. */
  close(): Promise<void>;
}

export async function startMockLlmServer(
  script: MockLlmScript = {},
  options: { readonly port?: number } = {},
): Promise<MockLlmServer> {
  const queue: MockStep[] = [...(script.steps ?? [])];
  const requests: RecordedRequest[] = [];
  const streamed: StreamedAnswer[] = [];
  const replied: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((incoming, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on('close', () => (inFlight -= 1));
    void handle(incoming, response).catch((error: unknown) =>
      sendError(response, 500, `mock LLM server failed: ${String(error)}`),
    );
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = await record(incoming);
    requests.push(request);
    script.onRequest?.(request);
    const pathname = request.path.split('?')[0] ?? '';
    if (incoming.method === 'POST' && pathname.endsWith('/chat/completions')) return answerChat(request, response);
    if (incoming.method === 'POST' && pathname.endsWith('/embeddings')) return answerEmbeddings(request, response);
    sendError(response, 404, `mock LLM server: no route for ${incoming.method} ${request.path}`);
  }

  async function answerChat(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const number = requests.filter(isChat).length;
    response.once('finish', () => replied.push(request));
    const step = queue.shift() ?? script.respond?.(request);
    if (step === undefined) {
      return sendError(
        response,
        400,
        `mock LLM server: the script has no answer for chat request #${number} (${request.path})`,
      );
    }
    await play(step, request, number, response, (answer) => streamed.push(answer));
  }

  function answerEmbeddings(request: RecordedRequest, response: ServerResponse): void {
    const input = (request.body as { input?: unknown }).input;
    const texts = Array.isArray(input) ? input.map(String) : [String(input)];
    const vectors = (script.embed ?? ((all) => all.map((text) => ngramEmbedding(text))))(texts);
    sendJson(response, 200, {
      object: 'list',
      model: (request.body as { model?: string }).model ?? 'mock-embedding',
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      usage: { prompt_tokens: estimateTokens(texts.join('')), total_tokens: estimateTokens(texts.join('')) },
    });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v1`,
    origin,
    get requests() {
      return requests;
    },
    get chatRequests() {
      return requests.filter(isChat);
    },
    get replied() {
      return replied;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get streamed() {
      return streamed;
    },
    push: (...steps) => void queue.push(...steps),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function play(
  step: MockStep,
  request: RecordedRequest,
  number: number,
  response: ServerResponse,
  onStreamed: (answer: StreamedAnswer) => void,
): Promise<void> {
  switch (step.kind) {
    case 'hang':
      return;
    case 'huge':
      return onStreamed(await streamHugeAnswer(step, request, response));
    case 'status':
      return sendError(response, step.status, step.message, step.code, step.headers);
    case 'refusal':
      return sendJson(
        response,
        200,
        completion(request, { content: null, refusal: step.refusal }, 'stop', {
          promptTokens: 10,
          completionTokens: 10,
        }),
      );
    case 'answer': {
      if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      const usage = step.usage ?? {
        promptTokens: estimateTokens(request.text),
        completionTokens: estimateTokens(step.text),
      };
      return sendJson(
        response,
        200,
        completion(
          request,
          { content: step.text, refusal: null, ...toolCallsOf(step.toolCalls, number) },
          step.finishReason ?? (step.toolCalls?.length ? 'tool_calls' : 'stop'),
          usage,
        ),
      );
    }
    default:
      return unreachable(step, 'mock step');
  }
}

/** Writes the answer in 64 KB chunks, each only when the socket has taken the last. */
async function streamHugeAnswer(
  step: Extract<MockStep, { kind: 'huge' }>,
  request: RecordedRequest,
  response: ServerResponse,
): Promise<StreamedAnswer> {
  const marker = '\u0000CONTENT\u0000';
  const usage = { promptTokens: estimateTokens(request.text), completionTokens: Math.ceil(step.bytes / 4) };
  const [head, tail] = JSON.stringify(completion(request, { content: marker, refusal: null }, 'stop', usage)).split(
    JSON.stringify(marker).slice(1, -1),
  ) as [string, string];
  const size = Buffer.byteLength(head) + step.bytes + Buffer.byteLength(tail);
  response.writeHead(200, {
    'content-type': 'application/json',
    ...(step.declareLength ? { 'content-length': String(size) } : {}),
  });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const write = async (data: Buffer | string): Promise<boolean> => {
    if (response.destroyed) return false;
    sent += Buffer.byteLength(data);
    if (response.write(data)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    });
    return !response.destroyed;
  };
  let open = await write(head);
  for (let left = step.bytes; open && left > 0; left -= chunk.length)
    open = await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  if (open) {
    response.end(tail);
    sent += Buffer.byteLength(tail);
  }
  return { size, sent, complete: open };
}

/** `tool_calls` in OpenAI's shape, or nothing when the step has none. */
function toolCallsOf(calls: readonly MockToolCall[] | undefined, number: number): { tool_calls?: object[] } {
  if (!calls?.length) return {};
  return {
    tool_calls: calls.map((call, index) => ({
      id: call.id ?? `call_${number}_${index}`,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}

function completion(
  request: RecordedRequest,
  message: { content: string | null; refusal: string | null; tool_calls?: object[] },
  finishReason: string,
  usage: { promptTokens: number; completionTokens: number },
): object {
  return {
    id: `chatcmpl-mock-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: (request.body as { model?: string }).model ?? 'mock-model',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason, logprobs: null }],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  };
}

async function record(incoming: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  let body: unknown = raw;
  try {
    body = raw === '' ? null : JSON.parse(raw);
  } catch {
    // keep the raw text: a test may want to see what was wrong with it
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  const messages = (body as { messages?: { content?: unknown }[] } | null)?.messages;
  const text = Array.isArray(messages) ? messages.map((message) => String(message.content ?? '')).join('\n\n') : '';
  return { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers, body, text };
}

function isChat(request: RecordedRequest): boolean {
  return (request.path.split('?')[0] ?? '').endsWith('/chat/completions');
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  code?: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(
    response,
    status,
    {
      error: {
        message,
        type: status === 401 ? 'invalid_request_error' : 'mock_error',
        code: code ?? null,
        param: null,
      },
    },
    headers,
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: object,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
