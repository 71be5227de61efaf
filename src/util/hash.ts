// SHA-256 in hex, of bytes or of a value's canonical JSON. Which kind of digest a caller makes is
// its own business: it brands the result (util/brand.ts) where the kind is decided.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a value's canonical JSON: key order never matters. */
export function hashValue(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** The short form kept in awm.lock to explain which part of a fingerprint changed. */
export function shortHash(hash: string): string {
  return hash.slice(0, 16);
}
