// Dates in a task's text, and whether a task schedules something before the world clock. A real
// model dates tasks by its own "now" unless told the world's; a payment scheduled for a day the
// world has already lived through cannot be verified sensibly. A heuristic that errs towards
// accepting: only changes (create, update) that use a scheduling word are judged, and a date just
// after a past-tense word ("the order I placed on 2026-02-10") is history, not a schedule.
import type { TaskKind } from './artifacts.js';

export interface TaskDate {
  /** As written in the task, e.g. `March 10`, `2026-03-10`. */
  readonly text: string;
  /** The day it names, `YYYY-MM-DD` (a date without a year is taken in the world clock's year). */
  readonly day: string;
  readonly index: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const MONTH_NAME = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?`;
const DATE = new RegExp(
  [
    String.raw`\b(?<isoYear>\d{4})-(?<isoMonth>\d{2})-(?<isoDay>\d{2})\b`,
    String.raw`\b(?<month1>${MONTH_NAME})\s+(?<day1>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?<year1>\d{4})\b)?`,
    String.raw`\b(?<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?<month2>${MONTH_NAME})(?:,?\s+(?<year2>\d{4})\b)?`,
  ].join('|'),
  'g',
);
const SCHEDULING =
  /\b(?:schedul|reschedul|book|reserv|remind|set up|plan|arrang|due|deliver|postpon|renew|appointment|move|push|start|begin|enrol|register|sign up)\w*/i;
const PAST_WORDS = new Set([
  'was',
  'were',
  'did',
  'had',
  'last',
  'ago',
  'since',
  'made',
  'paid',
  'sent',
  'saw',
  'bought',
  'took',
  'got',
  'held',
  'met',
  'spent',
  'earned',
  'went',
  'came',
  'left',
  'wrote',
]);

/** Every absolute date in `text`, in order. */
export function datesIn(text: string, worldClock: Date): TaskDate[] {
  const dates: TaskDate[] = [];
  for (const match of text.matchAll(DATE)) {
    const groups = match.groups ?? {};
    const day = groups['isoYear']
      ? isoDay(Number(groups['isoYear']), Number(groups['isoMonth']), Number(groups['isoDay']))
      : namedDay(
          groups['month1'] ?? groups['month2'] ?? '',
          groups['day1'] ?? groups['day2'] ?? '',
          groups['year1'] ?? groups['year2'],
          worldClock,
        );
    if (day !== null) dates.push({ text: match[0], day, index: match.index ?? 0 });
  }
  return dates;
}

/** The dates a change schedules before the world clock's day (empty for questions and deletions). */
export function scheduledInThePast(text: string, kind: TaskKind, worldClock: Date): TaskDate[] {
  if ((kind !== 'create' && kind !== 'update') || !SCHEDULING.test(text)) return [];
  const today = worldClock.toISOString().slice(0, 10);
  return datesIn(text, worldClock).filter((date) => date.day < today && !followsPastWord(text, date.index));
}

function followsPastWord(text: string, index: number): boolean {
  const words =
    text
      .slice(0, index)
      .toLowerCase()
      .match(/[a-z']+/g) ?? [];
  return words
    .slice(-3)
    .some((word) => PAST_WORDS.has(word) || (word.endsWith('ed') && word !== 'scheduled' && word.length > 3));
}

function isoDay(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? date.toISOString().slice(0, 10) : null;
}

/** A date without a year is the one in the world clock's year, or the next year's when that is over half a year past. */
function namedDay(monthName: string, dayText: string, yearText: string | undefined, worldClock: Date): string | null {
  const month = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase() as (typeof MONTHS)[number]) + 1;
  if (month === 0) return null;
  if (yearText !== undefined) return isoDay(Number(yearText), month, Number(dayText));
  const year = worldClock.getUTCFullYear();
  const sameYear = isoDay(year, month, Number(dayText));
  if (sameYear === null) return null;
  const halfYearMs = 183 * 24 * 3600 * 1000;
  return Date.parse(sameYear) < worldClock.getTime() - halfYearMs ? isoDay(year + 1, month, Number(dayText)) : sameYear;
}
