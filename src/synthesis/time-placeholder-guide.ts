// The part of the sample prompt that teaches the placeholder syntax, with each example resolved
// against the world clock, so the LLM sees exactly what its placeholders will become. It is built
// here, not written in the template, because `{{…}}` in a template is the template's own syntax.
import { evaluatePlaceholder, formatSqlTimestamp } from '../sqlite/time-placeholders.js';

const EXAMPLES: readonly [string, string][] = [
  ['now', 'the current instant of this world'],
  ['now-3d', 'three days ago'],
  ['now+2h', 'in two hours'],
  ['now-45m', '45 minutes ago'],
  ['now-2w', 'two weeks ago'],
  ['now-1d+30m', 'offsets can be chained'],
  ['today', 'the current date'],
  ['today+7d', 'a date a week ahead (today takes d and w only)'],
];

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** `2026-03-02 09:00:00 UTC (a Monday)` */
export function describeWorldClock(clock: Date): string {
  return `${formatSqlTimestamp(clock)} UTC (a ${WEEKDAYS[clock.getUTCDay()] ?? ''})`;
}

/** One line per example: `'{{now-3d}}'  → '2026-02-27 09:00:00'   three days ago`. */
export function timePlaceholderGuide(clock: Date): string {
  const width = Math.max(...EXAMPLES.map(([body]) => body.length)) + 10;
  const rows = EXAMPLES.map(([body, meaning]) => {
    const value = evaluatePlaceholder(body, clock);
    const resolved = value.ok ? value.value : '?';
    return `  '{{${body}}}'`.padEnd(width) + `→ '${resolved}'`.padEnd(26) + meaning;
  });
  return rows.join('\n');
}
