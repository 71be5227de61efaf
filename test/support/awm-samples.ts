// The reference system's real output files, when the shared samples folder sits next to the
// project (`../shared/awm-samples`). A user's fresh clone has no such folder: tests skip then.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project root, from the compiled file's place in dist/test/support/. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SAMPLES = join(PROJECT_ROOT, '..', 'shared', 'awm-samples');

/** The samples folder, or null (after printing why the caller skips) when it is absent. */
export function awmSamples(what: string): string | null {
  if (existsSync(SAMPLES)) return SAMPLES;
  console.log(`  skipped: ${what} (no reference samples at ${SAMPLES})`);
  return null;
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Rows of two files joined by their `scenario` field (never by line number: orders differ). */
export function joinByScenario<A extends { scenario: string }, B extends { scenario: string }>(
  left: readonly A[],
  right: readonly B[],
): [A, B][] {
  const byName = new Map(right.map((row) => [row.scenario, row]));
  return left.flatMap((row) => {
    const match = byName.get(row.scenario);
    return match ? [[row, match] as [A, B]] : [];
  });
}
