// The validated shape of awm.pipeline.yaml, produced by load.ts (parse + validate) and consumed by
// everything downstream. Plain data: the stage modules themselves are the engine's (LoadedStage).
import type { StageId } from '../util/brand.js';
import type { SourcePosition } from './diagnostic.js';

/** How a stage runs: once, once per scenario, or once per task of each scenario. */
export type Fanout = 'global' | 'scenario' | 'task';

export type InputRef =
  /**
   * A source file in the project (watched in watch mode). May contain `{scenario}`. An optional one
   * (`file?:`) may be absent: the stage builds without it, and its appearing makes the stage stale.
   */
  | { readonly kind: 'file'; readonly path: string; readonly optional: boolean }
  /**
   * An upstream stage's output. `row` selects one element (by its `id`) of a JSON array output:
   * the instance's scenario or task. Only that row's content joins the fingerprint.
   */
  | {
      readonly kind: 'output';
      readonly stage: StageId;
      readonly output: string;
      readonly row: 'scenario' | 'task' | null;
    };

/** OpenAI's `reasoning_effort`: how much a reasoning model may think before it answers. */
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

/**
 * The settings that decide a stage's answers, as its fingerprint holds them. `reasoningEffort` is
 * left out when unset, so stages that never set it kept their fingerprints.
 */
export interface ModelSettings {
  readonly model: string | null;
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  readonly reasoningEffort?: ReasoningEffort;
}

/**
 * The `llm:` keys that apply per stage, as written in a stage's `llm:` block (a key left out was
 * not written). The pipeline's `llm:` may set each of them for every stage (LlmSettings).
 */
export interface StageLlmConfig {
  readonly model?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** The most a cut-off answer's retry may raise max_tokens to (not fingerprinted). */
  readonly maxTokensCap?: number;
  /** Per-try timeout in ms (not fingerprinted). */
  readonly timeoutMs?: number;
  readonly reasoningEffort?: ReasoningEffort;
  /** The model's context window in tokens, for the overflow warning (not fingerprinted). */
  readonly contextTokens?: number;
}

export interface LlmSettings {
  // The per-stage keys, null where the pipeline's `llm:` does not write them: a stage's own `llm:`
  // overrides them, and they override the stage module's defaults.
  readonly model: string | null;
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  readonly maxTokensCap: number | null;
  /** Per-try timeout in ms; null: each stage's (module) default (not fingerprinted). */
  readonly timeoutMs: number | null;
  readonly reasoningEffort: ReasoningEffort | null;
  readonly contextTokens: number | null;
  /** Requests in flight at once (not fingerprinted). */
  readonly concurrency: number;
  /** Transport retries for 429/5xx/timeouts (not fingerprinted). */
  readonly retries: number;
  /** Largest chat answer (HTTP body) read, in bytes; a larger one is refused as it arrives (not fingerprinted). */
  readonly maxAnswerBytes: number;
  /** Chat requests one stage instance may make, cache hits included (not fingerprinted). */
  readonly maxRequestsPerInstance: number;
  /** Folder of recorded example responses for the offline demo provider. */
  readonly demoResponses: string;
  /** Folder of the response cache. */
  readonly cacheDir: string;
}

export interface StageConfig {
  readonly id: StageId;
  readonly fanout: Fanout;
  /** Path of the stage module relative to the root, e.g. `stages/tasks.ts`. */
  readonly code: string;
  /** Prompt name → template path. */
  readonly prompts: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, InputRef>>;
  /** Output name → path pattern with `{scenario}` / `{task}` placeholders as the fan-out requires. */
  readonly outputs: Readonly<Record<string, string>>;
  /** As written in the YAML; defaults are applied by the stage loader. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The stage's own `llm:` settings, over the pipeline's and the stage module's defaults. */
  readonly llm: StageLlmConfig;
}

/** Where the scenario (or task) list comes from: a JSON array of objects with a string `id`. */
export interface ListSource {
  readonly stage: StageId;
  readonly output: string;
}

export interface PipelineConfig {
  /** Absolute path of the project folder (where awm.pipeline.yaml is). */
  readonly root: string;
  /** The pipeline file's name relative to root. */
  readonly file: string;
  /** The world clock as written (ISO 8601): what fingerprints and outputs record. */
  readonly worldClock: string;
  /** The same instant, parsed once at load. */
  readonly worldClockInstant: Date;
  readonly artifactsDir: string;
  readonly llm: LlmSettings;
  readonly scenarios: ListSource | null;
  readonly tasks: ListSource | null;
  /** In file order. */
  readonly stages: ReadonlyMap<StageId, StageConfig>;
  /**
   * Position of a YAML path (e.g. ['stages', 'tasks', 'params', 'count']) for diagnostics: by
   * default a scalar's value, or a mapping's or list's key; `key`/`value` pick one. A path not
   * written in the file gives its nearest written ancestor's key.
   */
  positionOf(path: readonly (string | number)[], part?: 'key' | 'value' | 'auto'): SourcePosition | null;
  /** The pipeline file's text, for underlining diagnostics. */
  readonly sourceText: string;
}
