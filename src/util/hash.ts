import { createHash } from 'node:crypto';
import { asSha256, type Sha256 } from './brand.js';
import { canonicalJson } from './canonical-json.js';

export function sha256(data: string | Uint8Array): Sha256 {
  return asSha256(createHash('sha256').update(data).digest('hex'));
}

/** Hash of a value's canonical JSON: key order never matters. */
export function hashValue(value: unknown): Sha256 {
  return sha256(canonicalJson(value));
}

/** The short form kept in awm.lock to explain which part of a fingerprint changed. */
export function shortHash(hash: Sha256): string {
  return hash.slice(0, 16);
}
