// The sandboxed child's main. It reads the request frame from fd 3, imports the entry module, runs
// its default export and writes one result frame back to fd 3, then exits at once, so timers or
// sockets the entry left open cannot keep the child alive until the time limit.
// Start-up is on every sandboxed call's path: this file imports only the protocol, src/util/ and
// node builtins; everything else is what the entry itself imports.
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { SandboxEntry } from './sandbox-entry.js';
import type { EntryPhase } from './sandbox-outcome.js';
import { CHANNEL_FD, decodeRequestFrame, encodeResultFrame, type ResultFrame } from './sandbox-protocol.js';

async function main(): Promise<void> {
  const request = decodeRequestFrame(readFileSync(CHANNEL_FD, 'utf8'));
  if (!request.ok) return send(failed('load', new Error(`bad request frame: ${request.error}`)));
  let run: SandboxEntry<unknown, unknown>;
  try {
    const module = (await import(pathToFileURL(request.value.entry).href)) as { default?: unknown };
    if (typeof module.default !== 'function')
      throw new TypeError(`${request.value.entry} has no default export function`);
    run = module.default as SandboxEntry<unknown, unknown>;
  } catch (error) {
    return send(failed('load', error));
  }
  let value: unknown;
  try {
    value = await run(request.value.input, { scratchDir: request.value.scratchDir });
  } catch (error) {
    return send(failed('run', error));
  }
  send({ ok: true, value: value === undefined ? null : value });
}

function failed(phase: EntryPhase, error: unknown): ResultFrame {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    ok: false,
    failure: {
      phase,
      name: typeof record.name === 'string' ? record.name : 'Error',
      message: typeof record.message === 'string' ? record.message : String(error),
      stack: typeof record.stack === 'string' ? record.stack : null,
      code: typeof record.code === 'string' ? record.code : null,
    },
  };
}

function send(frame: ResultFrame): void {
  let text: string;
  try {
    text = encodeResultFrame(frame);
  } catch (error) {
    text = encodeResultFrame(
      failed('return', new TypeError(`the entry returned a value that is not JSON: ${describe(error)}`)),
    );
  }
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length;) offset += writeSync(CHANNEL_FD, bytes, offset);
  closeSync(CHANNEL_FD);
  process.exit(0);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

await main();
