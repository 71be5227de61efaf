// `awm env check --url U [--token T]`: is there an MCP server at U, and what tools does it offer?
// Connects with the SDK's own Client, lists the tools and prints their count and names. Exit 1 when
// nothing answers (within 10 s), the server is not MCP, or it lists no tools.
import { exitWith, stringOption, tokenOption } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { connectMcp, describeMcpFailure, PROBE_TIMEOUT_MS } from './mcp-probe.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const url = urlOption(request);
  if (typeof url === 'string') return exitWith(io, url, 2);
  const token = tokenOption(request.values);
  if (!token.ok) return exitWith(io, token.error, 2);
  const connection = await connectMcp(url, { token: token.value });
  if (!connection.ok) return exitWith(io, connection.error, 1);
  try {
    let tools;
    try {
      ({ tools } = await connection.value.client.listTools(undefined, { timeout: PROBE_TIMEOUT_MS }));
    } catch (error) {
      return exitWith(io, `listing the tools failed: ${describeMcpFailure(error, url, PROBE_TIMEOUT_MS)}`, 1);
    }
    const server = connection.value.serverName === null ? '' : ` (server "${connection.value.serverName}")`;
    if (tools.length === 0) return exitWith(io, `${url.href}${server} speaks MCP but lists no tools`, 1);
    io.stdout.write(`awm: ${url.href}${server} lists ${tools.length} tool${tools.length === 1 ? '' : 's'}:\n`);
    for (const tool of tools) io.stdout.write(`  ${tool.name}\n`);
    return 0;
  } finally {
    await connection.value.close();
  }
}

function urlOption(request: CommandRequest): URL | string {
  if (request.positionals.length > 0)
    return `\`awm env check\` takes the URL as --url U (got "${request.positionals.join(' ')}")`;
  const text = stringOption(request.values, 'url');
  if (text === undefined)
    return '`awm env check` needs --url U, the MCP endpoint, e.g. --url http://127.0.0.1:8000/mcp';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--url must be a URL such as http://127.0.0.1:8000/mcp (got "${text}")`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--url must be an http:// or https:// URL (got "${text}"); MCP's Streamable HTTP runs over HTTP`;
  return url;
}
