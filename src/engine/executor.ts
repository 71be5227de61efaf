// Runs a build: discovers instances as their lists become known, judges each once everything it
// reads is done, skips what is fresh (early cutoff: an upstream rebuilt to identical bytes leaves
// its dependants fresh), runs what is stale (up to --jobs at a time) and records each built
// instance in the lock. Judging is synchronous and cheap (stat-cached hashes, the render memo), so
// a no-op build walks the whole graph without a promise per instance; only runs wait for a slot.
//
//   discovered ──deps done──▶ ready ──judge──▶ fresh
//                                        │ stale
//                                        ▼
//                                  slot (--jobs) ──▶ run ──▶ built | failed-* ──▶ dependants skipped
import type { StageUsage } from '../llm/types.js';
import type { InstanceKey, ScenarioId } from '../util/brand.js';
import { describeFileSystemError } from '../util/file-system-error.js';
import { Semaphore } from '../util/semaphore.js';
import { assessInstance } from './assess.js';
import {
  countOutcomes,
  isFailure,
  OUTCOME_KINDS,
  type BuildEvent,
  type BuildSummary,
  type FrozenViolation,
  type Outcome,
  type Reason,
} from './events.js';
import type { FanoutContext } from './fanout.js';
import { globalInstances, instancesRevealedBy } from './fanout.js';
import type { InstanceRef } from './instance.js';
import type { PlannedInstance } from './instance-plan.js';
import { serializeEntry } from './lock-file.js';
import type { ProjectState } from './project-state.js';
import type { RunPlan, StageRunEnvironment } from './stage-runner.js';
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
  readonly usageByStage: () => ReadonlyMap<string, StageUsage>;
  /** Whether token counts are estimates rather than what a provider reported. */
  readonly tokensEstimated?: boolean;
  readonly now?: () => number;
  /** How often the lock journal is folded into awm.lock during a build. */
  readonly flushEveryMs?: number;
}

/** What judging an instance decided: an outcome now, or a run when a slot is free. */
type Decision = { readonly kind: 'done'; readonly outcome: Outcome } | { readonly kind: 'run'; readonly plan: RunPlan };

export class Executor {
  readonly #deps: BuildDependencies;
  readonly #options: BuildOptions;
  readonly #now: () => number;
  readonly #instances = new Map<InstanceKey, PlannedInstance>();
  readonly #outcomes = new Map<InstanceKey, Outcome>();
  readonly #waitingOn = new Map<InstanceKey, number>();
  readonly #dependants = new Map<InstanceKey, InstanceKey[]>();
  /** Instances whose dependencies are done, judged in order; `#next` is the first not yet judged. */
  #ready: PlannedInstance[] = [];
  #next = 0;
  #running = 0;
  readonly #slots: Semaphore;
  #stoppedBy: InstanceKey | null = null;
  #expansionComplete = true;
  #scenarios: readonly ScenarioId[] | null = null;
  #settled: (() => void) | null = null;

  constructor(deps: BuildDependencies, options: BuildOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#now = deps.now ?? Date.now;
    this.#slots = new Semaphore(options.jobs);
  }

  async run(): Promise<BuildSummary> {
    const started = this.#now();
    this.#discover(globalInstances(this.#deps.fanout));
    const flushTimer =
      this.#options.frozen || this.#options.dryRun
        ? null
        : setInterval(() => this.#deps.state.flushLock(), this.#deps.flushEveryMs ?? 2_000);
    try {
      await new Promise<void>((resolve) => {
        this.#settled = resolve;
        this.#pump();
      });
    } finally {
      if (flushTimer) clearInterval(flushTimer);
    }
    return this.#finish(started);
  }

  #discover(instances: readonly PlannedInstance[]): void {
    const perStage = new Map<string, number>();
    for (const instance of instances) {
      if (this.#instances.has(instance.key)) continue;
      this.#instances.set(instance.key, instance);
      perStage.set(instance.ref.stage, (perStage.get(instance.ref.stage) ?? 0) + 1);
      let waiting = 0;
      for (const dep of instance.deps) {
        if (this.#outcomes.has(dep)) continue;
        waiting += 1;
        const list = this.#dependants.get(dep);
        if (list) list.push(instance.key);
        else this.#dependants.set(dep, [instance.key]);
      }
      this.#waitingOn.set(instance.key, waiting);
      if (waiting === 0) this.#ready.push(instance);
    }
    for (const [stage, count] of perStage) this.#deps.emit({ kind: 'discovered', stage, count });
  }

  /** Judges every ready instance; completing one may make others ready, which are judged in turn. */
  #pump(): void {
    while (this.#next < this.#ready.length) {
      const instance = this.#ready[this.#next]!;
      this.#next += 1;
      const decision = this.#decideSafely(instance);
      if (decision.kind === 'run') this.#start(instance, decision.plan);
      else this.#complete(instance, decision.outcome);
    }
    if (this.#running === 0) {
      this.#ready = [];
      this.#next = 0;
      this.#settled?.();
    }
  }

  #start(instance: PlannedInstance, plan: RunPlan): void {
    this.#running += 1;
    void this.#runInSlot(instance, plan).then((outcome) => {
      this.#running -= 1;
      this.#complete(instance, outcome);
      this.#pump();
    });
  }

  async #runInSlot(instance: PlannedInstance, plan: RunPlan): Promise<Outcome> {
    const release = await this.#slots.acquire(this.#deps.env.signal);
    if (release === null) return { kind: 'cancelled' };
    try {
      // A failure elsewhere, or Ctrl-C, while it waited for a slot.
      if (this.#stoppedBy !== null) return { kind: 'skipped', because: this.#stoppedBy };
      if (this.#deps.env.signal.aborted) return { kind: 'cancelled' };
      this.#deps.emit({ kind: 'started', instance: instance.key, stage: instance.ref.stage, reasons: plan.reasons });
      const record = await runStageInstance(this.#deps.env, instance, plan);
      if (record.entry) this.#deps.state.record(record.entry, !this.#options.frozen);
      return record.outcome;
    } catch (error) {
      // Writing the journal or an output on a full disk, say: the user's to fix, not a bug.
      const fileSystem = describeFileSystemError(error, this.#deps.env.root);
      return fileSystem === null
        ? internalError(instance, error)
        : { kind: 'failed-error', message: fileSystem, log: null };
    } finally {
      release();
    }
  }

  #complete(instance: PlannedInstance, given: Outcome): void {
    let outcome = given;
    if (OUTCOME_KINDS[outcome.kind] === 'usable') {
      // A list that cannot be fanned out over drops its rows: the instance that holds it fails.
      const problem = this.#expand(instance);
      if (problem !== null) outcome = { kind: 'failed-error', message: `cannot fan out: ${problem}`, log: null };
    } else if (OUTCOME_KINDS[outcome.kind] === 'planned') {
      const problem = this.#expand(instance);
      if (problem !== null) this.#deps.emit({ kind: 'notice', notice: { code: 'cannot-fan-out', problem } });
    }
    this.#outcomes.set(instance.key, outcome);
    this.#deps.emit({ kind: 'finished', instance: instance.key, stage: instance.ref.stage, outcome });
    if (isFailure(outcome) && !this.#options.keepGoing && this.#stoppedBy === null) this.#stoppedBy = instance.key;
    for (const dependant of this.#dependants.get(instance.key) ?? []) {
      const left = (this.#waitingOn.get(dependant) ?? 1) - 1;
      this.#waitingOn.set(dependant, left);
      const planned = this.#instances.get(dependant);
      if (left === 0 && planned) this.#ready.push(planned);
    }
  }

  /** A finished list producer reveals the instances that fan out over its list. */
  #expand(instance: PlannedInstance): string | null {
    const revealed = instancesRevealedBy(this.#deps.fanout, instance);
    if (!revealed.ok) {
      this.#expansionComplete = false;
      return revealed.error.problem;
    }
    this.#discover(revealed.value.instances);
    const scenarios = revealed.value.scenarios;
    if (scenarios === null) return null;
    this.#scenarios = scenarios;
    for (const target of this.#options.targets.unmatchedScenarios(scenarios)) {
      this.#deps.emit({ kind: 'notice', notice: { code: 'target-matches-no-scenario', target, scenarios } });
    }
    return null;
  }

  #decideSafely(instance: PlannedInstance): Decision {
    try {
      return this.#decide(instance);
    } catch (error) {
      return { kind: 'done', outcome: internalError(instance, error) };
    }
  }

  #decide(instance: PlannedInstance): Decision {
    const done = (outcome: Outcome): Decision => ({ kind: 'done', outcome });
    const blocker = instance.deps.find((dep) => {
      const outcome = this.#outcomes.get(dep);
      return !outcome || OUTCOME_KINDS[outcome.kind] === 'failure' || OUTCOME_KINDS[outcome.kind] === 'not-run';
    });
    if (blocker !== undefined) return done({ kind: 'skipped', because: this.#rootCause(blocker) });
    if (this.#stoppedBy !== null) return done({ kind: 'skipped', because: this.#stoppedBy });
    if (this.#deps.env.signal.aborted) return done({ kind: 'cancelled' });
    const upstreamWouldBuild = instance.deps.filter((dep) => this.#outcomes.get(dep)?.kind === 'would-build');
    const forced =
      this.#options.force &&
      this.#options.targets.targeted(instance.ref.stage, instance.stage.config.fanout, instance.ref.scenario);
    let assessment = assessInstance(this.#deps.env, this.#deps.state, instance);
    if (assessment.kind === 'imported-fresh') {
      if (!forced) return done({ kind: 'fresh' });
      assessment = assessInstance(this.#deps.env, this.#deps.state, instance, true);
      if (assessment.kind === 'imported-fresh') throw new Error('internal error: an imported entry judged as built');
    }
    if (assessment.kind === 'inputs-unavailable') {
      if (upstreamWouldBuild.length > 0)
        return done({ kind: 'would-build', reasons: [{ code: 'runs-after', instances: upstreamWouldBuild }] });
      return done({ kind: 'failed-inputs', problems: assessment.problems });
    }
    const { freshness } = assessment;
    if (freshness.state === 'fresh' && !forced) {
      if (this.#options.dryRun && upstreamWouldBuild.length > 0)
        return done({ kind: 'would-build', reasons: [{ code: 'may-rebuild', instances: upstreamWouldBuild }] });
      return done({ kind: 'fresh' });
    }
    const reasons: readonly Reason[] = freshness.state === 'fresh' ? [{ code: 'forced' }] : freshness.reasons;
    if (this.#options.dryRun) return done({ kind: 'would-build', reasons });
    return { kind: 'run', plan: { prepared: assessment.prepared, rendered: assessment.rendered, reasons } };
  }

  /**
   * After run(): the graph a no-op proof records, when this run saw all of it (no targets, every
   * list read) and left every instance fresh in awm.lock; null otherwise.
   */
  cleanGraph(): { readonly instances: InstanceRef[]; readonly scenarios: readonly ScenarioId[] | null } | null {
    if (!this.#options.targets.all || !this.#expansionComplete) return null;
    for (const outcome of this.#outcomes.values()) {
      // A frozen build does not write awm.lock, so what it built is not fresh there.
      if (outcome.kind !== 'fresh' && !(outcome.kind === 'built' && !this.#options.frozen)) return null;
    }
    return { instances: [...this.#instances.values()].map((instance) => instance.ref), scenarios: this.#scenarios };
  }

  #rootCause(key: InstanceKey): InstanceKey {
    const outcome = this.#outcomes.get(key);
    return outcome?.kind === 'skipped' ? outcome.because : key;
  }

  #finish(started: number): BuildSummary {
    const { state } = this.#deps;
    for (const key of this.#instances.keys()) {
      if (!this.#outcomes.has(key))
        this.#outcomes.set(
          key,
          this.#stoppedBy ? { kind: 'skipped', because: this.#stoppedBy } : { kind: 'cancelled' },
        );
    }
    const counted = countOutcomes(this.#outcomes.values());
    const complete =
      this.#options.targets.all &&
      this.#expansionComplete &&
      !this.#options.dryRun &&
      counted.failed === 0 &&
      counted.byKind.cancelled === 0;
    if (complete) for (const key of [...state.entries.keys()]) if (!this.#instances.has(key)) state.remove(key);
    const frozenViolations = this.#options.frozen ? lockDifferences(state) : [];
    const lockWritten = !this.#options.frozen && !this.#options.dryRun ? state.flushLock() : false;
    state.saveCaches();
    const summary: BuildSummary = {
      counts: counted.byKind,
      failed: counted.failed,
      wallMs: this.#now() - started,
      usageByStage: this.#deps.usageByStage(),
      tokensEstimated: this.#deps.tokensEstimated ?? false,
      frozenViolations,
      lockWritten,
      checks: {
        instances: [...this.#instances.values()].map((instance) => instance.ref),
        summaries: new Map(
          [...this.#instances.keys()].flatMap((key) => {
            const summary = state.entries.get(key)?.summary;
            return summary === undefined ? [] : [[key as string, summary] as const];
          }),
        ),
      },
    };
    this.#deps.emit({ kind: 'summary', summary });
    return summary;
  }
}

function internalError(instance: PlannedInstance, error: unknown): Outcome {
  return {
    kind: 'internal-error',
    message: `internal error in awm while building ${instance.key}, please report: ${(error as Error).stack ?? String(error)}`,
  };
}

/** Instances whose lock line would differ from the committed awm.lock. */
function lockDifferences(state: ProjectState): FrozenViolation[] {
  const differences: FrozenViolation[] = [];
  for (const [instance, entry] of state.entries) {
    const committed = state.committedLock.get(instance);
    if (!committed) differences.push({ instance, change: 'added' });
    else if (serializeEntry(committed) !== serializeEntry(entry)) {
      const outputs = Object.keys({ ...committed.outputs, ...entry.outputs }).filter(
        (name) => committed.outputs[name] !== entry.outputs[name],
      );
      differences.push(
        committed.fingerprint !== entry.fingerprint
          ? { instance, change: 'fingerprint' }
          : { instance, change: 'outputs', outputs },
      );
    }
  }
  for (const instance of state.committedLock.keys())
    if (!state.entries.has(instance)) differences.push({ instance, change: 'removed' });
  return differences.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
}
