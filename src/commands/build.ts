// `awm build`: open the project, take the folder's build lock, run the build, report.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildEvent, BuildSummary, StageTokens } from '../engine/build-event.js';
import { acquireBuildMutex } from '../engine/build-mutex.js';
import type { CliIo } from '../cli.js';
import { runBuild } from '../engine/executor.js';
import type { Llm } from '../llm/types.js';
import { plainLogger } from '../logging/plain-logger.js';
import { terminalLogger } from '../logging/terminal-logger.js';
import type { Project } from '../engine/project.js';
import { openProject } from '../engine/project.js';
import { parseTargets } from '../engine/targets.js';
import { createModelResolver } from '../engine/model-resolver.js';

export interface BuildCommandOptions {
  readonly targets: readonly string[];
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly jobs: number;
  readonly keepGoing: boolean;
  readonly frozen: boolean;
  readonly fresh: boolean;
}

export const TEMP_DIR = '.awm/tmp';

export async function buildCommand(root: string, options: BuildCommandOptions, io: CliIo, signal: AbortSignal = interruptSignal(io)): Promise<number> {
  const opened = await openProject(root);
  if (!opened.ok) {
    io.stderr.write(`${opened.error}\n`);
    return 2;
  }
  const emit = chooseLogger(io);
  const result = await buildProject(opened.value, options, io, emit, signal);
  return result;
}

/** One build of an opened project (watch mode calls this again and again). */
export async function buildProject(project: Project, options: BuildCommandOptions, io: CliIo, emit: (event: BuildEvent) => void, signal: AbortSignal): Promise<number> {
  const targets = parseTargets(options.targets, project.order, (stage) => project.upstreamOf(stage));
  if (!targets.ok) {
    for (const problem of targets.error) io.stderr.write(`awm: ${problem}\n`);
    return 2;
  }
  const mutex = options.dryRun ? null : acquireBuildMutex(project.config.root, `awm build ${options.targets.join(' ')}`.trim());
  if (mutex && !mutex.ok) {
    io.stderr.write(`awm: ${mutex.error}\n`);
    return 1;
  }
  if (mutex?.value.tookOverFrom) emit({ kind: 'notice', message: `took over the build lock of pid ${mutex.value.tookOverFrom.pid}, which is no longer running` });
  const tempRoot = join(project.config.root, TEMP_DIR);
  if (mutex) rmSync(tempRoot, { recursive: true, force: true }); // leftovers of a killed build
  const { createLlm } = await import('../llm/create-llm.js');
  const llm: Llm = createLlm({ settings: project.config.llm, env: io.env, root: project.config.root, fresh: options.fresh, onNotice: (message: string) => emit({ kind: 'notice', message }) });
  try {
    const models = createModelResolver(project, llm);
    if (!models.ok) {
      io.stderr.write(`awm: ${models.error}\n`);
      return 2;
    }
    const summary = await runBuild({
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
      tokensByStage: () => tokensOf(llm),
      tokensEstimated: llm.providerName === 'demo',
    }, { targets: targets.value, force: options.force, dryRun: options.dryRun, jobs: options.jobs, keepGoing: options.keepGoing, frozen: options.frozen });
    return exitCode(summary, signal);
  } finally {
    await llm.close();
    if (mutex?.ok) mutex.value.release();
  }
}

function exitCode(summary: BuildSummary, signal: AbortSignal): number {
  if (signal.aborted) return 130;
  const { counts } = summary;
  const failed = counts['failed-llm'] + counts['failed-validation'] + counts['failed-check'] + counts['failed-error'] + counts['internal-error'];
  return failed > 0 || summary.frozenViolations.length > 0 ? 1 : 0;
}

function tokensOf(llm: Llm): Record<string, StageTokens> {
  const result: Record<string, StageTokens> = {};
  for (const [stage, usage] of llm.usageByStage()) {
    result[stage] = { promptTokens: usage.promptTokens + usage.cachedPromptTokens, completionTokens: usage.completionTokens + usage.cachedCompletionTokens, requests: usage.requests + usage.cachedRequests, cachedRequests: usage.cachedRequests };
  }
  return result;
}

export function chooseLogger(io: CliIo): (event: BuildEvent) => void {
  const write = (line: string): void => void io.stdout.write(`${line}\n`);
  return io.stdout.isTTY && !io.env.CI ? terminalLogger({ write: (text) => void io.stdout.write(text) }) : plainLogger(write);
}

/** First Ctrl-C: finish what is running, start nothing new. Second: stop now. */
function interruptSignal(io: CliIo): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write('\nawm: interrupted; letting running instances finish (press Ctrl-C again to stop at once; finished work is kept)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
