// Opens a project folder: the pipeline file, its stage modules and prompt templates, the lock and
// the local state. Every config problem comes back at once, formatted `file:line:col`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageId } from '../util/brand.js';
import { loadPipelineConfig, nodeProjectReader, sortDiagnostics, stagesStillCheckable } from '../config/load.js';
import type { Diagnostic } from '../config/diagnostic.js';
import { formatDiagnostic } from '../config/diagnostic.js';
import type { FanoutContext } from './fanout.js';
import type { FingerprintEnvironment, LoadedPrompt } from './compute-fingerprint.js';
import { JsonFileCache } from './stage-context.js';
import { sha256 } from '../util/hash.js';
import type { LoadedStage, PipelineConfig } from '../config/types.js';
import { atomicWrite, ProjectState, STATE_DIR } from './project-state.js';
import { parsePromptTemplate } from '../stage-api/prompt-template.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import { stageOrder, upstreamStages } from '../config/stage-graph.js';
import { loadStages, nodeStageImporter } from './stage-loader.js';
import { ValidationMemo } from '../config/validation-memo.js';

export const PIPELINE_FILE = 'awm.pipeline.yaml';

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
}

export async function openProject(root: string): Promise<Result<Project, string>> {
  const validated = ValidationMemo.load(root, STATE_DIR);
  const config = await loadPipelineConfig(root, PIPELINE_FILE, nodeProjectReader, validated);
  if (!config.ok) return err(formatAll(await withStageProblems(root, config.error), root));
  const loaded = await loadStages(config.value, nodeStageImporter, validated);
  if (!loaded.ok) return err(formatAll(loaded.error, root));
  const snapshot = validated.takeSnapshot();
  if (snapshot) atomicWrite(join(root, STATE_DIR, 'validated.json'), JSON.stringify(snapshot));
  const stages = new Map(loaded.value.map((stage) => [stage.config.id, stage]));
  const prompts = loadPrompts(root, loaded.value);
  if (!prompts.ok) return prompts;
  const state = ProjectState.open(root, async (path) => (await import('../sqlite/canonical-dump.js')).hashDatabaseFile(path) as never);
  if (!state.ok) return state;
  const order = stageOrder(config.value);
  const upstreamCache = new Map<StageId, ReadonlySet<StageId>>();
  const project: Project = {
    config: config.value,
    stages,
    order,
    state: state.value,
    prompts: (stage) => prompts.value.get(stage.config.id) ?? {},
    upstreamOf(stage) {
      let set = upstreamCache.get(stage);
      if (!set) {
        set = upstreamStages(config.value, stage);
        upstreamCache.set(stage, set);
      }
      return set;
    },
    fanout: (wanted) => ({ config: config.value, stages, order, wanted }),
    fingerprintEnvironment: (modelFor) => ({
      root,
      hasher: state.value.hasher,
      memo: state.value.memo,
      jsonCache: new JsonFileCache(root),
      worldClock: config.value.worldClock,
      prompts: (stage) => prompts.value.get(stage.config.id) ?? {},
      modelFor,
    }),
  };
  return ok(project);
}

/** Adds the param and stage-code problems of the stages that can still be loaded. */
async function withStageProblems(root: string, diagnostics: readonly Diagnostic[]): Promise<Diagnostic[]> {
  const partial = await stagesStillCheckable(root, PIPELINE_FILE);
  if (!partial || partial.stages.size === 0) return [...diagnostics];
  const stages = await loadStages(partial, nodeStageImporter, null);
  return sortDiagnostics([...diagnostics, ...(stages.ok ? [] : stages.error)]);
}

function loadPrompts(root: string, stages: readonly LoadedStage[]): Result<Map<StageId, Record<string, LoadedPrompt>>, string> {
  const byStage = new Map<StageId, Record<string, LoadedPrompt>>();
  const cache = new Map<string, LoadedPrompt>();
  for (const stage of stages) {
    const prompts: Record<string, LoadedPrompt> = {};
    for (const [name, file] of Object.entries(stage.config.prompts)) {
      let prompt = cache.get(file);
      if (!prompt) {
        let text: string;
        try {
          text = readFileSync(join(root, file), 'utf8');
        } catch {
          return err(`${file}: prompt "${name}" of stage "${stage.config.id}" cannot be read; create it or fix the path in ${PIPELINE_FILE}`);
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

function formatAll(diagnostics: readonly Diagnostic[], root: string): string {
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
  const body = diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, source(diagnostic.file))).join('\n\n');
  return `${body}\n\n${count} problem${count === 1 ? '' : 's'} in the pipeline; nothing was built.`;
}

