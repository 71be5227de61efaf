// Runs one stage the way the engine would, without the engine: inputs from temp files, outputs
// into a temp folder, the stage's real prompt templates, params with the stage's defaults applied,
// and whatever LlmSession the test brings (usually one talking to the mock LLM server).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parsePromptTemplate } from '../../src/stage-api/prompt-template.js';
import type { LlmSession } from '../../src/llm/types.js';
import type { PromptTemplate, RunContext, StageDefinition, StageInputs, StageOutputs, StageRunResult } from '../../src/stage-api/stage.js';
import { PROJECT_ROOT } from './awm-samples.js';

export interface HarnessOptions<Params> {
  readonly stage: string;
  readonly scenario?: string | null;
  /** Input name → parsed JSON value (written to a temp file) or `{ file }` (a path under the project). */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Output name → file name in the output folder (its extension matters, like the pipeline's paths). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Prompt name → template path relative to the project root. */
  readonly prompts?: Readonly<Record<string, string>>;
  readonly params?: Partial<Params>;
  /** Output name → what an earlier build left (for incremental stages). */
  readonly previous?: Readonly<Record<string, unknown>>;
  readonly llm: LlmSession;
  readonly worldClock?: string;
}

export interface HarnessRun {
  readonly result: StageRunResult;
  /** Output name → parsed JSON (for `.json` outputs) or the path (others), for outputs written. */
  readonly written: Readonly<Record<string, unknown>>;
  readonly log: readonly string[];
  /** The folder the outputs went to; removed by `dispose`. */
  readonly folder: string;
  dispose(): void;
}

export async function runStage<Params>(definition: StageDefinition<Params>, options: HarnessOptions<Params>): Promise<HarnessRun> {
  const folder = mkdtempSync(join(tmpdir(), 'awm-stage-test-'));
  mkdirSync(join(folder, 'inputs'));
  mkdirSync(join(folder, 'outputs'));
  const log: string[] = [];
  const context: RunContext<Params> = {
    stage: options.stage,
    scenario: options.scenario ?? null,
    task: null,
    params: withDefaults(definition, options.params ?? {}),
    inputs: inputReader(folder, options.inputs ?? {}),
    prompts: loadPrompts(options.prompts ?? {}),
    worldClock: options.worldClock ?? '2026-03-02T09:00:00Z',
    outputs: outputWriter(folder, options.outputs, options.previous ?? {}),
    llm: options.llm,
    log: (line) => log.push(line),
    signal: new AbortController().signal,
  };
  const result = await definition.run(context);
  const written: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(options.outputs)) {
    const path = join(folder, 'outputs', file);
    if (existsSync(path)) written[name] = extname(file) === '.json' ? JSON.parse(readFileSync(path, 'utf8')) : path;
  }
  return { result, written, log, folder, dispose: () => rmSync(folder, { recursive: true, force: true }) };
}

/** The params the engine would pass: the stage's declared defaults, then the test's values. */
export function withDefaults<Params>(definition: StageDefinition<Params>, given: Partial<Params>): Params {
  const properties = (definition.params as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties ?? {};
  const defaults = Object.fromEntries(Object.entries(properties).flatMap(([name, schema]) => ('default' in schema ? [[name, schema.default]] : [])));
  return { ...defaults, ...given } as Params;
}

function loadPrompts(files: Readonly<Record<string, string>>): Record<string, PromptTemplate> {
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, parsePromptTemplate(file, readFileSync(join(PROJECT_ROOT, file), 'utf8'))]));
}

function inputReader(folder: string, inputs: Readonly<Record<string, unknown>>): StageInputs {
  const paths = new Map<string, string>();
  for (const [name, value] of Object.entries(inputs)) {
    const file = (value as { file?: unknown } | null)?.file;
    if (typeof file === 'string') paths.set(name, join(PROJECT_ROOT, file));
    else {
      const path = join(folder, 'inputs', `${name}.json`);
      writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
      paths.set(name, path);
    }
  }
  const find = (name: string): string => {
    const path = paths.get(name);
    if (path === undefined) throw new Error(`the stage asked for input "${name}", which the test did not give`);
    return path;
  };
  return {
    json: <T>(name: string) => JSON.parse(readFileSync(find(name), 'utf8')) as T,
    text: (name) => readFileSync(find(name), 'utf8'),
    path: find,
  };
}

function outputWriter(folder: string, outputs: Readonly<Record<string, string>>, previous: Readonly<Record<string, unknown>>): StageOutputs {
  const pathOf = (name: string): string => {
    const file = outputs[name];
    if (file === undefined) throw new Error(`the stage wrote output "${name}", which the test did not declare`);
    return join(folder, 'outputs', file);
  };
  return {
    writeJson: async (name, value) => writeFileSync(pathOf(name), `${JSON.stringify(value, null, 2)}\n`),
    writeText: async (name, text) => writeFileSync(pathOf(name), text),
    pathFor: pathOf,
    previousJson: <T>(name: string) => (name in previous ? (previous[name] as T) : null),
  };
}
