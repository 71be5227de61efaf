// Runs a build: discovers instances as their lists become known, runs each once everything it
// reads is done (up to --jobs at a time), skips what is fresh (early cutoff: an upstream rebuilt
// to identical bytes leaves its dependants fresh), records each built instance in the lock.
//
//   discovered ──deps done──▶ ready ──▶ fingerprint ──fresh──▶ fresh
//                                           │ stale
//                                           ▼
//                                         run ──▶ built | failed-* ──▶ dependants skipped
import type { BuildEvent, BuildSummary, StageTokens } from './build-event.js';
import type { FanoutContext } from './fanout.js';
import { globalInstances, isScenarioListProducer, isTaskListProducer, scenarioInstances, taskInstances } from './fanout.js';
import { fingerprintInstance } from './compute-fingerprint.js';
import type { Freshness } from './freshness.js';
import { judgeInstance } from './freshness.js';
import type { InstanceKey } from './instance.js';
import type { PlannedInstance } from './instance-plan.js';
import { serializeEntry } from './lock-file.js';
import type { Outcome } from './events.js';
import { isFailure, isUsable } from './events.js';
import type { ProjectState } from './project-state.js';
import type { StageRunEnvironment } from './stage-runner.js';
import { runStageInstance } from './stage-runner.js';
import type { TargetSelection } from './targets.js';

export interface BuildOptions {
  readonly targets: TargetSelection;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly frozen: boolean;
}

export interface BuildDependencies {
  readonly fanout: FanoutContext;
  readonly state: ProjectState;
  readonly env: StageRunEnvironment;
  readonly emit: (event: BuildEvent) => void;
  readonly tokensByStage: () => Readonly<Record<string, StageTokens>>;
  /** Whether token counts are estimates rather than what a provider reported. */
  readonly tokensEstimated?: boolean;
  readonly now?: () => number;
  /** How often the lock journal is folded into awm.lock during a build. */
  readonly flushEveryMs?: number;
}

export async function runBuild(deps: BuildDependencies, options: BuildOptions): Promise<BuildSummary> {
  const build = new Build(deps, options);
  return build.run();
}

class Build {
  private readonly instances = new Map<InstanceKey, PlannedInstance>();
  private readonly outcomes = new Map<InstanceKey, Outcome>();
  private readonly waitingOn = new Map<InstanceKey, number>();
  private readonly dependants = new Map<InstanceKey, InstanceKey[]>();
  private readonly ready: PlannedInstance[] = [];
  private running = 0;
  private stoppedBy: InstanceKey | null = null;
  private expansionComplete = true;
  private readonly started: number;
  private readonly now: () => number;

  constructor(private readonly deps: BuildDependencies, private readonly options: BuildOptions) {
    this.now = deps.now ?? Date.now;
    this.started = this.now();
  }

  async run(): Promise<BuildSummary> {
    this.discover(globalInstances(this.deps.fanout));
    const flushTimer = this.options.frozen || this.options.dryRun ? null : setInterval(() => this.deps.state.flushLock(), this.deps.flushEveryMs ?? 2_000);
    try {
      await new Promise<void>((resolve) => this.pump(resolve));
    } finally {
      if (flushTimer) clearInterval(flushTimer);
    }
    return this.finish();
  }

  private discover(instances: readonly PlannedInstance[]): void {
    const perStage = new Map<string, number>();
    for (const instance of instances) {
      if (this.instances.has(instance.key)) continue;
      this.instances.set(instance.key, instance);
      perStage.set(instance.ref.stage, (perStage.get(instance.ref.stage) ?? 0) + 1);
      let waiting = 0;
      for (const dep of instance.deps) {
        if (this.outcomes.has(dep)) continue;
        waiting += 1;
        const list = this.dependants.get(dep) ?? [];
        list.push(instance.key);
        this.dependants.set(dep, list);
      }
      this.waitingOn.set(instance.key, waiting);
      if (waiting === 0) this.ready.push(instance);
    }
    for (const [stage, count] of perStage) this.deps.emit({ kind: 'discovered', stage, count });
  }

  private pump(done: () => void): void {
    while (this.running < this.options.jobs && this.ready.length > 0) {
      const instance = this.ready.shift() as PlannedInstance;
      this.running += 1;
      void this.process(instance).then((outcome) => {
        this.running -= 1;
        this.complete(instance, outcome);
        this.pump(done);
      });
    }
    if (this.running === 0 && this.ready.length === 0) done();
  }

  private complete(instance: PlannedInstance, outcome: Outcome): void {
    this.outcomes.set(instance.key, outcome);
    this.deps.emit({ kind: 'finished', instance: instance.key, stage: instance.ref.stage, outcome });
    if (isFailure(outcome) && !this.options.keepGoing && this.stoppedBy === null) this.stoppedBy = instance.key;
    if (isUsable(outcome) || outcome.kind === 'would-build') this.expand(instance);
    for (const dependant of this.dependants.get(instance.key) ?? []) {
      const left = (this.waitingOn.get(dependant) ?? 1) - 1;
      this.waitingOn.set(dependant, left);
      const planned = this.instances.get(dependant);
      if (left === 0 && planned) this.ready.push(planned);
    }
  }

  /** A finished list producer reveals the instances that fan out over its list. */
  private expand(instance: PlannedInstance): void {
    const fanout = this.deps.fanout;
    if (isScenarioListProducer(fanout, instance.key)) {
      const result = scenarioInstances(fanout);
      if (result.ok) {
        this.discover(result.value.instances);
        for (const target of this.options.targets.unmatchedScenarios(result.value.scenarios)) {
          this.deps.emit({ kind: 'notice', message: `target "${target}" matches no scenario (scenarios: ${result.value.scenarios.join(', ') || 'none'})` });
        }
      } else this.listProblem(result.error);
    } else if (isTaskListProducer(fanout, instance) && instance.ref.scenario !== null) {
      const result = taskInstances(fanout, instance.ref.scenario);
      if (result.ok) this.discover(result.value);
      else this.listProblem(result.error);
    }
  }

  private listProblem(message: string): void {
    this.expansionComplete = false;
    this.deps.emit({ kind: 'notice', message: `cannot fan out: ${message}` });
  }

  private async process(instance: PlannedInstance): Promise<Outcome> {
    try {
      return await this.decide(instance);
    } catch (error) {
      return { kind: 'internal-error', message: `internal error in awm while building ${instance.key}, please report: ${(error as Error).stack ?? String(error)}` };
    }
  }

  private async decide(instance: PlannedInstance): Promise<Outcome> {
    const blocker = instance.deps.map((dep) => [dep, this.outcomes.get(dep)] as const).find(([, outcome]) => !outcome || !(isUsable(outcome) || outcome.kind === 'would-build'));
    if (blocker) return { kind: 'skipped', because: this.rootCause(blocker[0]) };
    if (this.stoppedBy !== null) return { kind: 'skipped', because: this.stoppedBy };
    if (this.deps.env.signal.aborted) return { kind: 'cancelled' };
    const upstreamWouldBuild = instance.deps.filter((dep) => this.outcomes.get(dep)?.kind === 'would-build');
    const fingerprint = await fingerprintInstance(this.deps.env, instance);
    if (!fingerprint.ok) {
      if (upstreamWouldBuild.length > 0) return { kind: 'would-build', reasons: [`runs after ${upstreamWouldBuild.join(', ')}`] };
      return { kind: 'failed-error', message: fingerprint.error.join('; '), log: null };
    }
    const judgement = await this.judge(instance, fingerprint.value);
    const forced = this.options.force && this.options.targets.targeted(instance.ref.stage, instance.stage.config.fanout, instance.ref.scenario);
    const reasons = forced && judgement.state === 'fresh' ? ['forced (--force)'] : judgement.reasons;
    if (judgement.state === 'fresh' && !forced) {
      if (this.options.dryRun && upstreamWouldBuild.length > 0) return { kind: 'would-build', reasons: [`may rebuild if ${upstreamWouldBuild.join(', ')} change${upstreamWouldBuild.length > 1 ? '' : 's'} its outputs`] };
      return { kind: 'fresh' };
    }
    if (this.options.dryRun) return { kind: 'would-build', reasons };
    this.deps.emit({ kind: 'started', instance: instance.key, stage: instance.ref.stage, reasons });
    const record = await runStageInstance(this.deps.env, instance, fingerprint.value, reasons);
    if (record.entry) this.deps.state.record(record.entry, !this.options.frozen);
    return record.outcome;
  }

  private async judge(instance: PlannedInstance, fingerprint: Parameters<typeof judgeInstance>[1]): Promise<Freshness> {
    const hashes = await this.deps.state.hasher.hashAll(instance.outputs);
    return judgeInstance(instance, fingerprint, this.deps.state.entries.get(instance.key), hashes);
  }

  private rootCause(key: InstanceKey): InstanceKey {
    const outcome = this.outcomes.get(key);
    return outcome?.kind === 'skipped' ? outcome.because : key;
  }

  private finish(): BuildSummary {
    const { state } = this.deps;
    for (const [key] of this.instances) {
      if (!this.outcomes.has(key)) this.outcomes.set(key, this.stoppedBy ? { kind: 'skipped', because: this.stoppedBy } : { kind: 'cancelled' });
    }
    const prune = this.options.targets.all && this.expansionComplete && !this.options.dryRun && ![...this.outcomes.values()].some((outcome) => outcome.kind === 'cancelled' || isFailure(outcome));
    if (prune) for (const key of [...state.entries.keys()]) if (!this.instances.has(key as InstanceKey)) state.remove(key);
    const frozenViolations = this.options.frozen ? lockDifferences(state) : [];
    const lockWritten = !this.options.frozen && !this.options.dryRun ? state.flushLock() : false;
    state.saveCaches();
    const counts = Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind, 0])) as Record<Outcome['kind'], number>;
    for (const outcome of this.outcomes.values()) counts[outcome.kind] += 1;
    const summary: BuildSummary = { counts, wallMs: this.now() - this.started, tokensByStage: this.deps.tokensByStage(), tokensEstimated: this.deps.tokensEstimated ?? false, frozenViolations, lockWritten };
    this.deps.emit({ kind: 'summary', summary });
    return summary;
  }
}

const OUTCOME_KINDS: readonly Outcome['kind'][] = ['fresh', 'built', 'would-build', 'failed-llm', 'failed-validation', 'failed-check', 'failed-error', 'internal-error', 'skipped', 'cancelled'];

/** Instances whose lock line would differ from the committed awm.lock. */
function lockDifferences(state: ProjectState): string[] {
  const differences: string[] = [];
  for (const [key, entry] of state.entries) {
    const committed = state.committedLock.get(key);
    if (!committed) differences.push(`${key}: not in awm.lock`);
    else if (serializeEntry(committed) !== serializeEntry(entry)) {
      const changedOutputs = Object.keys({ ...committed.outputs, ...entry.outputs }).filter((name) => committed.outputs[name] !== entry.outputs[name]);
      differences.push(committed.fingerprint !== entry.fingerprint ? `${key}: fingerprint differs from awm.lock` : `${key}: output${changedOutputs.length > 1 ? 's' : ''} ${changedOutputs.join(', ')} differ from awm.lock`);
    }
  }
  for (const key of state.committedLock.keys()) if (!state.entries.has(key)) differences.push(`${key}: would be removed from awm.lock`);
  return differences.sort();
}
