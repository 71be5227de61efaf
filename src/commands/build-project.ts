// One build of an opened project: take the folder's build lock, run the executor, record the
// no-op proof when the build leaves everything fresh, and say how it ended as an exit code. `awm
// build` calls it once; watch mode on every change. The LLM layer (and the openai SDK) is loaded
// only when an instance that calls the LLM actually runs.
import { acquireBuildMutex } from '../engine/build-mutex.js';
import { forgetClean, recordClean } from '../engine/clean-stamp.js';
import type { BuildEvent } from '../engine/events.js';
import { Executor } from '../engine/executor.js';
import { createModelResolver, stageLlmSources } from '../engine/model-resolver.js';
import type { Project } from '../engine/project.js';
import { LOCK_FILE } from '../engine/project-state.js';
import { parseTargets } from '../engine/targets.js';
import { sandboxRunner } from '../sandbox/run-sandboxed.js';
import { resolveLlmEnvironment } from '../llm/environment.js';
import { modelChooser, modelRuleKey } from '../llm/model-choice.js';
import type { Llm, LlmNotice, StageUsage } from '../llm/types.js';
import type { CliIo } from './io.js';

export interface BuildCommandOptions {
  readonly targets: readonly string[];
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly frozen: boolean;
  readonly fresh: boolean;
}

export async function buildProject(
  project: Project,
  options: BuildCommandOptions,
  io: CliIo,
  emit: (event: BuildEvent) => void,
  signal: AbortSignal,
): Promise<number> {
  const root = project.config.root;
  const targets = parseTargets(options.targets, project.order, (stage) => project.upstreamOf(stage));
  if (!targets.ok) {
    for (const problem of targets.error) io.stderr.write(`awm: ${problem}\n`);
    return 2;
  }
  const mutex = options.dryRun ? null : acquireBuildMutex(root, `awm build ${options.targets.join(' ')}`.trim(), io);
  if (mutex && !mutex.ok) {
    io.stderr.write(`awm: ${mutex.error}\n`);
    return 1;
  }
  // A second Ctrl-C ends the process at once: the lock must not outlive it.
  const forgetExit = mutex?.ok ? io.onExit(() => mutex.value.release()) : () => {};
  if (mutex?.value.tookOverFrom)
    emit({ kind: 'notice', notice: { code: 'build-lock-taken-over', pid: mutex.value.tookOverFrom.pid } });
  if (mutex) project.state.sweepTemps(); // what a killed build left
  const offline = announceOfflineProvider(project, io, emit);
  for (const { path, problem } of project.state.local.problems)
    emit({ kind: 'notice', notice: { code: 'local-state-dropped', path, problem } });
  const models = createModelResolver(project, modelChooser(project.config.llm, io.env));
  if (!models.ok) {
    mutex?.value.release();
    forgetExit();
    io.stderr.write(`awm: ${models.error}\n`);
    return 2;
  }
  const llm = new LazyLlm(project, io, options.fresh, (notice) => {
    if (notice.code !== 'offline-provider') emit({ kind: 'notice', notice });
  });
  try {
    const executor = new Executor(
      {
        fanout: project.fanout(targets.value.wanted),
        state: project.state,
        env: {
          ...project.fingerprintEnvironment(models.value),
          trackTemps: (paths) => project.state.trackTemps(paths),
          artifactsDir: project.config.artifactsDir,
          // Children are not stopped by the first Ctrl-C (work in progress finishes); they die
          // with awm at the second.
          sandbox: sandboxRunner({
            onNotice: (notice) => emit({ kind: 'notice', notice: { code: 'sandbox-without-namespaces', notice } }),
          }),
          listOutputOf: (instance) => project.listOutputOf(instance.ref.stage),
          openSession: async (instance) =>
            (await llm.get()).session(instance.ref.stage, instance.ref.scenario, stageLlmSources(instance.stage)),
          signal,
        },
        emit,
        usageByStage: () => llm.usageByStage(),
        tokensEstimated: offline,
      },
      {
        targets: targets.value,
        force: options.force,
        dryRun: options.dryRun,
        jobs: options.jobs,
        keepGoing: options.keepGoing,
        frozen: options.frozen,
      },
    );
    const summary = await executor.run();
    const clean = executor.cleanGraph();
    if (clean)
      recordClean(
        root,
        modelRuleKey(io.env),
        project.state.hasher,
        [...project.sourceFiles(), LOCK_FILE],
        project.cleanProject(clean.instances, clean.scenarios),
      );
    else if (!options.dryRun) forgetClean(root);
    if (signal.aborted) return 130;
    return summary.failed > 0 || summary.frozenViolations.length > 0 ? 1 : 0;
  } finally {
    await llm.close();
    if (mutex?.ok) mutex.value.release();
    forgetExit();
  }
}

/**
 * With no LLM configured, the build says so on its first line, whether or not anything will ask:
 * the offline provider is part of what the build means. Returns whether it is offline.
 */
function announceOfflineProvider(project: Project, io: CliIo, emit: (event: BuildEvent) => void): boolean {
  const environment = resolveLlmEnvironment(io.env);
  const offline = environment.ok && environment.value.chat.kind === 'demo';
  if (offline) emit({ kind: 'notice', notice: { code: 'offline-provider', folder: project.config.llm.demoResponses } });
  return offline;
}

/** The LLM layer, made on first use: a build that runs no LLM stage never loads the SDK. */
class LazyLlm {
  #llm: Promise<Llm> | null = null;
  #made: Llm | null = null;

  constructor(
    private readonly project: Project,
    private readonly io: CliIo,
    private readonly fresh: boolean,
    private readonly onNotice: (notice: LlmNotice) => void,
  ) {}

  get(): Promise<Llm> {
    this.#llm ??= import('../llm/create-llm.js').then(({ createLlm }) => {
      this.#made = createLlm({
        settings: this.project.config.llm,
        env: this.io.env,
        root: this.project.config.root,
        fresh: this.fresh,
        onNotice: this.onNotice,
      });
      return this.#made;
    });
    return this.#llm;
  }

  usageByStage(): ReadonlyMap<string, StageUsage> {
    return this.#made?.usageByStage() ?? new Map();
  }

  async close(): Promise<void> {
    if (this.#llm) await (await this.#llm).close();
  }
}
