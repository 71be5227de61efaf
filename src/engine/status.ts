// `awm status` / `awm check`: judges every instance without building anything (and without the
// LLM), expanding per-scenario stages over the scenario list as it is on disk now.
import type { FanoutContext } from './fanout.js';
import { globalInstances, isScenarioListProducer, isTaskListProducer, scenarioInstances, taskInstances } from './fanout.js';
import type { FingerprintEnvironment } from './compute-fingerprint.js';
import { fingerprintInstance } from './compute-fingerprint.js';
import type { FreshnessState } from './freshness.js';
import { judgeInstance } from './freshness.js';
import type { InstanceKey } from './instance.js';
import type { PlannedInstance } from './instance-plan.js';
import type { ProjectState } from './project-state.js';

export interface InstanceStatus {
  readonly instance: InstanceKey;
  readonly stage: string;
  readonly scenario: string | null;
  readonly task: string | null;
  readonly state: FreshnessState;
  readonly reasons: readonly string[];
}

export interface StatusReport {
  readonly instances: readonly InstanceStatus[];
  /** Things that could not be judged (e.g. no scenario list yet). */
  readonly notes: readonly string[];
}

export async function evaluateStatus(fanout: FanoutContext, env: FingerprintEnvironment, state: ProjectState): Promise<StatusReport> {
  const results = new Map<InstanceKey, InstanceStatus>();
  const notes: string[] = [];
  const queue: PlannedInstance[] = globalInstances(fanout);
  const seen = new Set<InstanceKey>(queue.map((instance) => instance.key));
  // Instances come in dependency order: globals, then per scenario, then per task.
  for (let index = 0; index < queue.length; index += 1) {
    const instance = queue[index] as PlannedInstance;
    results.set(instance.key, await judge(instance, env, state, results));
    for (const next of expansions(fanout, instance, notes)) {
      if (!seen.has(next.key)) {
        seen.add(next.key);
        queue.push(next);
      }
    }
  }
  const order = new Map(fanout.order.map((stage, index) => [stage as string, index]));
  const instances = [...results.values()].sort((a, b) => compareInstances(a, b, order));
  return { instances, notes };
}

function expansions(fanout: FanoutContext, instance: PlannedInstance, notes: string[]): PlannedInstance[] {
  if (isScenarioListProducer(fanout, instance.key)) {
    const result = scenarioInstances(fanout);
    if (result.ok) return result.value.instances;
    notes.push(`per-scenario stages cannot be listed yet: ${result.error}`);
  } else if (isTaskListProducer(fanout, instance) && instance.ref.scenario !== null) {
    const result = taskInstances(fanout, instance.ref.scenario);
    if (result.ok) return result.value;
    notes.push(`per-task stages of ${instance.ref.scenario} cannot be listed yet: ${result.error}`);
  }
  return [];
}

async function judge(instance: PlannedInstance, env: FingerprintEnvironment, state: ProjectState, done: ReadonlyMap<InstanceKey, InstanceStatus>): Promise<InstanceStatus> {
  const base = { instance: instance.key, stage: instance.ref.stage, scenario: instance.ref.scenario, task: instance.ref.task };
  const entry = state.entries.get(instance.key);
  const upstream = instance.deps.map((dep) => done.get(dep)).filter((status): status is InstanceStatus => status !== undefined && status.state !== 'fresh');
  const waits = upstream.map((status) => `waits for ${status.instance} (${status.state})`);
  const fingerprint = await fingerprintInstance(env, instance);
  if (!fingerprint.ok) {
    if (!entry) return { ...base, state: 'missing', reasons: ['never built (no entry in awm.lock)', ...waits] };
    return { ...base, state: 'blocked', reasons: [...waits, ...fingerprint.error] };
  }
  const hashes = await state.hasher.hashAll(instance.outputs);
  const own = judgeInstance(instance, fingerprint.value, entry, hashes);
  if (own.state !== 'fresh') return { ...base, ...own };
  if (waits.length > 0) return { ...base, state: 'blocked', reasons: waits };
  return { ...base, state: 'fresh', reasons: [] };
}

function compareInstances(a: InstanceStatus, b: InstanceStatus, order: ReadonlyMap<string, number>): number {
  return (a.scenario ?? '').localeCompare(b.scenario ?? '') || (order.get(a.stage) ?? 0) - (order.get(b.stage) ?? 0) || (a.task ?? '').localeCompare(b.task ?? '');
}
