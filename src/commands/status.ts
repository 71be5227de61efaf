// `awm status` and `awm check`: judge every instance against awm.lock without building or
// calling an LLM.
import type { CliIo } from '../cli.js';
import { createModelResolver } from '../engine/model-resolver.js';
import type { Project } from '../engine/project.js';
import { openProject } from '../engine/project.js';
import type { InstanceStatus, StatusReport } from '../engine/status.js';
import { evaluateStatus } from '../engine/status.js';
import { parseTargets } from '../engine/targets.js';
import { describeStatus } from '../logging/status-format.js';

export interface StatusOptions {
  readonly targets: readonly string[];
  readonly explain: boolean;
  readonly json: boolean;
}

export async function statusCommand(root: string, options: StatusOptions, io: CliIo): Promise<number> {
  const report = await statusReport(root, options.targets, io);
  if (typeof report === 'number') return report;
  if (options.json) io.stdout.write(`${JSON.stringify(toJson(report), null, 2)}\n`);
  else io.stdout.write(describeStatus(report, options.explain));
  return 0;
}

export async function checkCommand(root: string, io: CliIo): Promise<number> {
  const report = await statusReport(root, [], io);
  if (typeof report === 'number') return report;
  const notFresh = report.instances.filter((instance) => instance.state !== 'fresh');
  if (notFresh.length === 0 && report.notes.length === 0) {
    io.stdout.write(`awm check: all ${report.instances.length} instances are fresh\n`);
    return 0;
  }
  io.stdout.write(describeStatus(report, true));
  io.stdout.write(`awm check: ${notFresh.length} of ${report.instances.length} instances are not fresh; run \`awm build\` and commit awm.lock\n`);
  return 1;
}

async function statusReport(root: string, targets: readonly string[], io: CliIo): Promise<StatusReport | number> {
  const opened = await openProject(root);
  if (!opened.ok) {
    io.stderr.write(`${opened.error}\n`);
    return 2;
  }
  const project: Project = opened.value;
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
  const report = await evaluateStatus(project.fanout(selection.value.wanted), project.fingerprintEnvironment(models.value), project.state);
  project.state.saveCaches();
  return report;
}

function toJson(report: StatusReport): object {
  const counts: Record<string, number> = { fresh: 0, stale: 0, missing: 0, modified: 0, blocked: 0 };
  for (const instance of report.instances) counts[instance.state] = (counts[instance.state] ?? 0) + 1;
  return { counts, notes: report.notes, instances: report.instances.map((instance: InstanceStatus) => ({ instance: instance.instance, stage: instance.stage, scenario: instance.scenario, task: instance.task, state: instance.state, reasons: instance.reasons })) };
}
