// Runs one stage the way the engine does, without a pipeline: the engine's own stage context
// (input reader, output writer, render context), params checked and defaulted by the engine's own
// param validation, the requests rendered once and given to `run`, outputs written to temp paths
// and moved into place on success. Inputs come from the test (as JSON values or project files),
// and the LlmSession is whatever the test brings (usually one talking to the mock LLM server).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { parseWorldClock } from '../../src/config/world-clock.js';
import type { ResolvedInput } from '../../src/engine/instance-plan.js';
import {
  createRenderContext,
  createRunContext,
  JsonFileCache,
  tempPathsBeside,
  type StageContextParts,
} from '../../src/engine/stage-context.js';
import { resolveStageParams } from '../../src/engine/stage-loader.js';
import type { LlmSession } from '../../src/llm/types.js';
import { sandboxRunner } from '../../src/sandbox/run-sandboxed.js';
import { parsePromptTemplate } from '../../src/stage-api/prompt-template.js';
import type { PromptTemplate, StageDefinition, StageRunResult } from '../../src/stage-api/stage.js';
import { PROJECT_ROOT } from './awm-samples.js';

export interface HarnessOptions<Params> {
  readonly stage: string;
  readonly scenario?: string | null;
  /**
   * Input name → parsed JSON value (written to a temp file), `{ file }` (a path under the project)
   * or `{ absent: true }` (an optional `file?:` input with no file).
   */
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

export async function runStage<Params>(
  definition: StageDefinition<Params>,
  options: HarnessOptions<Params>,
): Promise<HarnessRun> {
  const folder = mkdtempSync(join(tmpdir(), 'awm-stage-test-'));
  for (const sub of ['inputs', 'outputs']) mkdirSync(join(folder, sub));
  const params = await resolveStageParams(definition as StageDefinition<unknown>, options.params ?? {});
  if (!params.ok) throw new Error(`the test gives the stage params it refuses: ${params.error.join('; ')}`);
  const outputs = Object.fromEntries(
    Object.entries(options.outputs).map(([name, file]) => [name, join('outputs', file)]),
  );
  for (const [name, value] of Object.entries(options.previous ?? {}))
    writeFileSync(join(folder, outputs[name] ?? name), `${JSON.stringify(value, null, 2)}\n`);
  const worldClock = options.worldClock ?? '2026-03-02T09:00:00Z';
  const instant = parseWorldClock(worldClock);
  if (instant === null) throw new Error(`the test's world clock "${worldClock}" is not an ISO 8601 instant`);
  const parts: StageContextParts<Params> = {
    stage: options.stage,
    scenario: options.scenario ?? null,
    task: null,
    params: params.value as Params,
    root: folder,
    inputs: writeInputs(folder, options.inputs ?? {}),
    jsonCache: new JsonFileCache(folder),
    prompts: loadPrompts(options.prompts ?? {}),
    worldClock,
    worldClockInstant: instant,
  };
  const requests = definition.render ? definition.render(createRenderContext(parts)) : {};
  const log: string[] = [];
  const tempPaths = tempPathsBeside(folder, outputs, 'harness');
  const context = createRunContext(parts, {
    requests,
    outputs,
    tempPaths,
    llm: options.llm,
    sandbox: sandboxRunner({}),
    log: (line) => log.push(line),
    signal: new AbortController().signal,
  });
  const result = await definition.run(context);
  const written: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(options.outputs)) {
    const temp = tempPaths[name]!;
    if (!existsSync(temp)) continue;
    const path = join(folder, 'outputs', file);
    if (result.status === 'ok') renameSync(temp, path);
    const at = result.status === 'ok' ? path : temp;
    written[name] = extname(file) === '.json' ? JSON.parse(readFileSync(at, 'utf8')) : at;
  }
  return { result, written, log, folder, dispose: () => rmSync(folder, { recursive: true, force: true }) };
}

function loadPrompts(files: Readonly<Record<string, string>>): Record<string, PromptTemplate> {
  return Object.fromEntries(
    Object.entries(files).map(([name, file]) => [
      name,
      parsePromptTemplate(file, readFileSync(join(PROJECT_ROOT, file), 'utf8')),
    ]),
  );
}

/** Each input as a file under `inputs/`: a JSON value written out, a project file copied in, or none. */
function writeInputs(folder: string, inputs: Readonly<Record<string, unknown>>): ResolvedInput[] {
  return Object.entries(inputs).map(([name, value]) => {
    if ((value as { absent?: unknown } | null)?.absent === true)
      return { name, kind: 'file', path: join('inputs', `${name}.absent`), optional: true };
    const absolute = (value as { path?: unknown } | null)?.path;
    if (typeof absolute === 'string') {
      const copied = join('inputs', `${name}-${basename(absolute)}`);
      copyFileSync(absolute, join(folder, copied));
      return { name, kind: 'file', path: copied, optional: false };
    }
    const file = (value as { file?: unknown } | null)?.file;
    const path =
      typeof file === 'string' ? join('inputs', `${name}-${basename(file)}`) : join('inputs', `${name}.json`);
    if (typeof file === 'string') copyFileSync(join(PROJECT_ROOT, file), join(folder, path));
    else writeFileSync(join(folder, path), `${JSON.stringify(value, null, 2)}\n`);
    return { name, kind: 'file', path, optional: false };
  });
}
