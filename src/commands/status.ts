// `awm status`: what is fresh, stale, missing, modified or blocked, and why; judged against
// awm.lock without building anything or calling an LLM.
import { createModelResolver } from '../engine/model-resolver.js';
import { evaluateStatus, type StatusReport } from '../engine/status.js';
import { parseTargets } from '../engine/targets.js';
import { describeStatus, statusJson } from '../logging/status-format.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const report = await statusReport(request.root, request.positionals, io);
  if (typeof report === 'number') return report;
  if (request.values['json']) io.stdout.write(`${JSON.stringify(statusJson(report), null, 2)}\n`);
  else io.stdout.write(describeStatus(report, request.values['explain'] === true));
  return 0;
}

/** The report for `targets`, or the exit code when the project or the targets are unusable. */
export async function statusReport(
  root: string,
  targets: readonly string[],
  io: CliIo,
): Promise<StatusReport | number> {
  const project = await openProjectOrReport(root, io);
  if (!project) return 2;
  const selection = parseTargets(targets, project.order, (stage) => project.upstreamOf(stage));
  if (!selection.ok) {
    for (const problem of selection.error) io.stderr.write(`awm: ${problem}\n`);
    return 2;
  }
  const { modelChooser } = await import('../llm/model-choice.js');
  const models = createModelResolver(project, modelChooser(project.config.llm, io.env));
  if (!models.ok) {
    io.stderr.write(`awm: ${models.error}\n`);
    return 2;
  }
  const report = evaluateStatus(
    project.fanout(selection.value.wanted),
    project.fingerprintEnvironment(models.value),
    project.state,
  );
  project.state.saveCaches();
  return report;
}
