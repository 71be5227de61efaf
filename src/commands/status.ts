// `awm status`: what is fresh, stale, missing, modified or blocked, and why; judged against
// awm.lock without building anything or calling an LLM. A proven-clean project is answered from
// its no-op proof; a full judgement that finds everything fresh records a new proof.
import { forgetClean, recordClean } from '../engine/clean-stamp.js';
import type { InstanceRef } from '../engine/instance.js';
import { createModelResolver } from '../engine/model-resolver.js';
import { lockSummaries } from '../engine/lock-file.js';
import { LOCK_FILE } from '../engine/project-state.js';
import { join } from 'node:path';
import { evaluateStatus, type InstanceStatus, type StatusReport } from '../engine/status.js';
import { parseTargets } from '../engine/targets.js';
import { modelChooser, modelRuleKey } from '../llm/model-choice.js';
import { describeNotice } from '../logging/describe.js';
import { describeStatus, statusJson } from '../logging/status-format.js';
import type { CliIo, CommandRequest } from './io.js';
import { cleanProject, cleanStatus, cleanTargets } from './proven-clean.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const report = await statusReport(request.root, request.positionals, io);
  if (typeof report === 'number') return report;
  const summaries = lockSummaries(join(request.root, LOCK_FILE));
  if (request.values['json']) io.stdout.write(`${JSON.stringify(statusJson(report, summaries), null, 2)}\n`);
  else io.stdout.write(describeStatus(report, request.values['explain'] === true, summaries));
  return 0;
}

/** The report for `targets`, or the exit code when the project or the targets are unusable. */
export async function statusReport(
  root: string,
  targets: readonly string[],
  io: CliIo,
): Promise<StatusReport | number> {
  const clean = cleanProject(root, io);
  if (clean) {
    const selection = cleanTargets(clean, targets, io);
    return typeof selection === 'number' ? selection : cleanStatus(clean, selection);
  }
  const { openProjectOrReport } = await import('./open-project.js');
  const project = await openProjectOrReport(root, io);
  if (!project) return 2;
  for (const { path, problem } of project.state.local.problems) {
    io.stderr.write(`awm: ${describeNotice({ code: 'local-state-dropped', path, problem })}\n`);
  }
  const selection = parseTargets(targets, project.order, (stage) => project.upstreamOf(stage));
  if (!selection.ok) {
    for (const problem of selection.error) io.stderr.write(`awm: ${problem}\n`);
    return 2;
  }
  const models = createModelResolver(project, modelChooser(project.config.llm, io.env));
  if (!models.ok) {
    io.stderr.write(`awm: ${models.error}\n`);
    return 2;
  }
  const fanout = project.fanout(selection.value.wanted);
  const report = evaluateStatus(
    fanout,
    project.fingerprintEnvironment(models.value),
    project.state,
    selection.value.all,
  );
  if (report.complete && report.instances.every((instance) => instance.state === 'fresh')) {
    const graph = project.cleanProject(report.instances.map(refOf), report.scenarios);
    recordClean(root, modelRuleKey(io.env), project.state.hasher, [...project.sourceFiles(), LOCK_FILE], graph);
  } else if (report.instances.some((instance) => instance.state !== 'fresh')) {
    forgetClean(root);
  }
  project.state.saveCaches();
  return report;
}

function refOf(status: InstanceStatus): InstanceRef {
  return { stage: status.stage, scenario: status.scenario, task: status.task };
}
