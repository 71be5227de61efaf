// Where a scenario's built env is, read from the pipeline file rather than assumed: the env stage
// is the one that writes a tool module (`tools`) and its check report (`env`) from a `spec` and a
// `seed_db`; their paths are its inputs' and outputs' patterns for the scenario. An env is served
// only when all four files are there and the report says every tool passed the build's check.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostics } from '../config/diagnostic.js';
import { loadPipelineConfig } from '../config/load.js';
import type { PipelineConfig, StageConfig } from '../config/types.js';
import { scenarioId } from '../synthesis/scenario-id.js';
import type { ToolSpec } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';

export interface EnvProject {
  readonly config: PipelineConfig;
  readonly envStage: StageConfig;
  /** The scenario ids of the built scenario list; null when the list is not built yet. */
  readonly scenarios: readonly string[] | null;
}

/** A scenario's env files (absolute paths), whether or not they exist. */
export interface EnvFiles {
  readonly seedDb: string;
  readonly spec: string;
  readonly toolsModule: string;
  readonly report: string;
}

export interface BuiltEnv {
  readonly scenario: string;
  readonly files: EnvFiles;
  readonly tools: readonly ToolSpec[];
  /** The world clock the module was built and checked with (env.json), else the pipeline's. */
  readonly worldClock: string;
  /** The env stage's params: the per-call time limit and the handlers' memory, as the check used them. */
  readonly callTimeoutMs: number;
  readonly memoryMb: number;
  /** What the build's check found. */
  readonly passing: number;
  readonly total: number;
}

const ENV_STAGE_SHAPE = { inputs: ['spec', 'seed_db'], outputs: ['tools', 'env'] } as const;

export async function openEnvProject(root: string): Promise<Result<EnvProject, string>> {
  const loaded = await loadPipelineConfig(root);
  if (!loaded.ok) return err(formatDiagnostics(loaded.error, (file) => readOrNull(join(root, file))));
  const config = loaded.value;
  const envStage = [...config.stages.values()].find(
    (stage) =>
      stage.fanout === 'scenario' &&
      ENV_STAGE_SHAPE.inputs.every((name) => name in stage.inputs) &&
      ENV_STAGE_SHAPE.outputs.every((name) => name in stage.outputs),
  );
  if (envStage === undefined)
    return err(
      `${config.file} has no env stage (a per-scenario stage reading \`spec\` and \`seed_db\` and writing \`tools\` and \`env\`); add one as the demo pipeline does`,
    );
  return ok({ config, envStage, scenarios: builtScenarios(config) });
}

/**
 * The scenario the user named: as given, or normalized as the reference does ("Online Bookstore" →
 * online_bookstore); an error naming the scenarios when it is none of them.
 */
export function knownScenario(project: EnvProject, given: string): Result<string, string> {
  const { scenarios } = project;
  if (scenarios === null) return ok(scenarioId(given));
  if (scenarios.includes(given)) return ok(given);
  const normalized = scenarioId(given);
  if (scenarios.includes(normalized)) return ok(normalized);
  return err(`there is no scenario "${given}" in this project; the scenarios: ${scenarios.join(', ') || '(none yet)'}`);
}

export function envFiles(project: EnvProject, scenario: string): EnvFiles {
  const { config, envStage } = project;
  const at = (pattern: string): string => join(config.root, pattern.replaceAll('{scenario}', scenario));
  return {
    seedDb: at(inputPattern(config, envStage, 'seed_db')),
    spec: at(inputPattern(config, envStage, 'spec')),
    toolsModule: at(envStage.outputs['tools']!),
    report: at(envStage.outputs['env']!),
  };
}

/** The env of `scenario` if it is built and passed its check; else what is missing and the command that builds it. */
export function builtEnv(project: EnvProject, scenario: string): Result<BuiltEnv, string> {
  const files = envFiles(project, scenario);
  const build = `run \`awm build ${scenario}\` (it builds the env and what it needs)`;
  if (!existsSync(files.report))
    return err(`the env of ${scenario} is not built (no ${relativeTo(project, files.report)}); ${build}`);
  const report = readJson(files.report);
  for (const path of [files.seedDb, files.spec, files.toolsModule])
    if (!existsSync(path))
      return err(`the env of ${scenario} is incomplete: ${relativeTo(project, path)} is missing; ${build}`);
  const check = isRecord(report) && isRecord(report['check']) ? report['check'] : {};
  const passing = check['tools_passing'];
  const total = check['tools_total'];
  if (typeof passing !== 'number' || typeof total !== 'number')
    return err(
      `${relativeTo(project, files.report)} has no check report (check.tools_passing, check.tools_total); ${build}`,
    );
  if (passing < total)
    return err(
      `the env of ${scenario} failed its check when it was built: ${passing} of ${total} tools pass (${relativeTo(project, files.report)}); fix the failing tools and run \`awm build ${scenario}:env\``,
    );
  const spec = readJson(files.spec);
  const tools = isRecord(spec) && Array.isArray(spec['tools']) ? (spec['tools'] as ToolSpec[]) : null;
  if (tools === null) return err(`${relativeTo(project, files.spec)} has no "tools" list; ${build}`);
  const worldClock = isRecord(report) && typeof report['world_clock'] === 'string' ? report['world_clock'] : null;
  const params = project.envStage.params;
  return ok({
    scenario,
    files,
    tools,
    worldClock: worldClock ?? project.config.worldClock,
    callTimeoutMs: positiveInteger(params['call_time_limit_ms']) ?? 2_000,
    memoryMb: positiveInteger(params['memory_mb']) ?? 256,
    passing,
    total,
  });
}

export function relativeTo(project: EnvProject, path: string): string {
  const root = project.config.root;
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** The path pattern of a stage input: a file, or the upstream output it names. */
function inputPattern(config: PipelineConfig, stage: StageConfig, name: string): string {
  const input = stage.inputs[name]!;
  if (input.kind === 'file') return input.path;
  const upstream = config.stages.get(input.stage)?.outputs[input.output];
  if (upstream === undefined) throw new Error(`internal error: input ${name} of ${stage.id} names no output`);
  return upstream;
}

function builtScenarios(config: PipelineConfig): string[] | null {
  return scenarioRows(config)?.map((row) => row.id) ?? null;
}

/** The rows of the built scenario list (each an object with a string `id`), or null when it is not built. */
export function scenarioRows(config: PipelineConfig): (Record<string, unknown> & { readonly id: string })[] | null {
  if (config.scenarios === null) return null;
  const pattern = config.stages.get(config.scenarios.stage)?.outputs[config.scenarios.output];
  const list = pattern === undefined ? undefined : readJson(join(config.root, pattern));
  if (!Array.isArray(list)) return null;
  return list.filter(
    (row): row is Record<string, unknown> & { id: string } => isRecord(row) && typeof row['id'] === 'string',
  );
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function readJson(path: string): unknown {
  const text = readOrNull(path);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
