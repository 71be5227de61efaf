// An MCP server as a client sees it, through the SDK's own Client and Streamable HTTP transport: the
// connection, with a deadline on every request, and each way it can fail in words that say what to
// do (nothing listens, not MCP, a token wanted, too slow).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { err, ok, type Result } from '../util/result.js';

export const PROBE_TIMEOUT_MS = 10_000;

export interface McpConnection {
  readonly client: Client;
  /** The name the server gave in its initialize answer. */
  readonly serverName: string | null;
  close(): Promise<void>;
}

export async function connectMcp(
  url: URL,
  options: { readonly token?: string | undefined; readonly timeoutMs?: number } = {},
): Promise<Result<McpConnection, string>> {
  const timeout = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const headers: Record<string, string> =
    options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const client = new Client({ name: 'awm-env-check', version: '1' });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  try {
    await client.connect(transport, { timeout });
  } catch (error) {
    await client.close().catch(() => {});
    return err(describeMcpFailure(error, url, timeout, options.token !== undefined));
  }
  return ok({
    client,
    serverName: client.getServerVersion()?.name ?? null,
    close: () => client.close().catch(() => {}),
  });
}

/** Why talking to `url` failed, and what to do. */
export function describeMcpFailure(error: unknown, url: URL, timeoutMs: number, tokenSent = false): string {
  const where = url.href;
  if (error instanceof StreamableHTTPError) {
    const status = error.code ?? -1;
    const body = error.message
      .replace(/^Streamable HTTP error: (Error POSTing to endpoint: )?/, '')
      .replace(/<[^>]*>/g, ' ');
    if (status === 401 && tokenSent) return `${where} refused the bearer token (HTTP 401); check --token`;
    if (status === 401)
      return `${where} wants a bearer token (HTTP 401); pass it with --token (\`awm env start --token T\` sets one)`;
    if (status === 403) return `${where} refused the request (HTTP 403): ${body}`;
    if (status === 404)
      return `${where} is not an MCP endpoint (HTTP 404: ${shorten(body)}); an awm env serves MCP at /mcp, e.g. http://127.0.0.1:8000/mcp`;
    return `${where} does not speak MCP over Streamable HTTP (${status > 0 ? `HTTP ${status}: ` : ''}${shorten(body)})`;
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout)
    return `${where} did not answer within ${timeoutMs / 1000} s; is it an MCP server, and is it running?`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return `nothing listens at ${where} (connection refused); start an env with \`awm env start --scenario S\`, or check the port`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${where} does not resolve (${cause.code}); check the URL`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `${where} closed the connection without an answer; is it an MCP server?`;
    default:
      break;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `cannot talk MCP with ${where}: ${message}${cause?.message ? ` (${cause.message})` : ''}`;
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
