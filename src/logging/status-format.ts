// Human text for `awm status` and `awm check`.
import type { StatusReport } from '../engine/status.js';

export function describeStatus(report: StatusReport, explain: boolean): string {
  const counts = new Map<string, number>();
  for (const instance of report.instances) counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1);
  const lines: string[] = [];
  const notFresh = report.instances.filter((instance) => instance.state !== 'fresh');
  const width = Math.max(0, ...notFresh.map((instance) => instance.instance.length));
  for (const instance of notFresh) {
    const reasons = explain ? instance.reasons : instance.reasons.slice(0, 1);
    const more = !explain && instance.reasons.length > 1 ? ` (+${instance.reasons.length - 1} more; --explain)` : '';
    lines.push(`${instance.instance.padEnd(width)}  ${instance.state.padEnd(8)}  ${reasons[0] ?? ''}${more}`);
    for (const reason of reasons.slice(1)) lines.push(`${' '.repeat(width + 12)}${reason}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  const summary = ['fresh', 'stale', 'missing', 'modified', 'blocked'].map((state) => `${counts.get(state) ?? 0} ${state}`).join(', ');
  lines.push(`${report.instances.length} instances: ${summary}`);
  return `${lines.join('\n')}\n`;
}
