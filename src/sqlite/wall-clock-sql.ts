// SQL that reads the wall clock (CURRENT_TIMESTAMP, datetime('now'), …) makes a seed database
// differ from build to build. Sample inserts must not use it (findWallClockSql); where it cannot
// be avoided — `DEFAULT CURRENT_TIMESTAMP` in a schema, the reference system's sample data — we
// pin it to the world clock (pinWallClockSql), so "now" is the same instant everywhere.
import { splitSql, stringLiteralValue, type SqlSegment } from './sql-segments.js';
import { formatSqlDate, formatSqlTimestamp } from './time-placeholders.js';

const DATE_FUNCTIONS = new Set(['date', 'time', 'datetime', 'julianday', 'unixepoch', 'strftime', 'timediff']);
const CURRENT_KEYWORD = /\bCURRENT_(TIMESTAMP|DATE|TIME)\b/gi;

/** One use of the wall clock: the keyword, or the `'now'` argument and the function it is passed to. */
interface WallClockUse {
  readonly segment: number;
  readonly kind: 'keyword' | 'now-argument';
  readonly text: string;
}

/** The wall-clock readings in `sql`, for messages: `CURRENT_TIMESTAMP`, `datetime(… 'now' …)`. */
export function findWallClockSql(sql: string): string[] {
  return findUses(splitSql(sql)).map((use) => use.text);
}

/** `sql` with every wall-clock reading replaced by the world clock's instant (as SQL literals). */
export function pinWallClockSql(sql: string, clock: Date): string {
  const segments = splitSql(sql);
  const nowArguments = new Set(
    findUses(segments)
      .filter((use) => use.kind === 'now-argument')
      .map((use) => use.segment),
  );
  return segments
    .map((segment, index) => {
      if (nowArguments.has(index)) return `'${formatSqlTimestamp(clock)}'`;
      if (segment.kind !== 'code') return segment.text;
      return segment.text.replace(
        CURRENT_KEYWORD,
        (_whole, which: string) => `'${currentValue(which.toUpperCase(), clock)}'`,
      );
    })
    .join('');
}

function currentValue(which: string, clock: Date): string {
  if (which === 'DATE') return formatSqlDate(clock);
  if (which === 'TIME') return formatSqlTimestamp(clock).slice(11);
  return formatSqlTimestamp(clock);
}

/** Walks the segments keeping a stack of open function calls, to tell `datetime('now')` from data. */
function findUses(segments: readonly SqlSegment[]): WallClockUse[] {
  const uses: WallClockUse[] = [];
  const calls: { name: string; start: string }[] = [];
  segments.forEach((segment, index) => {
    if (segment.kind === 'code') {
      for (const match of segment.text.matchAll(CURRENT_KEYWORD))
        uses.push({ segment: index, kind: 'keyword', text: match[0] });
      trackCalls(segment.text, calls);
    } else if (segment.kind === 'string' && stringLiteralValue(segment).trim().toLowerCase() === 'now') {
      const call = calls[calls.length - 1];
      if (call && DATE_FUNCTIONS.has(call.name))
        uses.push({ segment: index, kind: 'now-argument', text: `${call.start}… 'now' …)` });
    }
  });
  return uses;
}

function trackCalls(code: string, calls: { name: string; start: string }[]): void {
  for (let index = 0; index < code.length; index += 1) {
    const char = code[index];
    if (char === '(') {
      const name = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(code.slice(0, index))?.[1] ?? '';
      calls.push({ name: name.toLowerCase(), start: `${name}(` });
    } else if (char === ')') {
      calls.pop();
    }
  }
}
