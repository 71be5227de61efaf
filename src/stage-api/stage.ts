// The stage plugin contract. A stage is one file in stages/: the params it accepts, the requests
// it renders (part of its fingerprint), and the work it does. The engine owns everything else:
// fingerprints, temp-then-rename outputs, the lock, logs, progress. Most LLM stages are one request
// → check → write and declare just that with llmStage (llm-stage.ts).
import type { LlmSession, StageLlmDefaults } from '../llm/types.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';

/** A prompt template loaded from prompts/. */
export interface PromptTemplate {
  /** Path relative to the project root, for messages. */
  readonly file: string;
  /** Replaces `{{name}}` placeholders; `{{! … }}` comments are dropped. Unknown names are an error. */
  render(values: Readonly<Record<string, string>>): string;
}

/** The inputs a stage instance declared, as read from disk (JSON parsed; others as text or path). */
export interface StageInputs {
  /**
   * Whether the input can be read: false only for an optional input (`file?:`) whose file is
   * absent. The other methods throw for such an input, so a stage reading one checks this first.
   */
  has(name: string): boolean;
  /**
   * Whether the pipeline file gives the stage this input at all: for an input a stage can do
   * without whose declaration older pipeline files lack (the scenarios stage's `imported`).
   */
  declares(name: string): boolean;
  /** Parsed JSON of a `.json` input (or the selected row of it). */
  json<T = unknown>(name: string): T;
  /** Raw text of any input file. */
  text(name: string): string;
  /** Absolute path of a file input (for SQLite databases and the like). */
  path(name: string): string;
}

export interface RenderContext<Params = Record<string, unknown>> {
  readonly stage: string;
  /** null for a global stage. */
  readonly scenario: string | null;
  /** null unless the stage runs per task. */
  readonly task: string | null;
  readonly params: Params;
  readonly inputs: StageInputs;
  readonly prompts: Readonly<Record<string, PromptTemplate>>;
  /** The pipeline's fixed "now" as written (ISO 8601), never the wall clock. */
  readonly worldClock: string;
  /** The same instant, parsed once by the engine. */
  readonly worldClockInstant: Date;
}

export interface StageOutputs {
  /** Writes pretty JSON (2-space indent, trailing newline). */
  writeJson(name: string, value: unknown): Promise<void>;
  writeText(name: string, text: string): Promise<void>;
  /** A temp path to write the named output to by other means (e.g. a SQLite file). */
  pathFor(name: string): string;
  /** The output's current contents from an earlier build (for incremental stages), or null. */
  previousJson<T = unknown>(name: string): T | null;
}

export interface RunContext<Params = Record<string, unknown>> extends RenderContext<Params> {
  /**
   * What `render` returned for this instance, rendered once by the engine: the texts whose hashes
   * are in the fingerprint. A stage sends these, so its fingerprint is what it sends.
   */
  readonly requests: Readonly<Record<string, string>>;
  readonly outputs: StageOutputs;
  /** Present for stages with `usesLlm: true`. */
  readonly llm: LlmSession;
  /**
   * Runs untrusted work (LLM-written SQL, later code) in a child process with limits and no
   * credentials (src/sandbox/README.md); it answers the build's Ctrl-C and reports to its output.
   */
  readonly sandbox: SandboxRunner;
  /** A line for the instance's log (artifacts/…/logs/); never printed directly. */
  log(line: string): void;
  readonly signal: AbortSignal;
}

/** How a stage says it failed. */
export type StageFailureKind =
  /** The LLM could not be reached or refused, after retries. */
  | 'llm'
  /** The answer never satisfied the stage's JSON Schema. */
  | 'validation'
  /** The answer kept failing the stage's local check. */
  | 'check'
  /** Anything else expected. */
  | 'error';

export type StageRunResult =
  | {
      readonly status: 'ok';
      readonly warnings?: readonly string[];
      /**
       * One line on what the stage's check found (e.g. `38/38 tools pass`), shown after the built
       * line and by `awm status`; kept in awm.lock, so it must follow from the outputs alone.
       */
      readonly summary?: string;
    }
  | {
      readonly status: 'failed';
      readonly kind: StageFailureKind;
      readonly message: string;
      /** Written to the instance log for inspection; never put in place of real outputs. */
      readonly bestAttempt?: unknown;
    };

export interface StageDefinition<Params = Record<string, unknown>> {
  /** One line for `awm dag` and the docs. */
  readonly description: string;
  /** Whether the stage calls the LLM (then the model and sampling params join its fingerprint). */
  readonly usesLlm: boolean;
  /** Whether the world clock joins its fingerprint. */
  readonly usesWorldClock?: boolean;
  /**
   * The stage's own defaults for its LLM requests, e.g. `{ maxTokens: 64000, timeoutS: 1200,
   * maxTokensCap: 128000 }` for a stage with long answers; anything set in awm.pipeline.yaml wins.
   */
  readonly llm?: StageLlmDefaults;
  /** JSON Schema of `params:` in awm.pipeline.yaml, with defaults. */
  readonly params?: object;
  /** The request texts the stage will send, as far as its inputs fix them: prompt name → text. Pure. */
  render?(context: RenderContext<Params>): Readonly<Record<string, string>>;
  run(context: RunContext<Params>): Promise<StageRunResult>;
}

/** Typed helper for stage files: `export default defineStage({...})`. */
export function defineStage<Params = Record<string, unknown>>(
  definition: StageDefinition<Params>,
): StageDefinition<Params> {
  return definition;
}
