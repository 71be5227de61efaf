// Reads the reference system's JSONL files (any subset) and joins their rows per scenario: by the
// normalized scenario name and, for verifiers, `task_idx` — never by line order. A later row with
// the same key replaces an earlier one (the official verifier file repeats 476 keys); the count is
// a warning. Every problem is collected and returned at once; nothing is returned half-way.
//
// "Unknown scenario", precisely: when gen_scenario.jsonl is read, a row of any other file whose
// scenario it has no row for; when gen_tasks.jsonl is read, a verifier row whose scenario has no
// gen_tasks row, or whose task_idx is past the end of that row's tasks.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioId } from '../synthesis/scenario-id.js';
import type { ScenarioId } from '../util/brand.js';
import { err, ok, type Result } from '../util/result.js';
import {
  REFERENCE_FILES,
  rowShapeProblem,
  scenarioField,
  type ReferenceDb,
  type ReferenceEnv,
  type ReferenceFileName,
  type ReferenceSample,
  type ReferenceScenario,
  type ReferenceSpec,
  type ReferenceTasks,
  type ReferenceVerifier,
} from './reference-rows.js';

/** A row with the file and 1-based line it came from. */
export interface Located<T> {
  readonly file: ReferenceFileName;
  readonly line: number;
  readonly row: T;
}

export type ReferenceProblemCode =
  'no-files' | 'malformed-json' | 'missing-scenario' | 'wrong-type' | 'unknown-scenario' | 'unknown-task';

export interface ReferenceProblem {
  readonly code: ReferenceProblemCode;
  readonly file: string;
  /** 1-based; null for a problem of the folder as a whole. */
  readonly line: number | null;
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

export interface ImportWarning {
  readonly code: 'duplicate-rows' | 'stale-awm-field' | 'task-text-differs';
  readonly file: string;
  readonly scenario: string | null;
  readonly message: string;
  /** For duplicate-rows: how many earlier rows a later one replaced. */
  readonly count?: number;
}

export interface ScenarioRows {
  readonly id: ScenarioId;
  readonly scenario: Located<ReferenceScenario> | null;
  readonly tasks: Located<ReferenceTasks> | null;
  readonly db: Located<ReferenceDb> | null;
  readonly sample: Located<ReferenceSample> | null;
  readonly spec: Located<ReferenceSpec> | null;
  readonly env: Located<ReferenceEnv> | null;
  /** By task_idx, in task_idx order. */
  readonly verifiers: ReadonlyMap<number, Located<ReferenceVerifier>>;
}

export interface ReferenceRun {
  readonly files: readonly ReferenceFileName[];
  readonly scenarios: readonly ScenarioRows[];
  readonly warnings: readonly ImportWarning[];
}

/** `gen_tasks.jsonl:12: the row has no "scenario" field (add …)` */
export function formatReferenceProblem(problem: ReferenceProblem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.message}; ${problem.hint}`;
}

/** Reads the files of `folder` (those of `only`, or every reference file present). */
export function readReferenceFolder(
  folder: string,
  only: readonly ReferenceFileName[] = REFERENCE_FILES,
): Result<ReferenceRun, ReferenceProblem[]> {
  const texts = new Map<ReferenceFileName, string>();
  for (const file of only) {
    const path = join(folder, file);
    if (existsSync(path)) texts.set(file, readFileSync(path, 'utf8'));
  }
  if (texts.size === 0) {
    const hint = `put one or more of ${REFERENCE_FILES.join(', ')} there`;
    return err([{ code: 'no-files', file: folder, line: null, message: 'no reference files in this folder', hint }]);
  }
  return parseReferenceFiles(texts);
}

type AnyRow = { readonly [field: string]: unknown };

/** The rows of each file, parsed, checked and joined. */
export function parseReferenceFiles(
  texts: ReadonlyMap<ReferenceFileName, string>,
): Result<ReferenceRun, ReferenceProblem[]> {
  const problems: ReferenceProblem[] = [];
  const warnings: ImportWarning[] = [];
  const rows = new Map<ReferenceFileName, Map<string, Located<AnyRow>>>();
  const files = REFERENCE_FILES.filter((file) => texts.has(file));
  for (const file of files) {
    const parsed = parseFile(file, texts.get(file) ?? '', problems);
    const byKey = new Map<string, Located<AnyRow>>();
    let replaced = 0;
    for (const located of parsed) {
      const key = rowKey(file, located.row);
      if (byKey.has(key)) replaced += 1;
      byKey.delete(key); // a replacing row also takes the later place
      byKey.set(key, located);
    }
    if (replaced > 0) warnings.push(duplicateWarning(file, replaced));
    rows.set(file, byKey);
  }
  const overlap = crossFileVerifiers(rows);
  if (overlap > 0) warnings.push(crossFileWarning(overlap));
  problems.push(...unknownScenarios(rows), ...unknownTasks(rows));
  if (problems.length > 0) return err(problems);
  return ok({ files, scenarios: joinScenarios(files, rows), warnings });
}

function parseFile(file: ReferenceFileName, text: string, problems: ReferenceProblem[]): Located<AnyRow>[] {
  const found: Located<AnyRow>[] = [];
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(content);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const hint = 'each line must be one complete JSON object; fix or delete the line';
      problems.push({ code: 'malformed-json', file, line, message: `not valid JSON (${reason})`, hint });
      return;
    }
    const field = scenarioField(file);
    const value = (row as AnyRow | null)?.[field];
    if (typeof row === 'object' && row !== null && !Array.isArray(row) && (value === undefined || value === '')) {
      const hint = `add the scenario's name as "${field}"; rows are joined across files by it`;
      problems.push({ code: 'missing-scenario', file, line, message: `the row has no "${field}" field`, hint });
      return;
    }
    const shape = rowShapeProblem(file, row);
    if (shape !== null) {
      const hint = 'give the fields the types the reference writes (see AWM-FACTS.md, "The reference\'s files")';
      problems.push({ code: 'wrong-type', file, line, message: `a field has the wrong type: ${shape}`, hint });
      return;
    }
    found.push({ file, line, row: row as AnyRow });
  });
  return found;
}

function scenarioOf(file: ReferenceFileName, row: AnyRow): ScenarioId {
  return scenarioId(String(row[scenarioField(file)]));
}

function isVerifierFile(file: ReferenceFileName): boolean {
  return file === 'gen_verifier.jsonl' || file === 'gen_verifier.pure_code.jsonl';
}

function rowKey(file: ReferenceFileName, row: AnyRow): string {
  const id = scenarioOf(file, row);
  return isVerifierFile(file) ? `${id}\u0000${String(row['task_idx'])}` : id;
}

function duplicateWarning(file: ReferenceFileName, count: number): ImportWarning {
  const what = isVerifierFile(file) ? 'scenario and task_idx' : 'scenario';
  const message = `${count} row(s) repeat the ${what} of an earlier row; the last row of each was kept`;
  return { code: 'duplicate-rows', file, scenario: null, message, count };
}

/** Keys present in both verifier files (the pure_code row is kept). */
function crossFileVerifiers(rows: ReadonlyMap<ReferenceFileName, Map<string, Located<AnyRow>>>): number {
  const pure = rows.get('gen_verifier.pure_code.jsonl');
  return pure ? [...(rows.get('gen_verifier.jsonl')?.keys() ?? [])].filter((key) => pure.has(key)).length : 0;
}

function crossFileWarning(count: number): ImportWarning {
  const message = `${count} row(s) have the scenario and task_idx of a gen_verifier.jsonl row; the gen_verifier.pure_code.jsonl row was kept`;
  return { code: 'duplicate-rows', file: 'gen_verifier.pure_code.jsonl', scenario: null, message, count };
}

function unknownScenarios(rows: ReadonlyMap<ReferenceFileName, Map<string, Located<AnyRow>>>): ReferenceProblem[] {
  const known = rows.get('gen_scenario.jsonl');
  if (!known) return [];
  const problems: ReferenceProblem[] = [];
  for (const [file, byKey] of rows) {
    if (file === 'gen_scenario.jsonl') continue;
    for (const { line, row } of byKey.values()) {
      const id = scenarioOf(file, row);
      if (known.has(id)) continue;
      const name = String(row['scenario']);
      problems.push({
        code: 'unknown-scenario',
        file,
        line,
        message: `scenario "${name}" (${id}) has no row in gen_scenario.jsonl`,
        hint: 'add its row to gen_scenario.jsonl, fix the name, or leave gen_scenario.jsonl out of the import',
      });
    }
  }
  return problems;
}

function unknownTasks(rows: ReadonlyMap<ReferenceFileName, Map<string, Located<AnyRow>>>): ReferenceProblem[] {
  const tasks = rows.get('gen_tasks.jsonl');
  if (!tasks) return [];
  const problems: ReferenceProblem[] = [];
  for (const file of ['gen_verifier.jsonl', 'gen_verifier.pure_code.jsonl'] as const) {
    for (const { line, row } of rows.get(file)?.values() ?? []) {
      const id = scenarioOf(file, row);
      const taskRow = tasks.get(id);
      const index = Number(row['task_idx']);
      if (taskRow === undefined) {
        problems.push({
          code: 'unknown-scenario',
          file,
          line,
          message: `verifier for scenario "${String(row['scenario'])}" (${id}), which has no row in gen_tasks.jsonl`,
          hint: "add the scenario's tasks to gen_tasks.jsonl, or leave gen_tasks.jsonl out of the import",
        });
      } else if (index >= (taskRow.row['tasks'] as unknown[]).length) {
        const count = (taskRow.row['tasks'] as unknown[]).length;
        problems.push({
          code: 'unknown-task',
          file,
          line,
          message: `task_idx ${index} of ${id}, whose gen_tasks.jsonl row (line ${taskRow.line}) has ${count} tasks`,
          hint: 'fix task_idx (0-based) or the tasks row',
        });
      }
    }
  }
  return problems;
}

function joinScenarios(
  files: readonly ReferenceFileName[],
  rows: ReadonlyMap<ReferenceFileName, Map<string, Located<AnyRow>>>,
): ScenarioRows[] {
  const order: ScenarioId[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    for (const { row } of rows.get(file)?.values() ?? []) {
      const id = scenarioOf(file, row);
      if (!seen.has(id)) order.push(id);
      seen.add(id);
    }
  }
  const one = <T>(file: ReferenceFileName, id: ScenarioId): Located<T> | null =>
    (rows.get(file)?.get(id) as Located<T> | undefined) ?? null;
  return order.map((id) => ({
    id,
    scenario: one<ReferenceScenario>('gen_scenario.jsonl', id),
    tasks: one<ReferenceTasks>('gen_tasks.jsonl', id),
    db: one<ReferenceDb>('gen_db.jsonl', id),
    sample: one<ReferenceSample>('gen_sample.jsonl', id),
    spec: one<ReferenceSpec>('gen_spec.jsonl', id),
    env: one<ReferenceEnv>('gen_envs.jsonl', id),
    verifiers: verifiersOf(rows, id),
  }));
}

/** Both verifier files, gen_verifier.jsonl first: a pure_code row replaces one with the same key. */
function verifiersOf(
  rows: ReadonlyMap<ReferenceFileName, Map<string, Located<AnyRow>>>,
  id: ScenarioId,
): Map<number, Located<ReferenceVerifier>> {
  const found = new Map<number, Located<ReferenceVerifier>>();
  for (const file of ['gen_verifier.jsonl', 'gen_verifier.pure_code.jsonl'] as const) {
    for (const located of rows.get(file)?.values() ?? []) {
      if (scenarioOf(file, located.row) === id)
        found.set(Number(located.row['task_idx']), located as unknown as Located<ReferenceVerifier>);
    }
  }
  return new Map([...found].sort(([a], [b]) => a - b));
}
