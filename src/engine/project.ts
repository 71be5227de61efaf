// Opens a project folder: the pipeline file, its stage modules and prompt templates, the lock and
// the local state. Every config problem comes back at once, formatted `file:line:col`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostics, sortDiagnostics, type Diagnostic } from '../config/diagnostic.js';
import { PIPELINE_FILE, readPipeline } from '../config/load.js';
import { stageOrder, upstreamStages } from '../config/stage-graph.js';
import type { PipelineConfig } from '../config/types.js';
import { parsePromptTemplate } from '../stage-api/prompt-template.js';
import type { ScenarioId, StageId } from '../util/brand.js';
import type { CleanProject } from './clean-stamp.js';
import type { InstanceRef } from './instance.js';
import { sha256 } from '../util/hash.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import type { FingerprintEnvironment, LoadedPrompt } from './compute-fingerprint.js';
import type { FanoutContext } from './fanout.js';
import { LocalState } from './local-state.js';
import { ProjectState, readValidationMemo } from './project-state.js';
import { JsonFileCache } from './stage-context.js';
import { loadStages, nodeStageImporter, type LoadedStage } from './stage-loader.js';
import { NotUtf8Error, readUtf8 } from '../util/utf8.js';

export interface Project {
  readonly config: PipelineConfig;
  readonly stages: ReadonlyMap<StageId, LoadedStage>;
  /** Stage ids in dependency order. */
  readonly order: readonly StageId[];
  readonly state: ProjectState;
  prompts(stage: LoadedStage): Readonly<Record<string, LoadedPrompt>>;
  upstreamOf(stage: StageId): ReadonlySet<StageId>;
  fanout(wanted: FanoutContext['wanted']): FanoutContext;
  /** What fingerprinting needs, given the model settings each LLM stage will send. */
  fingerprintEnvironment(modelFor: FingerprintEnvironment['modelFor']): FingerprintEnvironment;
  /** The output of `stage` that is the scenario list or a task list, if any. */
  listOutputOf(stage: StageId): string | null;
  /** The files a judgement reads besides inputs and outputs: pipeline, stage code, prompts. */
  sourceFiles(): string[];
  /** The graph for a no-op proof, given the instances a run planned (all of them fresh). */
  cleanProject(instances: readonly InstanceRef[], scenarios: readonly ScenarioId[] | null): CleanProject;
}

export async function openProject(root: string): Promise<Result<Project, string>> {
  const local = new LocalState(root);
  const validated = readValidationMemo(local);
  const reading = await readPipeline(root, PIPELINE_FILE, undefined, validated);
  if (!reading.config) {
    // The stages that can still be loaded have their params checked too: every problem in one go.
    const stages =
      reading.checkable && reading.checkable.stages.size > 0
        ? await loadStages(reading.checkable, nodeStageImporter, null)
        : null;
    return err(
      formatProblems(sortDiagnostics([...reading.diagnostics, ...(stages && !stages.ok ? stages.error : [])]), root),
    );
  }
  const config = reading.config;
  const loaded = await loadStages(config, nodeStageImporter, validated);
  if (!loaded.ok) return err(formatProblems(loaded.error, root));
  const stages = new Map(loaded.value.map((stage) => [stage.config.id, stage]));
  const prompts = loadPrompts(root, loaded.value);
  if (!prompts.ok) return prompts;
  const state = ProjectState.open(local, validated);
  if (!state.ok) return state;
  state.value.saveCaches();
  const order = stageOrder(config);
  const upstreamCache = new Map<StageId, ReadonlySet<StageId>>();
  const project: Project = {
    config,
    stages,
    order,
    state: state.value,
    prompts: (stage) => prompts.value.get(stage.config.id) ?? {},
    upstreamOf(stage) {
      let set = upstreamCache.get(stage);
      if (!set) {
        set = upstreamStages(config, stage);
        upstreamCache.set(stage, set);
      }
      return set;
    },
    fanout: (wanted) => ({ config, stages, order, wanted }),
    fingerprintEnvironment: (modelFor) => ({
      root,
      hasher: state.value.hasher,
      memo: state.value.memo,
      jsonCache: new JsonFileCache(root),
      worldClock: config.worldClock,
      worldClockInstant: config.worldClockInstant,
      prompts: (stage) => prompts.value.get(stage.config.id) ?? {},
      modelFor,
    }),
    listOutputOf: (stage) =>
      config.scenarios?.stage === stage
        ? config.scenarios.output
        : config.tasks?.stage === stage
          ? config.tasks.output
          : null,
    sourceFiles: () => [
      config.file,
      ...[...stages.values()].flatMap((stage) => [
        stage.config.code,
        stage.module,
        ...Object.values(stage.config.prompts),
      ]),
    ],
    cleanProject: (instances, scenarios) => ({
      stages: order.map((id) => ({
        id,
        fanout: stages.get(id)?.config.fanout ?? 'global',
        upstream: project.upstreamOf(id),
      })),
      instances,
      scenarios,
      demoResponses: config.llm.demoResponses,
    }),
  };
  return ok(project);
}

function loadPrompts(
  root: string,
  stages: readonly LoadedStage[],
): Result<Map<StageId, Record<string, LoadedPrompt>>, string> {
  const byStage = new Map<StageId, Record<string, LoadedPrompt>>();
  const cache = new Map<string, LoadedPrompt>();
  for (const stage of stages) {
    const prompts: Record<string, LoadedPrompt> = {};
    for (const [name, file] of Object.entries(stage.config.prompts)) {
      let prompt = cache.get(file);
      if (!prompt) {
        let text: string;
        try {
          text = readUtf8(file, readFileSync(join(root, file)));
        } catch (error) {
          if (error instanceof NotUtf8Error) {
            const { line, col } = error.place;
            return err(`${file}:${line}:${col}: prompt "${name}" is not UTF-8 text; save it as UTF-8`);
          }
          return err(
            `${file}: prompt "${name}" of stage "${stage.config.id}" cannot be read; create it or fix the path in ${PIPELINE_FILE}`,
          );
        }
        prompt = { template: parsePromptTemplate(file, text), fileHash: sha256(text) };
        cache.set(file, prompt);
      }
      prompts[name] = prompt;
    }
    byStage.set(stage.config.id, prompts);
  }
  return ok(byStage);
}

function formatProblems(diagnostics: readonly Diagnostic[], root: string): string {
  const texts = new Map<string, string | null>();
  const source = (file: string): string | null => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(join(root, file), 'utf8'));
      } catch {
        texts.set(file, null);
      }
    }
    return texts.get(file) ?? null;
  };
  const count = diagnostics.length;
  return `${formatDiagnostics(diagnostics, source)}\n\n${count} problem${count === 1 ? '' : 's'} in the pipeline; nothing was built.`;
}
