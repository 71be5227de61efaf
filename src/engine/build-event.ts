// What the engine tells the world while it builds. Core code never prints; loggers consume these.
import type { InstanceKey } from './instance.js';
import type { Outcome } from './events.js';

export interface StageTokens {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly requests: number;
  readonly cachedRequests: number;
}

export interface BuildSummary {
  readonly counts: Readonly<Record<Outcome['kind'], number>>;
  readonly wallMs: number;
  readonly tokensByStage: Readonly<Record<string, StageTokens>>;
  /** Set when the counts are estimates (the offline demo provider counts characters / 4). */
  readonly tokensEstimated: boolean;
  /** Instances whose lock entry would change (only in --frozen builds). */
  readonly frozenViolations: readonly string[];
  readonly lockWritten: boolean;
}

export type BuildEvent =
  | { readonly kind: 'notice'; readonly message: string }
  /** Instances of a stage became known (fan-out over a list); for progress "left" counts. */
  | { readonly kind: 'discovered'; readonly stage: string; readonly count: number }
  | { readonly kind: 'started'; readonly instance: InstanceKey; readonly stage: string; readonly reasons: readonly string[] }
  | { readonly kind: 'finished'; readonly instance: InstanceKey; readonly stage: string; readonly outcome: Outcome }
  | { readonly kind: 'summary'; readonly summary: BuildSummary };

export type BuildListener = (event: BuildEvent) => void;
