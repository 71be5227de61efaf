// One env checked the way an agent meets it: served by the host on a fresh copy of its seed in a
// temp folder (a free port), its tools listed with the SDK's Client, each tool called over MCP with
// its first spec example, then stopped. Each example runs on the seed's state (the session is reset
// before it), as the examples were written for it and as the env stage's check runs them. A result,
// or a business error the tool declares, is fine; anything else fails the env.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpHttpServer } from '../env/mcp-http.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import { ERROR_CODES, type ToolSpec } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import type { BuiltEnv } from './built-env.js';
import { openEnv, type OpenedEnv } from './env-host.js';
import { connectMcp, describeMcpFailure, PROBE_TIMEOUT_MS, type McpConnection } from './mcp-probe.js';

export interface ServedEnvCheck {
  readonly scenario: string;
  /** Tools the server listed; null when it never got that far. */
  readonly listed: number | null;
  /** First examples answered with a result, with a business error the tool declares, or failing. */
  readonly ok: number;
  readonly business: number;
  readonly failed: number;
  /** Tools whose spec has no example (not called). */
  readonly withoutExample: number;
  readonly ms: number;
  /** Why the env fails, one line each; empty when it passes. */
  readonly problems: readonly string[];
}

export async function checkServedEnv(
  env: BuiltEnv,
  options: { readonly signal: AbortSignal; readonly onNotice?: (notice: SandboxNotice) => void },
): Promise<ServedEnvCheck> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'awm-env-check-all-'));
  const found: Found = { listed: null, ok: 0, business: 0, failed: 0, withoutExample: 0, problems: [] };
  let opened: OpenedEnv | null = null;
  let server: McpHttpServer | null = null;
  let connection: McpConnection | null = null;
  try {
    const openedEnv = await openEnv(env, dir, {
      snapshotPath: env.files.seedDb,
      callLogPath: join(dir, 'calls.jsonl'),
      ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    });
    if (!openedEnv.ok) found.problems.push(openedEnv.error);
    else {
      opened = openedEnv.value;
      server = await McpHttpServer.start({
        sessions: opened.sessions,
        sessionId: opened.sessionId,
        name: env.scenario,
      });
      const url = new URL(server.url);
      const connected = await connectMcp(url);
      if (!connected.ok) found.problems.push(connected.error);
      else {
        connection = connected.value;
        await exercise({ env, opened, connection, url, signal: options.signal }, found);
      }
    }
  } catch (error) {
    found.problems.push(`checking it failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await connection?.close();
    if (server !== null) await server.close();
    else await opened?.sessions.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { scenario: env.scenario, ...found, ms: Math.round(performance.now() - started) };
}

/** What the check finds as it goes (ServedEnvCheck without the name and time). */
interface Found {
  listed: number | null;
  ok: number;
  business: number;
  failed: number;
  withoutExample: number;
  readonly problems: string[];
}

interface Served {
  readonly env: BuiltEnv;
  readonly opened: OpenedEnv;
  readonly connection: McpConnection;
  readonly url: URL;
  readonly signal: AbortSignal;
}

/** The listing against spec.json, then each tool's first example on a fresh copy of the seed. */
async function exercise({ env, opened, connection, url, signal }: Served, found: Found): Promise<void> {
  const listing = await connection.client.listTools(undefined, { timeout: PROBE_TIMEOUT_MS });
  found.listed = listing.tools.length;
  const listed = new Set(listing.tools.map((tool) => tool.name));
  const unlisted = env.tools.filter((tool) => !listed.has(tool.name)).map((tool) => tool.name);
  if (unlisted.length > 0) found.problems.push(`the server does not list ${unlisted.join(', ')} of spec.json`);
  for (const tool of env.tools) {
    if (signal.aborted) {
      found.problems.push('interrupted before every tool was called');
      return;
    }
    const example = tool.examples[0];
    if (example === undefined) {
      found.withoutExample += 1;
      continue;
    }
    await opened.sessions.resetSession(opened.sessionId);
    const verdict = await callExample(connection, tool, example, env.callTimeoutMs + PROBE_TIMEOUT_MS, url);
    found[verdict.kind] += 1;
    if (verdict.kind === 'failed') found.problems.push(`${tool.name} ${JSON.stringify(example)}: ${verdict.problem}`);
  }
}

type Verdict = { readonly kind: 'ok' | 'business' } | { readonly kind: 'failed'; readonly problem: string };

async function callExample(
  connection: McpConnection,
  tool: ToolSpec,
  example: Record<string, unknown>,
  timeout: number,
  url: URL,
): Promise<Verdict> {
  let result: CallToolResult;
  try {
    result = (await connection.client.callTool({ name: tool.name, arguments: example }, undefined, {
      timeout,
    })) as CallToolResult;
  } catch (error) {
    return { kind: 'failed', problem: `the call failed: ${describeMcpFailure(error, url, timeout)}` };
  }
  if (result.isError !== true) return { kind: 'ok' };
  const error = toolError(result);
  if (error === null) return { kind: 'failed', problem: 'an error result without { error: { code, message } }' };
  if (Object.hasOwn(ERROR_CODES, error.code) && tool.errors.some((declared) => declared.code === error.code))
    return { kind: 'business' };
  return { kind: 'failed', problem: `${error.code}: ${error.message}` };
}

/** The `{ error: { code, message } }` the host puts in an error result's text. */
function toolError(result: CallToolResult): { code: string; message: string } | null {
  const first = result.content[0];
  if (first?.type !== 'text') return null;
  try {
    const parsed = JSON.parse(first.text) as unknown;
    const error = isRecord(parsed) ? parsed['error'] : undefined;
    if (isRecord(error) && typeof error['code'] === 'string' && typeof error['message'] === 'string')
      return { code: error['code'], message: error['message'] };
  } catch {
    // not JSON: not the host's error shape
  }
  return null;
}
