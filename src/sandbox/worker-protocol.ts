// The long-lived worker's wire: the frames of sandbox-protocol.ts, one per line on fd 3, both ways,
// for as long as the child lives. JSON.stringify never writes a raw newline, so a newline ends a
// frame. Parent → child: a request frame whose input is the init value, then one call frame per
// call; child → parent: one result frame for each (for the init frame, `null` once init is done).
// The parent ending its side of the channel asks the child to close and exit.
// Imported by the child, so it may import only src/util/ and the protocol.
import { err, ok, type Result } from '../util/result.js';
import { encodeRequestFrame, FRAME_VERSION, parseFrameObject, type RequestFrame } from './sandbox-protocol.js';

const NEWLINE = 0x0a;

export function encodeInitLine(frame: RequestFrame): string {
  return `${encodeRequestFrame(frame)}\n`;
}

/** Throws when `request` cannot be written as JSON (a BigInt, a cycle): that is the caller's bug. */
export function encodeCallLine(request: unknown): string {
  return `${JSON.stringify({ awmSandbox: FRAME_VERSION, call: request === undefined ? null : request })}\n`;
}

export function decodeCallFrame(text: string): Result<unknown, string> {
  const parsed = parseFrameObject(text);
  if (!parsed.ok) return parsed;
  return 'call' in parsed.value ? ok(parsed.value.call) : err('the call frame lacks "call"');
}

/**
 * Cuts a byte stream into lines, handing each to `onLine` as text. A line longer than `maxBytes` is
 * refused as it grows, before it is held whole: `onOversized` is called once and the splitter
 * stops. So is it after `stop()`, for a child that has been given up on.
 */
export class LineSplitter {
  readonly #maxBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onOversized: () => void;
  #pieces: Buffer[] = [];
  #pendingBytes = 0;
  #stopped = false;

  constructor(maxBytes: number, onLine: (line: string) => void, onOversized: () => void) {
    this.#maxBytes = maxBytes;
    this.#onLine = onLine;
    this.#onOversized = onOversized;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.#stopped) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#pendingBytes + end - start > this.#maxBytes) return this.#oversized();
      if (newline === -1) {
        if (end > start) this.#pieces.push(chunk.subarray(start));
        this.#pendingBytes += end - start;
        return;
      }
      const line = chunk.subarray(start, end);
      // The common case, one whole frame in one chunk, decodes without copying.
      const text =
        this.#pieces.length === 0 ? line.toString('utf8') : Buffer.concat([...this.#pieces, line]).toString('utf8');
      this.#pieces = [];
      this.#pendingBytes = 0;
      start = newline + 1;
      this.#onLine(text);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#pieces = [];
  }

  #oversized(): void {
    this.stop();
    this.#onOversized();
  }
}
