// The pipeline's world clock: the fixed instant every generated world calls "now". Parsed once,
// when the pipeline file loads; stages get both the text (as written, for their outputs and the
// fingerprint) and the instant (for arithmetic), and never parse it again.

/** An ISO 8601 instant with a time zone: `2026-03-02T09:00:00Z`, `2026-03-02T10:00+01:00`. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant, or null when the text is not an ISO 8601 instant on the calendar (no 30 February). */
export function parseWorldClock(text: string): Date | null {
  const match = ISO_INSTANT.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  const onCalendar =
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  const instant = new Date(text);
  return onCalendar && !Number.isNaN(instant.getTime()) ? instant : null;
}
