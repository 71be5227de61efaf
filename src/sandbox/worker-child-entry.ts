// The sandboxed worker child's main (the long-lived counterpart of child-entry.ts). It reads lines
// from fd 3 (worker-protocol.ts): the first is the init frame, so it imports the entry module and
// runs its `init`; every later line is one call to `handle`, answered with one result frame. State
// lives between calls. When the parent ends the channel (or dies) it runs the entry's `close` and
// exits. Lines are handled one after another, in order.
// Start-up is on the path of every (re)start: this file imports only the protocol, src/util/ and
// node builtins; everything else is what the entry itself imports.
import { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  CHANNEL_FD,
  decodeRequestFrame,
  encodeResultFrameOrFailure,
  failureFrame,
  type ResultFrame,
} from './sandbox-protocol.js';
import type { WorkerEntry } from './worker-entry.js';
import { decodeCallFrame, LineSplitter } from './worker-protocol.js';

type AnyEntry = WorkerEntry<unknown, unknown, unknown, unknown>;

const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
let entry: AnyEntry | null = null;
let state: unknown = null;
let queue: Promise<void> = Promise.resolve();

const lines = new LineSplitter(
  Number.POSITIVE_INFINITY,
  (line) => (queue = queue.then(() => (entry === null ? start(line) : call(line)))),
  () => {},
);
channel.on('data', (chunk: Buffer) => lines.push(chunk));
channel.on('end', () => void queue.then(closeEntry).finally(() => process.exit(0)));
channel.on('error', () => process.exit(0)); // The parent is gone: nobody is left to answer.

async function start(line: string): Promise<void> {
  const request = decodeRequestFrame(line);
  if (!request.ok) return send(failureFrame('load', new Error(`bad init frame: ${request.error}`)));
  let loaded: AnyEntry;
  try {
    const module = (await import(pathToFileURL(request.value.entry).href)) as { default?: Partial<AnyEntry> };
    const candidate = module.default;
    if (typeof candidate?.init !== 'function' || typeof candidate.handle !== 'function')
      throw new TypeError(`${request.value.entry} has no default export with init and handle functions`);
    loaded = candidate as AnyEntry;
  } catch (error) {
    return send(failureFrame('load', error));
  }
  try {
    state = await loaded.init(request.value.input, { scratchDir: request.value.scratchDir });
  } catch (error) {
    return send(failureFrame('run', error));
  }
  entry = loaded;
  send({ ok: true, value: null });
}

async function call(line: string): Promise<void> {
  const request = decodeCallFrame(line);
  if (!request.ok) throw new Error(`internal error: bad call frame: ${request.error}`);
  let value: unknown;
  try {
    value = await entry?.handle(request.value, state);
  } catch (error) {
    return send(failureFrame('run', error));
  }
  send({ ok: true, value: value === undefined ? null : value });
}

function send(frame: ResultFrame): void {
  channel.write(`${encodeResultFrameOrFailure(frame)}\n`);
}

async function closeEntry(): Promise<void> {
  try {
    await entry?.close?.(state);
  } catch {
    // Closing is best effort: the process ends either way.
  }
}
