// Problems fed back to the LLM stay short and readable: long statements are cut, long lists are
// capped with a count of the rest, ratios are shown as percentages.

/** The first `limit` problems and a count of the rest. */
export function capErrors(errors: readonly string[], limit = 40): string[] {
  if (errors.length <= limit) return [...errors];
  return [...errors.slice(0, limit), `… and ${errors.length - limit} more problems of the same kinds`];
}

/** A statement on one line, cut after `limit` characters. */
export function excerpt(sql: string, limit = 300): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit)}…`;
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
