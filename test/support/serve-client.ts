// Clients of a served demo project (`awm serve` through the real CLI): the URL line, JSON requests,
// the SDK's MCP client, Prometheus samples, and an OpenEnv WebSocket that reads replies in order.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocket } from 'ws';
import * as assert from 'uvu/assert';
import type { TempProject } from './cli-rig.js';
import { startCli, waitFor, type Cli } from './cli-process.js';

const URL_LINE = /^awm: serving (\d+) scenarios at (http:\/\/\S+)$/m;

/** `awm serve --port 0 ARGS` in the project, once it printed its URL line. */
export async function startServeCli(
  project: TempProject,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ cli: Cli; base: string; scenarios: number }> {
  const cli = startCli(project, ['serve', '--port', '0', ...args], env);
  const match = await waitFor('the URL line', () => URL_LINE.exec(cli.stdout()) ?? undefined, {
    cli,
    timeoutMs: 60_000,
  });
  return { cli, base: match[2]!, scenarios: Number(match[1]) };
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Prometheus text, say.
  }
  return { status: response.status, body: parsed, text };
}

export async function mcpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'serve-cli-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Sums the samples of `name` whose labels include every one given. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((pair) => [pair[1]!, pair[2]!]),
    );
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) {
      sum += Number(match[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`no sample of ${name} ${JSON.stringify(labels)} in:\n${text}`);
  return sum;
}

/** A WebSocket client that reads replies in order, one per frame sent. */
export async function openSocket(url: string): Promise<{
  ws: WebSocket;
  send(frame: unknown): Promise<Record<string, any>>;
  sendText(text: string): Promise<Record<string, any>>;
}> {
  const ws = new WebSocket(url);
  const replies: Record<string, any>[] = [];
  const waiting: ((reply: Record<string, any>) => void)[] = [];
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString()) as Record<string, any>;
    const next = waiting.shift();
    if (next) next(reply);
    else replies.push(reply);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const sendText = (text: string): Promise<Record<string, any>> => {
    ws.send(text);
    const ready = replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), 20_000);
      waiting.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  };
  return { ws, sendText, send: (frame) => sendText(JSON.stringify(frame)) };
}

export const AWM_FIELDS = new Set([
  'reward_type',
  'scenario',
  'task',
  'task_idx',
  'has_verifier',
  'num_tools',
  'tool_name',
  'tool_result',
  'error',
  'warning',
  'verify_result',
  'steps_taken',
  'scenarios',
  'total',
  'trajectory_path',
  'session_dir',
  'metadata',
  'tools',
]);

export function assertAwmFields(observation: Record<string, unknown>): void {
  for (const key of Object.keys(observation)) assert.ok(AWM_FIELDS.has(key), `observation key ${key} is not AWM's`);
}

/** The sample once it exists (a counter counts an episode after its close has ended, not when it began). */
export async function awaitMetric(
  base: string,
  name: string,
  labels: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    const text = (await call(base, 'GET', '/metrics')).text;
    try {
      return metric(text, name, labels);
    } catch (error) {
      if (Date.now() - start > timeoutMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
