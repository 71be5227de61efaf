// Instances appear as the lists they fan out over become known: global stages at once,
// per-scenario stages when the scenario list is ready, per-task stages when a scenario's task
// list is ready. Reads and checks the list files; planning each instance is instance-plan.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fanout, PipelineConfig } from '../config/types.js';
import { asScenarioId, asTaskId, type InstanceKey, type ScenarioId, type StageId } from '../util/brand.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import type { PlannedInstance } from './instance-plan.js';
import { expandPattern, instanceKey } from './instance.js';
import { planInstance } from './instance-plan.js';
import type { LoadedStage } from './stage-loader.js';

export interface FanoutContext {
  readonly config: PipelineConfig;
  readonly stages: ReadonlyMap<StageId, LoadedStage>;
  /** Stages in dependency order. */
  readonly order: readonly StageId[];
  wanted(stage: StageId, fanout: Fanout, scenario: string | null): boolean;
}

export function globalInstances(context: FanoutContext): PlannedInstance[] {
  return stagesWith(context, 'global')
    .filter((stage) => context.wanted(stage.config.id, 'global', null))
    .map((stage) => planInstance(context.config, context.stages, stage, null, null));
}

/** A list that could not be read when the instance that writes it finished. */
export interface ListProblem {
  readonly list: 'scenarios' | 'tasks';
  /** The scenario whose task list it is; null for the scenario list. */
  readonly scenario: ScenarioId | null;
  readonly problem: string;
}

export interface Revealed {
  readonly instances: readonly PlannedInstance[];
  /** The scenario list, when the instance wrote it. */
  readonly scenarios: readonly ScenarioId[] | null;
}

const NOTHING: Revealed = { instances: [], scenarios: null };

/**
 * The instances a finished instance reveals: the per-scenario ones when it writes the scenario
 * list, a scenario's per-task ones when it writes that scenario's task list. Build and status both
 * expand the plan through here.
 */
export function instancesRevealedBy(context: FanoutContext, instance: PlannedInstance): Result<Revealed, ListProblem> {
  if (isScenarioListProducer(context, instance.key)) {
    const result = scenarioInstances(context);
    return result.ok
      ? ok({ instances: result.value.instances, scenarios: result.value.scenarios })
      : err({ list: 'scenarios', scenario: null, problem: result.error });
  }
  if (isTaskListProducer(context, instance) && instance.ref.scenario !== null) {
    const result = taskInstances(context, instance.ref.scenario);
    return result.ok
      ? ok({ instances: result.value, scenarios: null })
      : err({ list: 'tasks', scenario: instance.ref.scenario, problem: result.error });
  }
  return ok(NOTHING);
}

/** The list producers: the scenario list's instance, and each scenario's task-list instance. */
function isScenarioListProducer(context: FanoutContext, key: InstanceKey): boolean {
  const source = context.config.scenarios;
  return source !== null && key === instanceKey({ stage: source.stage, scenario: null, task: null });
}

function isTaskListProducer(context: FanoutContext, instance: PlannedInstance): boolean {
  const source = context.config.tasks;
  return (
    source !== null &&
    instance.ref.stage === source.stage &&
    instance.ref.task === null &&
    instance.ref.scenario !== null
  );
}

/** Reads the scenario list and plans every wanted per-scenario instance. */
function scenarioInstances(
  context: FanoutContext,
): Result<{ scenarios: ScenarioId[]; instances: PlannedInstance[] }, string> {
  const path = listPath(context.config, 'scenarios', null);
  if (path === null) return ok({ scenarios: [], instances: [] });
  const ids = readList(context.config.root, path, asScenarioId);
  if (!ids.ok) return ids;
  const instances: PlannedInstance[] = [];
  for (const stage of stagesWith(context, 'scenario')) {
    for (const scenario of ids.value) {
      if (context.wanted(stage.config.id, 'scenario', scenario))
        instances.push(planInstance(context.config, context.stages, stage, scenario, null));
    }
  }
  return ok({ scenarios: ids.value, instances });
}

/** Reads one scenario's task list and plans its wanted per-task instances. */
function taskInstances(context: FanoutContext, scenario: ScenarioId): Result<PlannedInstance[], string> {
  const perTask = stagesWith(context, 'task').filter((stage) => context.wanted(stage.config.id, 'task', scenario));
  if (perTask.length === 0) return ok([]);
  const path = listPath(context.config, 'tasks', scenario);
  if (path === null) return ok([]);
  const ids = readList(context.config.root, path, asTaskId);
  if (!ids.ok) return ids;
  return ok(
    perTask.flatMap((stage) =>
      ids.value.map((task) => planInstance(context.config, context.stages, stage, scenario, task)),
    ),
  );
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
  return context.order
    .map((id) => context.stages.get(id))
    .filter((stage): stage is LoadedStage => stage !== undefined && stage.config.fanout === fanout);
}

/** Path of the scenario list (global) or of one scenario's task list. */
function listPath(config: PipelineConfig, which: 'scenarios' | 'tasks', scenario: ScenarioId | null): string | null {
  const source = config[which];
  if (!source) return null;
  const pattern = config.stages.get(source.stage)?.outputs[source.output];
  return pattern === undefined ? null : expandPattern(pattern, { scenario, task: null });
}

const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

/** Ids of a list output (a JSON array of objects with a string `id`), in file order. */
export function parseIdList<T extends string>(
  text: string,
  path: string,
  brand: (id: string) => T,
): Result<T[], string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(`${path} is not valid JSON (${(error as Error).message}); it should be an array of rows with an "id"`);
  }
  if (!Array.isArray(value)) return err(`${path} should be a JSON array of rows with an "id"`);
  const ids: T[] = [];
  const seen = new Set<string>();
  for (const [index, row] of value.entries()) {
    const id = (row as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !ID_PATTERN.test(id))
      return err(
        `${path}: row ${index} has no usable "id" (1 to 128 lower-case letters, digits, _ . -, starting with a letter or digit; got ${JSON.stringify(id)})`,
      );
    if (seen.has(id)) return err(`${path}: id "${id}" appears twice`);
    seen.add(id);
    ids.push(brand(id));
  }
  return ok(ids);
}
