// The checks block of `awm status` and the build summary: what each stage's check found, as
// awm.lock keeps it (a stage's one-line `summary`).
import type { InstanceStatus } from '../engine/status.js';

/** Most lines the checks block shows before it sums up per stage (unless --explain). */
const MAX_CHECK_LINES = 20;

/**
 * What the stages' checks found, as last built: one line per instance that has a summary, the
 * instances of a per-task stage gathered per scenario (`personal_banking:verifier  10/10 tasks:
 * discriminates`). An instance without one (failed, never built) counts against its group. Past
 * MAX_CHECK_LINES lines, one line per stage instead, unless `explain`.
 */
export function describeChecks(
  instances: readonly InstanceStatus[],
  summaries: ReadonlyMap<string, string>,
  explain: boolean,
): string[] {
  const stagesWithChecks = new Set(instances.filter((i) => summaries.has(i.instance)).map((i) => i.stage));
  if (stagesWithChecks.size === 0) return [];
  const groups = new Map<string, { stage: string; label: string; perTask: boolean; members: InstanceStatus[] }>();
  for (const instance of instances) {
    if (!stagesWithChecks.has(instance.stage)) continue;
    const perTask = instance.task !== null;
    const label = perTask ? `${instance.scenario ?? ''}:${instance.stage}` : instance.instance;
    const group = groups.get(label) ?? { stage: instance.stage, label, perTask, members: [] };
    group.members.push(instance);
    groups.set(label, group);
  }
  const lines = [...groups.values()].map((group) => {
    const texts = group.members.map((member) => summaries.get(member.instance)).filter((t): t is string => !!t);
    if (!group.perTask) return { group, text: texts[0] ?? 'not built' };
    const counts = new Map<string, number>();
    for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
    const described = [...counts].map(([text, count]) => (counts.size === 1 ? text : `${text} ×${count}`)).join(', ');
    return { group, text: `${texts.length}/${group.members.length} tasks: ${described || 'none built'}` };
  });
  if (lines.length > MAX_CHECK_LINES && !explain) {
    const byStage = new Map<string, { built: number; total: number; perTask: boolean }>();
    for (const { group } of lines) {
      const entry = byStage.get(group.stage) ?? { built: 0, total: 0, perTask: group.perTask };
      entry.total += group.members.length;
      entry.built += group.members.filter((member) => summaries.has(member.instance)).length;
      byStage.set(group.stage, entry);
    }
    return [
      'checks (as last built; --explain lists each):',
      ...[...byStage].map(
        ([stage, entry]) =>
          `  ${stage}: ${entry.built}/${entry.total} ${entry.perTask ? 'tasks' : 'instances'} built with their check passed`,
      ),
    ];
  }
  const width = Math.max(...lines.map((line) => line.group.label.length));
  return ['checks (as last built):', ...lines.map((line) => `  ${line.group.label.padEnd(width)}  ${line.text}`)];
}
