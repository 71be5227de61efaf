// A stage instance: one stage, for one scenario (or none, for a global stage), for one task (or
// none). Its key is how users and awm.lock name it: `scenarios`, `online_bookstore:tasks`,
// `online_bookstore:verifier[task_03]`.
import { asInstanceKey, type InstanceKey, type ScenarioId, type StageId, type TaskId } from '../util/brand.js';

export type { InstanceKey } from '../util/brand.js';

export interface InstanceRef {
  readonly stage: StageId;
  readonly scenario: ScenarioId | null;
  readonly task: TaskId | null;
}

export function instanceKey(ref: InstanceRef): InstanceKey {
  const base = ref.scenario === null ? ref.stage : `${ref.scenario}:${ref.stage}`;
  return asInstanceKey(ref.task === null ? base : `${base}[${ref.task}]`);
}

/** Fills `{scenario}` and `{task}` in an output or input path pattern. */
export function expandPattern(pattern: string, ref: Pick<InstanceRef, 'scenario' | 'task'>): string {
  return pattern.replaceAll('{scenario}', ref.scenario ?? '').replaceAll('{task}', ref.task ?? '');
}
