// Sample data speaks of time relative to the pipeline's world clock, never the wall clock, so the
// same answer yields the same seed database in every build. An LLM writes `'{{now-3d}}'` inside a
// string literal; we turn it into `'2026-02-27 09:00:00'`.
//
//   {{now}}  {{now-3d}}  {{now+2h}}  {{now-45m}}  {{now-2w}}  {{now-1d+30m}}  → YYYY-MM-DD HH:MM:SS (UTC)
//   {{today}}  {{today+7d}}  {{today-2w}}                                    → YYYY-MM-DD
import { err, ok, type Result } from '../util/result.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const EXPRESSION = /^(now|today)((?:\s*[+-]\s*\d+\s*[a-z]+)*)$/;
const OFFSET = /([+-])\s*(\d+)\s*([a-z]+)/g;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `YYYY-MM-DD HH:MM:SS` in UTC: the format SQLite's date functions read and write. */
export function formatSqlTimestamp(instant: Date): string {
  return instant.toISOString().slice(0, 19).replace('T', ' ');
}

export function formatSqlDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The value of one placeholder body (`now-3d`), or an error that names it and says what is allowed. */
export function evaluatePlaceholder(body: string, clock: Date): Result<string, string> {
  const match = EXPRESSION.exec(body.trim().toLowerCase());
  if (!match) return err(unknownPlaceholder(body));
  const base = match[1] as 'now' | 'today';
  let seconds = 0;
  for (const [, sign, amount, unit] of (match[2] ?? '').matchAll(OFFSET)) {
    const unitSeconds = UNIT_SECONDS[unit ?? ''];
    if (unitSeconds === undefined) return err(unknownPlaceholder(body));
    if (base === 'today' && unitSeconds < 86_400) {
      return err(
        `placeholder {{${body}}}: "today" takes whole days or weeks only (d, w); use {{now…}} for a time of day`,
      );
    }
    seconds += (sign === '-' ? -1 : 1) * Number(amount) * unitSeconds;
  }
  const instant = new Date(clock.getTime() + seconds * 1_000);
  return ok(base === 'now' ? formatSqlTimestamp(instant) : formatSqlDate(instant));
}

/** Replaces every placeholder in `text`; errors name each placeholder that could not be resolved. */
export function resolveWorldClock(text: string, clock: Date): Result<string, string[]> {
  const problems: string[] = [];
  const resolved = text.replace(PLACEHOLDER, (whole, body: string) => {
    const value = evaluatePlaceholder(body, clock);
    if (value.ok) return value.value;
    problems.push(value.error);
    return whole;
  });
  return problems.length === 0 ? ok(resolved) : err(problems);
}

function unknownPlaceholder(body: string): string {
  return (
    `unknown placeholder {{${body}}}: write {{now}} or {{today}}, optionally followed by offsets ` +
    `such as -3d, +2h, -45m, -2w, +30s (e.g. {{now-3d}}, {{today+7d}})`
  );
}
