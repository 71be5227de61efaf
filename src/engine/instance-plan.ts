// Expands stages into instances: a global stage has one, a per-scenario stage one per scenario,
// a per-task stage one per task of each scenario. Resolves each instance's inputs to the files
// (or rows) it reads and the instances that produce them. Pure: the lists are passed in.
import type { ScenarioId, StageId, TaskId } from '../util/brand.js';
import type { InputRef, PipelineConfig } from '../config/types.js';
import type { LoadedStage } from './stage-loader.js';
import type { InstanceKey, InstanceRef } from './instance.js';
import { expandPattern, instanceKey } from './instance.js';

export type ResolvedInput =
  /** `optional`: declared `file?:`, so the file may be absent. */
  | { readonly name: string; readonly kind: 'file'; readonly path: string; readonly optional: boolean }
  | {
      readonly name: string;
      readonly kind: 'output';
      readonly path: string;
      /** The row id read, or null for the whole file. */
      readonly row: string | null;
      readonly producer: InstanceKey;
      /** `tasks.tasks` — how the pipeline file names it. */
      readonly label: string;
    };

export interface PlannedInstance {
  readonly ref: InstanceRef;
  readonly key: InstanceKey;
  readonly stage: LoadedStage;
  readonly inputs: readonly ResolvedInput[];
  /** Output name → path relative to the root. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Instances that must be done first: the producers of its inputs and of its scenario/task list. */
  readonly deps: readonly InstanceKey[];
}

export function planInstance(
  config: PipelineConfig,
  stages: ReadonlyMap<StageId, LoadedStage>,
  stage: LoadedStage,
  scenario: ScenarioId | null,
  task: TaskId | null,
): PlannedInstance {
  const ref: InstanceRef = { stage: stage.config.id, scenario, task };
  const inputs = Object.entries(stage.config.inputs).map(([name, input]) => resolveInput(stages, ref, name, input));
  const deps = new Set<InstanceKey>();
  for (const input of inputs) if (input.kind === 'output') deps.add(input.producer);
  const listProducer = listProducerOf(config, stages, ref);
  if (listProducer) deps.add(listProducer);
  const outputs: Record<string, string> = {};
  for (const [name, pattern] of Object.entries(stage.config.outputs)) outputs[name] = expandPattern(pattern, ref);
  return { ref, key: instanceKey(ref), stage, inputs, outputs, deps: [...deps] };
}

function resolveInput(
  stages: ReadonlyMap<StageId, LoadedStage>,
  ref: InstanceRef,
  name: string,
  input: InputRef,
): ResolvedInput {
  if (input.kind === 'file')
    return { name, kind: 'file', path: expandPattern(input.path, ref), optional: input.optional };
  const producerStage = stages.get(input.stage);
  if (!producerStage) throw new Error(`internal error: stage ${input.stage} was not loaded`);
  const producer = producerRef(producerStage, ref);
  const pattern = producerStage.config.outputs[input.output];
  if (pattern === undefined) throw new Error(`internal error: stage ${input.stage} has no output ${input.output}`);
  const row = input.row === 'scenario' ? ref.scenario : input.row === 'task' ? ref.task : null;
  const label = `${input.stage}.${input.output}${input.row ? `[{${input.row}}]` : ''}`;
  return { name, kind: 'output', path: expandPattern(pattern, producer), row, producer: instanceKey(producer), label };
}

/** The instance of `stage` that an instance `reader` reads from (same scenario/task where it fans out). */
function producerRef(stage: LoadedStage, reader: InstanceRef): InstanceRef {
  switch (stage.config.fanout) {
    case 'global':
      return { stage: stage.config.id, scenario: null, task: null };
    case 'scenario':
      return { stage: stage.config.id, scenario: reader.scenario, task: null };
    case 'task':
      return { stage: stage.config.id, scenario: reader.scenario, task: reader.task };
  }
}

function listProducerOf(
  config: PipelineConfig,
  stages: ReadonlyMap<StageId, LoadedStage>,
  ref: InstanceRef,
): InstanceKey | null {
  const stage = stages.get(ref.stage);
  const fanout = stage?.config.fanout;
  if (fanout === 'scenario' && config.scenarios)
    return instanceKey({ stage: config.scenarios.stage, scenario: null, task: null });
  if (fanout === 'task' && config.tasks)
    return instanceKey({ stage: config.tasks.stage, scenario: ref.scenario, task: null });
  return null;
}
