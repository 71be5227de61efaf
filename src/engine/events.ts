// The one catalogue of what can happen to a stage instance in a build. Every logger switches over
// it and ends with unreachable(), so adding an outcome fails to compile until each handles it.
import type { InstanceKey } from './instance.js';

export type Outcome =
  /** Up to date: its fingerprint and outputs match awm.lock. */
  | { readonly kind: 'fresh' }
  /** Ran and its outputs are in place. */
  | { readonly kind: 'built'; readonly reasons: readonly string[]; readonly durationMs: number; readonly warnings: readonly string[]; readonly llmRequests: number; readonly cachedRequests: number }
  /** Would run (dry run). */
  | { readonly kind: 'would-build'; readonly reasons: readonly string[] }
  /** The LLM could not be reached or refused (after retries). */
  | { readonly kind: 'failed-llm'; readonly message: string; readonly log: string }
  /** The answer never satisfied the stage's JSON Schema. */
  | { readonly kind: 'failed-validation'; readonly message: string; readonly log: string }
  /** The answer kept failing the stage's local check (DDL, inserts, spec, …). */
  | { readonly kind: 'failed-check'; readonly message: string; readonly log: string }
  /** Any other expected failure: a missing input, an exception in stage code. */
  | { readonly kind: 'failed-error'; readonly message: string; readonly log: string | null }
  /** A bug in awm itself. */
  | { readonly kind: 'internal-error'; readonly message: string }
  /** Not run because something it needs failed. */
  | { readonly kind: 'skipped'; readonly because: InstanceKey }
  /** Not run because the build was interrupted. */
  | { readonly kind: 'cancelled' };

export type OutcomeKind = Outcome['kind'];

export function isFailure(outcome: Outcome): boolean {
  return outcome.kind.startsWith('failed-') || outcome.kind === 'internal-error';
}

/** Done well enough that dependants may use its outputs. */
export function isUsable(outcome: Outcome): boolean {
  return outcome.kind === 'fresh' || outcome.kind === 'built';
}
