// The no-op fast path of `build`, `status` and `check`: when the last run proved the project clean
// (engine/clean-stamp.ts) and nothing it read has changed, they answer from the proof: no YAML
// parsed, no stage module loaded, no lock read, no fingerprint computed. Its answers are the ones
// the full path would give; anything the proof cannot vouch for takes the full path.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MUTEX_FILE } from '../engine/build-mutex.js';
import { provenClean, type CleanProject } from '../engine/clean-stamp.js';
import { countOutcomes, type BuildEvent, type Outcome } from '../engine/events.js';
import { instanceKey } from '../engine/instance.js';
import { compareInstances, type InstanceStatus, type StatusReport } from '../engine/status.js';
import { parseTargets, type TargetSelection } from '../engine/targets.js';
import { resolveLlmEnvironment } from '../llm/environment.js';
import { modelRuleKey } from '../llm/model-choice.js';
import type { CliIo } from './io.js';

/** The proven-clean project, or null when the full path must judge. */
export function cleanProject(root: string, io: Pick<CliIo, 'env'>): CleanProject | null {
  return provenClean(root, modelRuleKey(io.env));
}

/** Targets against the proven graph, or the exit code after printing what is wrong with them. */
export function cleanTargets(
  clean: CleanProject,
  targets: readonly string[],
  io: Pick<CliIo, 'stderr'>,
): TargetSelection | number {
  const upstream = new Map(clean.stages.map((stage) => [stage.id, stage.upstream]));
  const selection = parseTargets(
    targets,
    clean.stages.map((stage) => stage.id),
    (stage) => upstream.get(stage) ?? new Set(),
  );
  if (selection.ok) return selection.value;
  for (const problem of selection.error) io.stderr.write(`awm: ${problem}\n`);
  return 2;
}

/** A no-op build of a proven-clean project: every wanted instance fresh. Null when a build must run. */
export function cleanBuild(
  root: string,
  targets: readonly string[],
  io: CliIo,
  emit: (event: BuildEvent) => void,
): number | null {
  // Another build may be changing files right now: the full path reports (or waits for) it.
  if (existsSync(join(root, MUTEX_FILE))) return null;
  const clean = cleanProject(root, io);
  if (!clean) return null;
  const started = Date.now();
  const selection = cleanTargets(clean, targets, io);
  if (typeof selection === 'number') return selection;
  const environment = resolveLlmEnvironment(io.env);
  const offline = environment.ok && environment.value.chat.kind === 'demo';
  if (offline) emit({ kind: 'notice', notice: { code: 'offline-provider', folder: clean.demoResponses } });
  const fanout = new Map(clean.stages.map((stage) => [stage.id, stage.fanout]));
  const wanted = clean.instances.filter((ref) =>
    selection.wanted(ref.stage, fanout.get(ref.stage) ?? 'global', ref.scenario),
  );
  const perStage = new Map<string, number>();
  for (const ref of wanted) perStage.set(ref.stage, (perStage.get(ref.stage) ?? 0) + 1);
  for (const [stage, count] of perStage) emit({ kind: 'discovered', stage, count });
  const fresh: Outcome = { kind: 'fresh' };
  for (const ref of wanted) emit({ kind: 'finished', instance: instanceKey(ref), stage: ref.stage, outcome: fresh });
  if (clean.scenarios) {
    for (const target of selection.unmatchedScenarios(clean.scenarios))
      emit({ kind: 'notice', notice: { code: 'target-matches-no-scenario', target, scenarios: clean.scenarios } });
  }
  const counted = countOutcomes(wanted.map(() => fresh));
  emit({
    kind: 'summary',
    summary: {
      counts: counted.byKind,
      failed: 0,
      wallMs: Date.now() - started,
      usageByStage: new Map(),
      tokensEstimated: offline,
      frozenViolations: [],
      lockWritten: false,
      // A no-op says what it did (nothing); `awm status` shows the checks.
      checks: { instances: [], summaries: new Map() },
    },
  });
  return 0;
}

/** Status of a proven-clean project: every wanted instance fresh, in the order status reports. */
export function cleanStatus(clean: CleanProject, selection: TargetSelection): StatusReport {
  const fanout = new Map(clean.stages.map((stage) => [stage.id as string, stage.fanout]));
  const order = new Map(clean.stages.map((stage, index) => [stage.id as string, index]));
  const instances: InstanceStatus[] = clean.instances
    .filter((ref) => selection.wanted(ref.stage, fanout.get(ref.stage) ?? 'global', ref.scenario))
    .map((ref) => ({
      instance: instanceKey(ref),
      stage: ref.stage,
      scenario: ref.scenario,
      task: ref.task,
      state: 'fresh',
      reasons: [],
    }));
  instances.sort((a, b) => compareInstances(a, b, order));
  return { instances, notes: [], complete: selection.all, scenarios: clean.scenarios };
}
