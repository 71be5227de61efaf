// One build of an opened project: take the folder's build lock, set up the LLM layer, run the
// executor, and say how it ended as an exit code. \`awm build\` calls it once; watch mode on every
// change.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { acquireBuildMutex } from '../engine/build-mutex.js';
import type { BuildEvent } from '../engine/events.js';
import { Executor } from '../engine/executor.js';
import { createModelResolver } from '../engine/model-resolver.js';
import type { Project } from '../engine/project.js';
import { parseTargets } from '../engine/targets.js';
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

/** Where stage outputs are written until they are renamed into place. */
export const TEMP_DIR = '.awm/tmp';

/** One build of an opened project (watch mode calls this again and again). */
export async function buildProject(
  project: Project,
  options: BuildCommandOptions,
  io: CliIo,
  emit: (event: BuildEvent) => void,
  signal: AbortSignal,
): Promise<number> {
  const targets = parseTargets(options.targets, project.order, (stage) => project.upstreamOf(stage));
  if (!targets.ok) {
    for (const problem of targets.error) io.stderr.write(`awm: ${problem}\n`);
    return 2;
  }
  const mutex = options.dryRun
    ? null
    : acquireBuildMutex(project.config.root, `awm build ${options.targets.join(' ')}`.trim(), io);
  if (mutex && !mutex.ok) {
    io.stderr.write(`awm: ${mutex.error}\n`);
    return 1;
  }
  if (mutex?.value.tookOverFrom)
    emit({ kind: 'notice', notice: { code: 'build-lock-taken-over', pid: mutex.value.tookOverFrom.pid } });
  const tempRoot = join(project.config.root, TEMP_DIR);
  if (mutex) rmSync(tempRoot, { recursive: true, force: true }); // leftovers of a killed build
  const { createLlm } = await import('../llm/create-llm.js');
  const llm = createLlm({
    settings: project.config.llm,
    env: io.env,
    root: project.config.root,
    fresh: options.fresh,
    onNotice: (notice) => emit({ kind: 'notice', notice }),
  });
  try {
    const models = createModelResolver(project, llm);
    if (!models.ok) {
      io.stderr.write(`awm: ${models.error}\n`);
      return 2;
    }
    const executor = new Executor(
      {
        fanout: project.fanout(targets.value.wanted),
        state: project.state,
        env: {
          ...project.fingerprintEnvironment(models.value),
          tempRoot,
          artifactsDir: project.config.artifactsDir,
          openSession: (instance) => llm.session(instance.ref.stage, instance.ref.scenario, instance.stage.config.llm),
          signal,
        },
        emit,
        usageByStage: () => llm.usageByStage(),
        tokensEstimated: llm.providerName === 'demo',
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
    if (signal.aborted) return 130;
    return summary.failed > 0 || summary.frozenViolations.length > 0 ? 1 : 0;
  } finally {
    await llm.close();
    if (mutex?.ok) mutex.value.release();
  }
}
