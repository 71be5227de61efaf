// JSON in and out of node:http for the REST routes: bodies read with a size limit, answers written
// with their status, and errors as `{ error: { code, message, ...details } }` (codes for machines,
// OpenEnv's where it has one, e.g. CAPACITY_REACHED).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { err, ok, type Result } from '../util/result.js';

const MAX_BODY_BYTES = 1024 * 1024;

export function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(`${JSON.stringify(body)}\n`);
}

export function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  headers = {},
): void {
  sendJson(response, status, { error: { code, message, ...details } }, headers);
}

/** The body as text, trimmed; an error past the size limit. */
export async function readText(request: IncomingMessage): Promise<Result<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return err(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return ok(Buffer.concat(chunks).toString('utf8').trim());
}

/** The body as a JSON object; an empty body is `{}`. */
export async function readJsonObject(request: IncomingMessage): Promise<Result<Record<string, unknown>, string>> {
  const read = await readText(request);
  if (!read.ok) return read;
  const text = read.value;
  if (text === '') return ok({});
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return err('the body must be a JSON object');
    return ok(value as Record<string, unknown>);
  } catch (error) {
    return err(`the body is not JSON: ${(error as Error).message}`);
  }
}
