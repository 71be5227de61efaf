// The sandboxed child's main. It reads the request frame from fd 3, imports the entry module, runs
// its default export and writes one result frame back to fd 3, then exits at once, so timers or
// sockets the entry left open cannot keep the child alive until the time limit.
// Start-up is on every sandboxed call's path: this file imports only the protocol, src/util/ and
// node builtins; everything else is what the entry itself imports.
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { SandboxEntry } from './sandbox-entry.js';
import {
  CHANNEL_FD,
  decodeRequestFrame,
  encodeResultFrameOrFailure,
  failureFrame,
  type ResultFrame,
} from './sandbox-protocol.js';

async function main(): Promise<void> {
  const request = decodeRequestFrame(readFileSync(CHANNEL_FD, 'utf8'));
  if (!request.ok) return send(failureFrame('load', new Error(`bad request frame: ${request.error}`)));
  let run: SandboxEntry<unknown, unknown>;
  try {
    const module = (await import(pathToFileURL(request.value.entry).href)) as { default?: unknown };
    if (typeof module.default !== 'function')
      throw new TypeError(`${request.value.entry} has no default export function`);
    run = module.default as SandboxEntry<unknown, unknown>;
  } catch (error) {
    return send(failureFrame('load', error));
  }
  let value: unknown;
  try {
    value = await run(request.value.input, { scratchDir: request.value.scratchDir });
  } catch (error) {
    return send(failureFrame('run', error));
  }
  send({ ok: true, value: value === undefined ? null : value });
}

function send(frame: ResultFrame): void {
  const bytes = Buffer.from(encodeResultFrameOrFailure(frame), 'utf8');
  for (let offset = 0; offset < bytes.length;) offset += writeSync(CHANNEL_FD, bytes, offset);
  closeSync(CHANNEL_FD);
  process.exit(0);
}

await main();
