// Instances appear as the lists they fan out over become known: global stages at once,
// per-scenario stages when the scenario list is ready, per-task stages when a scenario's task
// list is ready. Reads the list files; everything else is instance-plan.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioId, StageId } from '../util/brand.js';
import type { InstanceKey } from './instance.js';
import { instanceKey } from './instance.js';
import type { PlannedInstance } from './instance-plan.js';
import { listPath, parseIdList, planInstance } from './instance-plan.js';
import { asScenarioId, asTaskId } from '../util/brand.js';
import type { Fanout, LoadedStage, PipelineConfig } from '../config/types.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';

export interface FanoutContext {
  readonly config: PipelineConfig;
  readonly stages: ReadonlyMap<StageId, LoadedStage>;
  /** Stages in dependency order. */
  readonly order: readonly StageId[];
  wanted(stage: StageId, fanout: Fanout, scenario: string | null): boolean;
}

export function globalInstances(context: FanoutContext): PlannedInstance[] {
  return stagesWith(context, 'global').filter((stage) => context.wanted(stage.config.id, 'global', null))
    .map((stage) => planInstance(context.config, context.stages, stage, null, null));
}

/** The list producers: the scenario list's instance, and each scenario's task-list instance. */
export function isScenarioListProducer(context: FanoutContext, key: InstanceKey): boolean {
  const source = context.config.scenarios;
  return source !== null && key === instanceKey({ stage: source.stage, scenario: null, task: null });
}

export function isTaskListProducer(context: FanoutContext, instance: PlannedInstance): boolean {
  const source = context.config.tasks;
  return source !== null && instance.ref.stage === source.stage && instance.ref.task === null && instance.ref.scenario !== null;
}

/** Reads the scenario list and plans every wanted per-scenario instance. */
export function scenarioInstances(context: FanoutContext): Result<{ scenarios: ScenarioId[]; instances: PlannedInstance[] }, string> {
  const path = listPath(context.config, 'scenarios', null);
  if (path === null) return ok({ scenarios: [], instances: [] });
  const ids = readList(context.config.root, path, asScenarioId);
  if (!ids.ok) return ids;
  const instances: PlannedInstance[] = [];
  for (const stage of stagesWith(context, 'scenario')) {
    for (const scenario of ids.value) {
      if (context.wanted(stage.config.id, 'scenario', scenario)) instances.push(planInstance(context.config, context.stages, stage, scenario, null));
    }
  }
  return ok({ scenarios: ids.value, instances });
}

/** Reads one scenario's task list and plans its wanted per-task instances. */
export function taskInstances(context: FanoutContext, scenario: ScenarioId): Result<PlannedInstance[], string> {
  const perTask = stagesWith(context, 'task').filter((stage) => context.wanted(stage.config.id, 'task', scenario));
  if (perTask.length === 0) return ok([]);
  const path = listPath(context.config, 'tasks', scenario);
  if (path === null) return ok([]);
  const ids = readList(context.config.root, path, asTaskId);
  if (!ids.ok) return ids;
  return ok(perTask.flatMap((stage) => ids.value.map((task) => planInstance(context.config, context.stages, stage, scenario, task))));
}

function readList<T extends string>(root: string, path: string, brand: (id: string) => T): Result<T[], string> {
  let text: string;
  try {
    text = readFileSync(join(root, path), 'utf8');
  } catch {
    return err(`${path} does not exist`);
  }
  return parseIdList(text, path, brand);
}

function stagesWith(context: FanoutContext, fanout: Fanout): LoadedStage[] {
  return context.order.map((id) => context.stages.get(id)).filter((stage): stage is LoadedStage => stage !== undefined && stage.config.fanout === fanout);
}
