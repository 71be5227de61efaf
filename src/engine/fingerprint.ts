// A stage instance's fingerprint: everything that decides its outputs, hashed. Two builds with the
// same fingerprint produce the same outputs (up to LLM sampling), so freshness is string equality.
// The fields are in a fixed order and the hash is over canonical JSON.
import type { ModelSettings } from '../config/types.js';
import {
  asFileHash,
  asFingerprintHash,
  type CodeHash,
  type FileHash,
  type FingerprintHash,
  type RequestHash,
} from '../util/brand.js';
import { hashValue, shortHash } from '../util/hash.js';

/** Bump when the shape or meaning of the fingerprint changes: every instance becomes stale. */
export const FINGERPRINT_FORMAT = 1;

export interface FingerprintParts {
  /** SHA-256 of the stage's source file. */
  readonly code: CodeHash;
  /** Prompt name → SHA-256 of the rendered request text (not the template file). */
  readonly prompts: Readonly<Record<string, RequestHash>>;
  /** Model and sampling settings; null for stages that do not call the LLM. */
  readonly model: ModelSettings | null;
  /** The stage's params with defaults applied. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The world clock, for stages that use it. */
  readonly world_clock: string | null;
  /**
   * Input name → SHA-256 of exactly the content read (a whole file, or one row of it), or
   * ABSENT_INPUT for an optional file input with no file.
   */
  readonly inputs: Readonly<Record<string, FileHash>>;
}

/**
 * What an absent optional input (`file?:`) contributes instead of a content hash: never a SHA-256,
 * so its file appearing (or going) changes the fingerprint. awm.lock shows it as it is.
 */
export const ABSENT_INPUT = asFileHash('absent');

/** The parts as awm.lock keeps them: hashes shortened to 16 digits, enough to say which part changed. */
export type LockedParts = Omit<FingerprintParts, 'code' | 'prompts' | 'inputs'> & {
  readonly code: string;
  readonly prompts: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, string>>;
};

export interface Fingerprint {
  readonly hash: FingerprintHash;
  readonly parts: FingerprintParts;
}

export function computeFingerprint(stage: string, parts: FingerprintParts): Fingerprint {
  // The hashed object is the key format itself: its field names and their order are part of FINGERPRINT_FORMAT.
  const hash = hashValue({
    format: FINGERPRINT_FORMAT,
    stage,
    code: parts.code,
    prompts: parts.prompts,
    model: parts.model,
    params: parts.params,
    worldClock: parts.world_clock,
    inputs: parts.inputs,
  });
  return { hash: asFingerprintHash(hash), parts };
}

export function lockedParts(parts: FingerprintParts): LockedParts {
  return {
    code: shortHash(parts.code),
    prompts: mapValues(parts.prompts, shortHash),
    model: parts.model,
    params: parts.params,
    world_clock: parts.world_clock,
    inputs: mapValues(parts.inputs, shortHash),
  };
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, f: (value: T) => U): Record<string, U> {
  const result: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) result[key] = f(value);
  return result;
}
