// The reference's sample inserts read the wall clock (`datetime('now', '-3 days')` in 78 % of the
// community run's inserts), so its seed databases differ from build to build. On import each
// reading becomes our world-clock placeholder where one says the same thing — `'{{now-3d}}'`,
// `'{{today-2d}}'`, `CURRENT_TIMESTAMP` → `'{{now}}'` — and is otherwise pinned to the world clock
// as a literal instant inside the same expression (`datetime('2026-03-02 09:00:00', 'start of day')`).
// Either way the value at the world clock is exactly what the reference would compute at that
// instant, and placeholders keep moving with the world clock.
import { splitSql } from '../sqlite/sql-segments.js';
import { pinWallClockSql } from '../sqlite/wall-clock-sql.js';

export interface PinnedStatement {
  readonly statement: string;
  /** Wall-clock readings turned into placeholders. */
  readonly placeholders: number;
  /** Whether some reading no placeholder expresses (months, 'start of day', …) was pinned as a literal instant. */
  readonly pinnedLiteral: boolean;
}

const CALL = /\b(datetime|date)\s*\(\s*'now'\s*((?:,\s*'[^']*'\s*)*)\)/gi;
const KEYWORD = /\bCURRENT_(TIMESTAMP|DATE)\b/gi;
const MODIFIER = /^\s*([+-]?)\s*(\d+)\s+(second|minute|hour|day)s?\s*$/i;
const UNIT: Readonly<Record<string, string>> = { second: 's', minute: 'm', hour: 'h', day: 'd' };

export function pinSampleStatement(statement: string, clock: Date): PinnedStatement {
  let placeholders = 0;
  const inCode = codeOffsets(statement);
  const replaced = statement
    .replace(CALL, (whole: string, name: string, modifiers: string, offset: number) => {
      if (!inCode(offset)) return whole;
      const placeholder = placeholderFor(name.toLowerCase(), modifiers);
      if (placeholder === null) return whole;
      placeholders += 1;
      return `'{{${placeholder}}}'`;
    })
    .replace(KEYWORD, (whole: string, which: string, offset: number, text: string) => {
      if (!codeOffsets(text)(offset)) return whole;
      placeholders += 1;
      return which.toUpperCase() === 'DATE' ? `'{{today}}'` : `'{{now}}'`;
    });
  const pinnedText = pinWallClockSql(replaced, clock);
  return { statement: pinnedText, placeholders, pinnedLiteral: pinnedText !== replaced };
}

/** `now-3d+30m` for datetime('now', '-3 days', '+30 minutes'); null when a modifier has no placeholder. */
function placeholderFor(name: string, modifiers: string): string | null {
  const offsets: string[] = [];
  for (const [, modifier] of modifiers.matchAll(/'([^']*)'/g)) {
    const match = MODIFIER.exec(modifier ?? '');
    if (!match) return null;
    const unit = UNIT[(match[3] ?? '').toLowerCase()] ?? '';
    if (name === 'date' && unit !== 'd') return null;
    offsets.push(`${match[1] === '-' ? '-' : '+'}${Number(match[2])}${unit}`);
  }
  return `${name === 'date' ? 'today' : 'now'}${offsets.join('')}`;
}

/** Whether a character offset lies in SQL code (not in a string literal, quoted name or comment). */
function codeOffsets(sql: string): (offset: number) => boolean {
  const ranges: [number, number][] = [];
  let at = 0;
  for (const segment of splitSql(sql)) {
    if (segment.kind === 'code') ranges.push([at, at + segment.text.length]);
    at += segment.text.length;
  }
  return (offset) => ranges.some(([start, end]) => offset >= start && offset < end);
}
