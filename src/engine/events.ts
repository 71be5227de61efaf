// The one catalogue of what the engine tells the world: why an instance is not fresh (Reason), what
// happened to it in a build (Outcome), things the user should know (Notice) and the build's events.
// Everything here is data; logging/describe.ts puts it into words, and JSON consumers (status
// --json, CI, agents) get codes and fields. Every switch over these unions ends in unreachable(),
// and the kind tables are checked against the unions, so adding a member fails to compile until
// every consumer handles it.
import type { InstanceRef } from './instance.js';
import type { LlmNotice, StageUsage } from '../llm/types.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import type { StageFailureKind } from '../stage-api/stage.js';
import type { InstanceKey } from '../util/brand.js';

/** Where an instance stands against awm.lock. */
export type FreshnessState = 'fresh' | 'stale' | 'missing' | 'modified' | 'blocked';

/** In the order status reports count them. */
export const FRESHNESS_STATES = {
  fresh: true,
  stale: true,
  missing: true,
  modified: true,
  blocked: true,
} as const satisfies Record<FreshnessState, true>;

/** A value that changed between the lock and now; `before`/`after` absent when the key is new/removed. */
export interface SettingChange {
  readonly key: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** What an input names: a project file, or (a row of) an upstream output. */
export type InputSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'output'; readonly label: string; readonly path: string; readonly row: string | null };

/** Why an instance's inputs cannot be read now. */
export type InputProblem =
  | { readonly code: 'input-file-missing'; readonly input: string; readonly path: string }
  | { readonly code: 'input-not-built'; readonly input: string; readonly label: string; readonly path: string }
  | {
      readonly code: 'input-row-missing';
      readonly input: string;
      readonly label: string;
      readonly path: string;
      readonly row: string;
    }
  | { readonly code: 'render-failed'; readonly stage: string; readonly error: string };

/** Why an instance is not fresh, or why it (re)builds. */
export type Reason =
  | { readonly code: 'never-built' }
  | { readonly code: 'fingerprint-format-changed' }
  | { readonly code: 'output-missing'; readonly output: string; readonly path: string }
  | { readonly code: 'output-modified'; readonly output: string; readonly path: string }
  /** A database output SQLite finds damaged (truncated, not a database, a failed integrity check). */
  | { readonly code: 'output-unreadable'; readonly output: string; readonly path: string; readonly problem: string }
  | { readonly code: 'code-changed'; readonly stage: string; readonly file: string }
  | { readonly code: 'prompt-new'; readonly prompt: string; readonly file: string }
  | { readonly code: 'prompt-unused'; readonly prompt: string }
  | { readonly code: 'prompt-changed'; readonly prompt: string; readonly file: string }
  | { readonly code: 'model-changed'; readonly changes: readonly SettingChange[] }
  | { readonly code: 'params-changed'; readonly changes: readonly SettingChange[] }
  | { readonly code: 'world-clock-changed'; readonly before: string | null; readonly after: string | null }
  | { readonly code: 'input-new'; readonly input: string; readonly source: InputSource | null }
  | { readonly code: 'input-removed'; readonly input: string }
  | { readonly code: 'input-changed'; readonly input: string; readonly source: InputSource | null }
  /** An optional input's file (`file?:`) exists now and did not when it was built, or the reverse. */
  | { readonly code: 'input-file-appeared'; readonly input: string; readonly path: string }
  | { readonly code: 'input-file-disappeared'; readonly input: string; readonly path: string }
  | { readonly code: 'forced' }
  /** status: fresh against what is on disk, but something it reads is not fresh yet. */
  | { readonly code: 'waits-for'; readonly instance: InstanceKey; readonly state: FreshnessState }
  /** dry run: its inputs are not there yet, but the instances that write them would build. */
  | { readonly code: 'runs-after'; readonly instances: readonly InstanceKey[] }
  /** dry run: fresh now, but instances it reads would build and may change what it reads. */
  | { readonly code: 'may-rebuild'; readonly instances: readonly InstanceKey[] }
  | InputProblem;

export type ReasonCode = Reason['code'];

export type Outcome =
  /** Up to date: its fingerprint and outputs match awm.lock. */
  | { readonly kind: 'fresh' }
  /** Ran and its outputs are in place. */
  | {
      readonly kind: 'built';
      readonly reasons: readonly Reason[];
      readonly durationMs: number;
      readonly warnings: readonly string[];
      readonly llmRequests: number;
      readonly cachedRequests: number;
      /** What the stage's check found, in one line (StageRunResult's `summary`). */
      readonly summary: string | null;
    }
  /** Would run (dry run). */
  | { readonly kind: 'would-build'; readonly reasons: readonly Reason[] }
  /**
   * The stage failed: llm — the LLM could not be reached or refused (after retries); validation — the
   * answer never satisfied the stage's JSON Schema; check — the answer kept failing the stage's local
   * check; error — any other expected failure (an exception in stage code, an output not written).
   * `log` is the instance log with every attempt, when one was written.
   */
  | { readonly kind: `failed-${StageFailureKind}`; readonly message: string; readonly log: string | null }
  /** Its inputs could not be read (missing, not built, no such row) or its prompts not rendered. */
  | { readonly kind: 'failed-inputs'; readonly problems: readonly InputProblem[] }
  /** A bug in awm itself. */
  | { readonly kind: 'internal-error'; readonly message: string }
  /** Not run because something it needs failed. */
  | { readonly kind: 'skipped'; readonly because: InstanceKey }
  /** Not run because the build was interrupted. */
  | { readonly kind: 'cancelled' };

export type OutcomeKind = Outcome['kind'];

/** Each outcome kind's class: usable outputs, a failure, planned only (dry run), or not run. */
export const OUTCOME_KINDS = {
  fresh: 'usable',
  built: 'usable',
  'would-build': 'planned',
  'failed-llm': 'failure',
  'failed-validation': 'failure',
  'failed-check': 'failure',
  'failed-error': 'failure',
  'failed-inputs': 'failure',
  'internal-error': 'failure',
  skipped: 'not-run',
  cancelled: 'not-run',
} as const satisfies Record<OutcomeKind, 'usable' | 'failure' | 'planned' | 'not-run'>;

export function isFailure(outcome: Outcome): boolean {
  return OUTCOME_KINDS[outcome.kind] === 'failure';
}

/** Done well enough that dependants may use its outputs. */
export function isUsable(outcome: Outcome): boolean {
  return OUTCOME_KINDS[outcome.kind] === 'usable';
}

/** How many outcomes of each kind, and how many failed in all. */
export function countOutcomes(outcomes: Iterable<Outcome>): {
  readonly byKind: Record<OutcomeKind, number>;
  readonly failed: number;
} {
  const byKind = Object.fromEntries(Object.keys(OUTCOME_KINDS).map((kind) => [kind, 0])) as Record<OutcomeKind, number>;
  let failed = 0;
  for (const outcome of outcomes) {
    byKind[outcome.kind] += 1;
    if (isFailure(outcome)) failed += 1;
  }
  return { byKind, failed };
}

/** Things the user should know that are not about one instance. */
export type Notice =
  | { readonly code: 'build-lock-taken-over'; readonly pid: number }
  | { readonly code: 'target-matches-no-scenario'; readonly target: string; readonly scenarios: readonly string[] }
  | { readonly code: 'cannot-fan-out'; readonly problem: string }
  /** A piece of local state under .awm could not be used; it was dropped and is rebuilt. */
  | { readonly code: 'local-state-dropped'; readonly path: string; readonly problem: string }
  /** LLM-written code runs without Linux namespaces here: what still holds and what does not. */
  | { readonly code: 'sandbox-without-namespaces'; readonly notice: SandboxNotice }
  | LlmNotice;

/** How an instance's awm.lock line would change; a --frozen build fails on any. */
export type FrozenViolation =
  | { readonly instance: string; readonly change: 'added' | 'removed' | 'fingerprint' }
  | { readonly instance: string; readonly change: 'outputs'; readonly outputs: readonly string[] };

export interface BuildSummary {
  readonly counts: Readonly<Record<OutcomeKind, number>>;
  /** Instances that failed, of every failure kind. */
  readonly failed: number;
  readonly wallMs: number;
  /** Token use per stage, stages in the order they first asked. */
  readonly usageByStage: ReadonlyMap<string, StageUsage>;
  /** Offline: the figures are token counts of the recorded answers, not what a provider billed. */
  readonly tokensEstimated: boolean;
  /** Instances whose lock entry would change (only in --frozen builds), sorted by instance. */
  readonly frozenViolations: readonly FrozenViolation[];
  readonly lockWritten: boolean;
  /** The instances this run covered, and what their stages' checks said (from awm.lock, after the run). */
  readonly checks: {
    readonly instances: readonly InstanceRef[];
    readonly summaries: ReadonlyMap<string, string>;
  };
}

export type BuildEvent =
  | { readonly kind: 'notice'; readonly notice: Notice }
  /** Instances of a stage became known (fan-out over a list); for progress "left" counts. */
  | { readonly kind: 'discovered'; readonly stage: string; readonly count: number }
  | {
      readonly kind: 'started';
      readonly instance: InstanceKey;
      readonly stage: string;
      readonly reasons: readonly Reason[];
    }
  | { readonly kind: 'finished'; readonly instance: InstanceKey; readonly stage: string; readonly outcome: Outcome }
  | { readonly kind: 'summary'; readonly summary: BuildSummary };
