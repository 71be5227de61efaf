// Reads the parsed YAML into the pipeline's shape leniently: whatever is well-formed is kept, the
// rest left out (the schema has already reported it), so the semantic checks can still run over
// the good parts and every problem is reported in one go.
import { asStageId, type StageId } from '../util/brand.js';
import type { Fanout, InputRef, ListSource, LlmSettings, ReasoningEffort, StageLlmConfig } from './types.js';
import { isRecord } from '../util/is-record.js';

export interface StageDraft {
  readonly id: StageId;
  /** null when `foreach` is not a valid value: checks that depend on the fan-out skip the stage. */
  readonly fanout: Fanout | null;
  readonly code: string | null;
  readonly prompts: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, InputRef>>;
  /**
   * null when missing or not a mapping: references to its outputs are then not checked. A pattern
   * the schema rejected is '' (the output exists, its path is unusable) and path checks skip it.
   */
  readonly outputs: Readonly<Record<string, string>> | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly llm: StageLlmConfig;
}

export interface PipelineDraft {
  readonly worldClock: string | null;
  readonly artifactsDir: string;
  readonly llm: LlmSettings;
  readonly scenarios: ListSource | null;
  readonly tasks: ListSource | null;
  /** Whether `scenarios:` / `tasks:` are written at all (a malformed one is not "missing"). */
  readonly declares: { readonly scenarios: boolean; readonly tasks: boolean };
  /** In file order. */
  readonly stages: ReadonlyMap<StageId, StageDraft>;
}

/** Defaults of the pipeline-wide keys; the per-stage ones (max_tokens, timeout_s, …) are the LLM layer's. */
export const defaultLlmSettings = {
  concurrency: 64,
  retries: 5,
  // Four times the largest answer a model can write today (~128k output tokens, ~1 MB as the JSON
  // string of a completion), yet small enough that a runaway server costs no memory to speak of.
  maxAnswerKb: 4096,
  // A scenarios run of ~1,500 rows (batch 10, a third refused or repaired) fits; a runaway loop stops.
  maxRequestsPerInstance: 500,
  demoResponses: 'demo/recorded-responses',
  cacheDir: '.awm/cache/llm',
} as const;

/** Stands in for a value the schema rejected: every reader below takes it as "not usable". */
const rejected = Symbol('rejected by the schema');

/** `invalidValues`: paths of values the schema rejected, left out so no check reports them twice. */
export function readPipelineDraft(raw: unknown, invalidValues: readonly (readonly string[])[] = []): PipelineDraft {
  const top = record(withoutRejected(raw, invalidValues));
  return {
    worldClock: text(top['world_clock']),
    artifactsDir: text(top['artifacts_dir']) ?? 'artifacts',
    llm: readLlm(record(top['llm'])),
    scenarios: readListSource(top['scenarios']),
    tasks: readListSource(top['tasks']),
    declares: { scenarios: 'scenarios' in top, tasks: 'tasks' in top },
    stages: new Map(
      Object.entries(record(top['stages'])).map(([name, stage]) => [
        asStageId(name),
        readStage(asStageId(name), record(stage)),
      ]),
    ),
  };
}

function readStage(id: StageId, raw: Record<string, unknown>): StageDraft {
  const inputs = Object.entries(record(raw['inputs'])).flatMap(([name, ref]) => {
    const parsed = typeof ref === 'string' ? parseInputRef(ref) : null;
    return parsed ? [[name, parsed] as const] : [];
  });
  return {
    id,
    fanout:
      raw['foreach'] === undefined
        ? 'global'
        : raw['foreach'] === 'scenario' || raw['foreach'] === 'task'
          ? raw['foreach']
          : null,
    code: text(raw['code']),
    prompts: textValues(raw['prompts']),
    inputs: Object.fromEntries(inputs),
    outputs: isRecord(raw['outputs'])
      ? Object.fromEntries(
          Object.entries(raw['outputs']).map(([name, path]) => [name, typeof path === 'string' ? path : '']),
        )
      : null,
    params: record(raw['params']),
    llm: readStageLlm(record(raw['llm'])),
  };
}

const outputRefPattern = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:\[\{(scenario|task)\}\])?$/;

/**
 * `file:PATH`, `file?:PATH` (optional), `STAGE.OUTPUT`, `STAGE.OUTPUT[{scenario}]` or
 * `STAGE.OUTPUT[{task}]`; null if none of these.
 */
export function parseInputRef(ref: string): InputRef | null {
  const file = /^file(\??):/.exec(ref);
  if (file) {
    const path = ref.slice(file[0].length);
    return path.length > 0 ? { kind: 'file', path, optional: file[1] === '?' } : null;
  }
  const match = outputRefPattern.exec(ref);
  if (!match) return null;
  const row = match[3] === 'scenario' || match[3] === 'task' ? match[3] : null;
  return { kind: 'output', stage: asStageId(match[1]!), output: match[2]!, row };
}

/** How an input ref is written in the YAML (for messages). */
export function formatInputRef(ref: InputRef): string {
  if (ref.kind === 'file') return `file${ref.optional ? '?' : ''}:${ref.path}`;
  return `${ref.stage}.${ref.output}${ref.row ? `[{${ref.row}}]` : ''}`;
}

function readListSource(raw: unknown): ListSource | null {
  const from = text(record(raw)['from']);
  const parsed = from === null ? null : parseInputRef(from);
  return parsed?.kind === 'output' && parsed.row === null ? { stage: parsed.stage, output: parsed.output } : null;
}

function readLlm(raw: Record<string, unknown>): LlmSettings {
  const positive = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);
  const stage = readStageLlm(raw);
  return {
    model: stage.model ?? null,
    temperature: stage.temperature ?? null,
    maxTokens: stage.maxTokens ?? null,
    maxTokensCap: stage.maxTokensCap ?? null,
    timeoutMs: stage.timeoutMs ?? null,
    reasoningEffort: stage.reasoningEffort ?? null,
    contextTokens: stage.contextTokens ?? null,
    concurrency: positive(raw['concurrency'], defaultLlmSettings.concurrency),
    retries: typeof raw['retries'] === 'number' && raw['retries'] >= 0 ? raw['retries'] : defaultLlmSettings.retries,
    maxAnswerBytes: positive(raw['max_answer_kb'], defaultLlmSettings.maxAnswerKb) * 1024,
    maxRequestsPerInstance: positive(raw['max_requests_per_instance'], defaultLlmSettings.maxRequestsPerInstance),
    demoResponses: text(raw['demo_responses']) ?? defaultLlmSettings.demoResponses,
    cacheDir: text(raw['cache_dir']) ?? defaultLlmSettings.cacheDir,
  };
}

const reasoningEfforts: readonly unknown[] = ['minimal', 'low', 'medium', 'high'] satisfies ReasoningEffort[];

/** Only the per-stage keys actually written (a stage's `llm:` overrides just those). */
function readStageLlm(raw: Record<string, unknown>): StageLlmConfig {
  const positive = (key: string): number | null => {
    const value = raw[key];
    return typeof value === 'number' && value > 0 ? value : null;
  };
  const timeout = positive('timeout_s');
  const settings: [keyof StageLlmConfig, unknown][] = [
    ['model', typeof raw['model'] === 'string' ? raw['model'] : null],
    ['temperature', typeof raw['temperature'] === 'number' ? raw['temperature'] : null],
    ['maxTokens', positive('max_tokens')],
    ['maxTokensCap', positive('max_tokens_cap')],
    ['timeoutMs', timeout === null ? null : timeout * 1000],
    ['reasoningEffort', reasoningEfforts.includes(raw['reasoning_effort']) ? raw['reasoning_effort'] : null],
    ['contextTokens', positive('context_tokens')],
  ];
  // Keys not written stay absent: a stage's settings compare and print as written.
  return Object.fromEntries(settings.filter(([, value]) => value !== null)) as StageLlmConfig;
}

function withoutRejected(raw: unknown, invalidValues: readonly (readonly string[])[]): unknown {
  if (invalidValues.length === 0) return raw;
  const copy = structuredClone(raw) as unknown;
  for (const path of invalidValues) {
    if (path.length === 0) return {};
    const parent = path.slice(0, -1).reduce<unknown>((node, segment) => record(node)[segment], copy);
    if (typeof parent === 'object' && parent !== null)
      (parent as Record<string, unknown>)[path[path.length - 1]!] = rejected;
  }
  return copy;
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function textValues(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
