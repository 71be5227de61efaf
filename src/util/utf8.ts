// Strict UTF-8 decoding: a file that is not UTF-8 is refused at the first bad byte instead of
// having it silently replaced (a replaced byte could end up in a folder name or a prompt).

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type Utf8Reading =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly badByte: number };

export function decodeUtf8(bytes: Uint8Array): Utf8Reading {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    return { ok: false, badByte: firstBadByte(bytes) };
  }
}

/** Where a bad sequence starts: the longest prefix that decodes (a cut-off character allowed). */
function firstBadByte(bytes: Uint8Array): number {
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const middle = (good + bad) >>> 1;
    if (decodesAsPrefix(bytes.subarray(0, middle))) good = middle;
    else bad = middle;
  }
  // `good` bytes decode as a prefix; the sequence that fails starts at its last incomplete character.
  return good - incompleteTail(bytes.subarray(0, good));
}

function decodesAsPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** How many bytes at the end begin a character that is not finished yet (0 to 3). */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) !== 0x80) return byte >= 0xc0 && sequenceLength(byte) > back ? back : 0;
  }
  return 0;
}

function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

/** A file that should be text is not UTF-8; `badByte` is where the first bad sequence starts. */
export class NotUtf8Error extends Error {
  constructor(
    readonly path: string,
    readonly bytes: Uint8Array,
    readonly badByte: number,
  ) {
    super(`${path} is not UTF-8 text (byte ${badByte})`);
    this.name = 'NotUtf8Error';
  }

  /** 1-based line and column of the bad byte, counting characters before it. */
  get place(): { line: number; col: number } {
    const before = new TextDecoder().decode(this.bytes.subarray(0, this.badByte));
    const lines = before.split('\n');
    return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
  }
}

export function readUtf8(path: string, bytes: Uint8Array): string {
  const reading = decodeUtf8(bytes);
  if (!reading.ok) throw new NotUtf8Error(path, bytes, reading.badByte);
  return reading.text;
}
