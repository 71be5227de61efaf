// "did you mean …?" suggestions for misspelt names (stage names, keys, outputs, placeholders).
// A suggestion is offered only when it is close enough to be a likely typo, never a wild guess.

/** The candidate closest to `name`, if within a typo's distance; ties go to the earlier candidate. */
export function closestMatch(name: string, candidates: Iterable<string>): string | null {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A hint naming the likely intended name (if any) and all valid ones, e.g.
 * `did you mean "tasks"? Stages: scenarios, tasks, schema`.
 */
export function didYouMeanHint(name: string, candidates: readonly string[], label: string): string {
  const listing = candidates.length > 0 ? `${label}: ${candidates.join(', ')}` : `there are no ${label.toLowerCase()}`;
  const suggestion = closestMatch(name, candidates);
  return suggestion === null ? listing : `did you mean "${suggestion}"? ${listing}`;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
