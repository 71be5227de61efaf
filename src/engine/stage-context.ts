// What a stage instance sees: its inputs read from disk, its prompts, its params and the world
// clock (RenderContext); to run, also its requests as rendered, temp paths for its outputs, an LLM
// session and its log (RunContext). Built here for the engine and for tests that run one stage, so
// both give a stage the same context.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LlmSession, StructuredRequest, StructuredResult } from '../llm/types.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import type { PromptTemplate, RenderContext, RunContext, StageInputs, StageOutputs } from '../stage-api/stage.js';
import { prettyJson } from '../util/canonical-json.js';
import { statOrNull } from '../util/stat-or-null.js';
import type { ResolvedInput } from './instance-plan.js';

/** Parsed JSON by path, shared by every instance of one build (many stages read one file). */
export class JsonFileCache {
  private readonly parsed = new Map<string, unknown>();
  constructor(
    private readonly root: string,
    private readonly limit = 512,
  ) {}

  read(path: string): unknown {
    if (this.parsed.has(path)) return this.parsed.get(path);
    const value: unknown = JSON.parse(readFileSync(join(this.root, path), 'utf8'));
    if (this.parsed.size >= this.limit) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(path, value);
    return value;
  }

  /** Drop a path after it was rewritten. */
  forget(path: string): void {
    this.parsed.delete(path);
  }
}

/** Everything a render context is made of. */
export interface StageContextParts<Params> {
  readonly stage: string;
  readonly scenario: string | null;
  readonly task: string | null;
  readonly params: Params;
  /** The project root: input paths are relative to it. */
  readonly root: string;
  readonly inputs: readonly ResolvedInput[];
  readonly jsonCache: JsonFileCache;
  readonly prompts: Readonly<Record<string, PromptTemplate>>;
  readonly worldClock: string;
  readonly worldClockInstant: Date;
}

export function createRenderContext<Params>(parts: StageContextParts<Params>): RenderContext<Params> {
  return {
    stage: parts.stage,
    scenario: parts.scenario,
    task: parts.task,
    params: parts.params,
    inputs: createInputReader(parts.root, parts.inputs, parts.jsonCache),
    prompts: parts.prompts,
    worldClock: parts.worldClock,
    worldClockInstant: parts.worldClockInstant,
  };
}

export interface RunParts {
  readonly requests: Readonly<Record<string, string>>;
  /** Output name → path relative to the root (where the outputs go once the stage succeeded). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Output name → absolute path it is written to until then (see tempPathsBeside). */
  readonly tempPaths: Readonly<Record<string, string>>;
  readonly llm: LlmSession;
  readonly sandbox: SandboxRunner;
  log(line: string): void;
  readonly signal: AbortSignal;
}

export function createRunContext<Params>(parts: StageContextParts<Params>, run: RunParts): RunContext<Params> {
  return {
    ...createRenderContext(parts),
    requests: run.requests,
    outputs: createOutputWriter(parts.root, run.outputs, run.tempPaths),
    llm: run.llm,
    sandbox: run.sandbox,
    log: run.log,
    signal: run.signal,
  };
}

export function createInputReader(root: string, inputs: readonly ResolvedInput[], cache: JsonFileCache): StageInputs {
  const byName = new Map(inputs.map((input) => [input.name, input]));
  const find = (name: string): ResolvedInput => {
    const input = byName.get(name);
    if (!input)
      throw new Error(
        `stage asked for input "${name}", which it does not declare in awm.pipeline.yaml (declared: ${[...byName.keys()].join(', ') || 'none'})`,
      );
    return input;
  };
  const isAbsent = (input: ResolvedInput): boolean =>
    input.kind === 'file' && input.optional && statOrNull(join(root, input.path))?.isFile() !== true;
  /** The input, unless it is an optional one whose file is absent: reading that is a bug in the stage. */
  const present = (name: string): ResolvedInput => {
    const input = find(name);
    if (isAbsent(input))
      throw new Error(
        `stage asked for optional input "${name}", but its file ${input.path} is absent; check inputs.has("${name}") first`,
      );
    return input;
  };
  return {
    has(name: string): boolean {
      return !isAbsent(find(name));
    },
    declares(name: string): boolean {
      return byName.has(name);
    },
    json<T>(name: string): T {
      const input = present(name);
      const value = cache.read(input.path);
      if (input.kind === 'output' && input.row !== null) return selectRow(value, input.row, input.path) as T;
      return value as T;
    },
    text(name: string): string {
      return readFileSync(join(root, present(name).path), 'utf8');
    },
    path(name: string): string {
      return join(root, present(name).path);
    },
  };
}

function selectRow(value: unknown, id: string, path: string): unknown {
  const row = Array.isArray(value) ? value.find((item) => (item as { id?: unknown } | null)?.id === id) : undefined;
  if (row === undefined) throw new Error(`${path} has no row with id "${id}"`);
  return row;
}

/** The prefix of every temp output's file name: a build sweeps what a killed one left. */
export const TEMP_PREFIX = '.awm-tmp-';

/**
 * Where each output is written before it is moved into place: beside its target, in the same
 * folder (so on the same file system: the rename never crosses devices), named so it is hidden and
 * recognisable, its extension kept (`.db` matters).
 */
export function tempPathsBeside(
  root: string,
  outputs: Readonly<Record<string, string>>,
  runId: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, path]) => [
      name,
      join(root, dirname(path), `${TEMP_PREFIX}${runId}-${basename(path)}`),
    ]),
  );
}

export function createOutputWriter(
  root: string,
  outputs: Readonly<Record<string, string>>,
  tempPaths: Readonly<Record<string, string>>,
): StageOutputs {
  const check = (name: string): void => {
    if (!(name in outputs))
      throw new Error(
        `stage wrote output "${name}", which it does not declare in awm.pipeline.yaml (declared: ${Object.keys(outputs).join(', ')})`,
      );
  };
  return {
    async writeJson(name, value) {
      check(name);
      writeFileSync(tempPaths[name]!, prettyJson(value));
    },
    async writeText(name, text) {
      check(name);
      writeFileSync(tempPaths[name]!, text);
    },
    pathFor(name) {
      check(name);
      return tempPaths[name]!;
    },
    previousJson<T>(name: string): T | null {
      check(name);
      const path = join(root, outputs[name] ?? '');
      if (!existsSync(path)) return null;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch {
        return null;
      }
    },
  };
}

/** Every structured request's result, as the instance log records it. */
export type RequestRecorder = (item: string | null, result: StructuredResult<unknown>) => void;

/** The session the stage gets, reporting each structured request's attempts to the instance log. */
export function recordingSession(inner: LlmSession, record: RequestRecorder): LlmSession {
  return {
    providerName: inner.providerName,
    model: inner.model,
    embeddingModel: inner.embeddingModel,
    usage: () => inner.usage(),
    embed: (texts, item) => inner.embed(texts, item),
    async structured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const result = await inner.structured(request);
      record(request.item ?? null, result as StructuredResult<unknown>);
      return result;
    },
  };
}

/** The session of a stage that does not declare `usesLlm`: any use is a bug in the stage. */
export function refusingSession(stage: string): LlmSession {
  const refuse = (): never => {
    throw new Error(`stage "${stage}" called the LLM but does not declare usesLlm: true`);
  };
  return {
    providerName: 'none',
    model: 'none',
    embeddingModel: 'none',
    usage: () => ({ promptTokens: 0, completionTokens: 0 }),
    embed: refuse,
    structured: refuse,
  };
}
