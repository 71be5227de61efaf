// `awm status` and `awm check` for people (text) and programs (JSON, with each reason's code and
// fields next to its sentence).
import { FRESHNESS_STATES, type FreshnessState } from '../engine/events.js';
import type { StatusReport } from '../engine/status.js';
import { describeChecks } from './checks-format.js';
import { describeReason, describeStatusNote } from './describe.js';

export function describeStatus(
  report: StatusReport,
  explain: boolean,
  summaries: ReadonlyMap<string, string> = new Map(),
): string {
  const counts = countStates(report);
  const lines: string[] = [];
  const notFresh = report.instances.filter((instance) => instance.state !== 'fresh');
  const width = Math.max(0, ...notFresh.map((instance) => instance.instance.length));
  for (const instance of notFresh) {
    const reasons = (explain ? instance.reasons : instance.reasons.slice(0, 1)).map(describeReason);
    const more = !explain && instance.reasons.length > 1 ? ` (+${instance.reasons.length - 1} more; --explain)` : '';
    lines.push(`${instance.instance.padEnd(width)}  ${instance.state.padEnd(8)}  ${reasons[0] ?? ''}${more}`);
    for (const reason of reasons.slice(1)) lines.push(`${' '.repeat(width + 12)}${reason}`);
  }
  for (const note of report.notes) lines.push(`note: ${describeStatusNote(note)}`);
  lines.push(...describeChecks(report.instances, summaries, explain));
  const summary = Object.entries(counts)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  lines.push(`${report.instances.length} instances: ${summary}`);
  return `${lines.join('\n')}\n`;
}

/** The report as `status --json` prints it: every reason and note as its code, fields and sentence. */
export function statusJson(report: StatusReport, summaries: ReadonlyMap<string, string> = new Map()): object {
  return {
    counts: countStates(report),
    notes: report.notes.map((note) => ({ ...note, message: describeStatusNote(note) })),
    instances: report.instances.map((instance) => ({
      instance: instance.instance,
      stage: instance.stage,
      scenario: instance.scenario,
      task: instance.task,
      state: instance.state,
      summary: summaries.get(instance.instance) ?? null,
      reasons: instance.reasons.map((reason) => ({ ...reason, message: describeReason(reason) })),
    })),
  };
}

function countStates(report: StatusReport): Record<FreshnessState, number> {
  const counts = Object.fromEntries(Object.keys(FRESHNESS_STATES).map((state) => [state, 0])) as Record<
    FreshnessState,
    number
  >;
  for (const instance of report.instances) counts[instance.state] += 1;
  return counts;
}
