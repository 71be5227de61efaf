// A stage instance's fingerprint: everything that decides its outputs, hashed. Two builds with the
// same fingerprint produce the same outputs (up to LLM sampling), so freshness is string equality.
// The fields are in a fixed order and the hash is over canonical JSON.
import type { Sha256 } from '../util/brand.js';
import type { ModelSettings } from '../config/types.js';
import { hashValue, shortHash } from '../util/hash.js';

/** Bump when the shape or meaning of the fingerprint changes: every instance becomes stale. */
export const FINGERPRINT_FORMAT = 1;

export interface FingerprintParts {
  /** SHA-256 of the stage's source file. */
  readonly code: Sha256;
  /** Prompt name → SHA-256 of the rendered request text (not the template file). */
  readonly prompts: Readonly<Record<string, Sha256>>;
  /** Model and sampling settings; null for stages that do not call the LLM. */
  readonly model: ModelSettings | null;
  /** The stage's params with defaults applied. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The world clock, for stages that use it. */
  readonly worldClock: string | null;
  /** Input name → SHA-256 of exactly the content read (a whole file, or one row of it). */
  readonly inputs: Readonly<Record<string, Sha256>>;
}

/** The parts as awm.lock keeps them: hashes shortened, enough to say which part changed. */
export interface LockedParts {
  readonly code: string;
  readonly prompts: Readonly<Record<string, string>>;
  readonly model: ModelSettings | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly world_clock: string | null;
  readonly inputs: Readonly<Record<string, string>>;
}

export interface Fingerprint {
  readonly hash: Sha256;
  readonly parts: FingerprintParts;
}

export function computeFingerprint(stage: string, parts: FingerprintParts): Fingerprint {
  const hash = hashValue({
    format: FINGERPRINT_FORMAT,
    stage,
    code: parts.code,
    prompts: parts.prompts,
    model: parts.model,
    params: parts.params,
    worldClock: parts.worldClock,
    inputs: parts.inputs,
  });
  return { hash, parts };
}

export function lockedParts(parts: FingerprintParts): LockedParts {
  return {
    code: shortHash(parts.code),
    prompts: mapValues(parts.prompts, shortHash),
    model: parts.model,
    params: parts.params,
    world_clock: parts.worldClock,
    inputs: mapValues(parts.inputs, shortHash),
  };
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, f: (value: T) => U): Record<string, U> {
  const result: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) result[key] = f(value);
  return result;
}
