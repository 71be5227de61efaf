// The joined reference rows of each scenario converted into our artifacts. Where a row carries an
// `awm` field (we exported it), that artifact is used as it was — but only when the reference
// fields are exactly what export writes from it, so a hand-edited file wins (with a warning).
import { buildSeedDatabase } from '../sqlite/seed-database.js';
import type { SchemaAnswer } from '../sqlite/apply-schema.js';
import type { SampleTable } from '../sqlite/sample-inserts.js';
import type { ScenarioRow, TaskRow } from '../synthesis/artifacts.js';
import type { ToolSpecFile } from '../synthesis/tool-spec.js';
import { canonicalJson } from '../util/canonical-json.js';
import { isRecord } from '../util/is-record.js';
import { exportSampleTables, exportedScenario, exportedVerifierRow } from './reference-row-writers.js';
import type { ImportedScenario, SampleFile, VerifierFile } from './imported-scenario.js';
import type { ImportWarning, Located, ReferenceRun, ScenarioRows } from './reference-files.js';
import type { ReferenceSample, ReferenceSpec, ReferenceTasks } from './reference-rows.js';
import { pinSampleStatement } from './sample-time.js';
import { endpointsFromTools, toolsFromEndpoints } from './spec-conversion.js';
import { inferTaskKind } from './task-kind.js';
import { importVerifier, parseRawResponse } from './verifier-conversion.js';

export interface ImportOptions {
  /** The world clock (ISO 8601 instant, e.g. the pipeline's `world_clock`): "now" of the imported worlds. */
  readonly worldClock: string;
}

export interface ReferenceImport {
  readonly scenarios: readonly ImportedScenario[];
  readonly warnings: readonly ImportWarning[];
}

export function importReference(run: ReferenceRun, options: ImportOptions): ReferenceImport {
  const clock = new Date(options.worldClock);
  if (Number.isNaN(clock.getTime()))
    throw new Error(`internal error: world clock "${options.worldClock}" is not an instant`);
  const warnings: ImportWarning[] = [...run.warnings];
  const scenarios = run.scenarios.map((rows) => importScenario(rows, options.worldClock, clock, warnings));
  return { scenarios, warnings };
}

function importScenario(
  rows: ScenarioRows,
  worldClock: string,
  clock: Date,
  warnings: ImportWarning[],
): ImportedScenario {
  const lost: string[] = [];
  const stale = (file: string): void => {
    const message = `the "awm" field no longer matches the reference fields (edited after export?); converted from the reference fields`;
    warnings.push({ code: 'stale-awm-field', file, scenario: rows.id, message });
  };
  const row = scenarioRow(rows, lost, stale);
  const tasks = rows.tasks ? taskRows(rows.tasks, lost, stale) : null;
  const schema = rows.db ? schemaOf(rows.db.row.db_schema) : null;
  if (rows.db?.row.db_path !== undefined)
    lost.push('schema: db_path dropped (our seed.db sits in the artifact folder)');
  const sample = rows.sample ? sampleOf(rows.sample, schema, worldClock, clock, lost, stale) : null;
  const spec = rows.spec ? specOf(rows.spec, lost, stale) : null;
  if (rows.env)
    lost.push('env: the Python FastAPI code is kept as text only; our env stage regenerates handlers from the spec');
  const verifiers = verifiersOf(rows, tasks, worldClock, lost, warnings, stale);
  return { id: rows.id, row, tasks, schema, sample, spec, envCode: rows.env?.row.full_code ?? null, verifiers, lost };
}

function awmField(row: { readonly awm?: unknown }, name: string): unknown {
  return isRecord(row.awm) ? row.awm[name] : undefined;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function scenarioRow(rows: ScenarioRows, lost: string[], stale: (file: string) => void): ScenarioRow {
  const located = rows.scenario;
  if (located === null) {
    lost.push('scenario: no gen_scenario.jsonl row, so no description; category from the id');
    return { id: rows.id, name: anyName(rows), category: categoryOf(rows.id, undefined), description: '' };
  }
  const kept = awmField(located.row, 'scenario');
  if (kept !== undefined) {
    const fromAwm = kept as ScenarioRow;
    if (same(exportedScenario(fromAwm), withoutAwm(located.row))) return fromAwm;
    stale(located.file);
  }
  const categories = (located.row as { categories?: unknown }).categories;
  const extra = Object.keys(located.row).filter((key) => key !== 'name' && key !== 'description' && key !== 'awm');
  if (extra.length > 0) lost.push(`scenario: fields not kept: ${extra.join(', ')}`);
  return {
    id: rows.id,
    name: located.row.name,
    category: categoryOf(rows.id, categories),
    description: located.row.description,
  };
}

function withoutAwm<T extends { readonly awm?: unknown }>(row: T): Omit<T, 'awm'> {
  const { awm: _awm, ...rest } = row;
  return rest;
}

/** The name as some file spells it (the first that has the scenario). */
function anyName(rows: ScenarioRows): string {
  const located = rows.tasks ?? rows.db ?? rows.sample ?? rows.spec ?? rows.env ?? [...rows.verifiers.values()][0];
  return located?.row.scenario ?? rows.id;
}

/** `e_commerce_33` → `e_commerce`; else the reference's first category (seed rows); else `uncategorized`. */
function categoryOf(id: string, categories: unknown): string {
  const prefix = /^([a-z][a-z0-9_]*?)_\d+$/.exec(id)?.[1];
  if (prefix !== undefined) return prefix;
  if (Array.isArray(categories) && typeof categories[0] === 'string' && categories[0] !== '') return categories[0];
  return 'uncategorized';
}

/** `task_00`…; wider when there are 100 or more tasks (as our tasks stage numbers them). */
export function taskId(index: number, count: number): string {
  const width = Math.max(2, String(Math.max(count, 1) - 1).length);
  return `task_${String(index).padStart(width, '0')}`;
}

function taskRows(located: Located<ReferenceTasks>, lost: string[], stale: (file: string) => void): TaskRow[] {
  const kept = awmField(located.row, 'tasks');
  if (kept !== undefined) {
    const fromAwm = kept as TaskRow[];
    if (
      same(
        fromAwm.map((task) => task.text),
        located.row.tasks,
      )
    )
      return fromAwm;
    stale(located.file);
  }
  lost.push('tasks: kind inferred from the wording (the reference has none)');
  const count = located.row.tasks.length;
  return located.row.tasks.map((text, index) => ({ id: taskId(index, count), kind: inferTaskKind(text), text }));
}

function schemaOf(schema: {
  readonly tables: readonly { name: string; ddl: string; indexes?: string[] }[];
}): SchemaAnswer {
  return { tables: schema.tables.map((table) => ({ name: table.name, ddl: table.ddl, indexes: table.indexes ?? [] })) };
}

function sampleOf(
  located: Located<ReferenceSample>,
  schema: SchemaAnswer | null,
  worldClock: string,
  clock: Date,
  lost: string[],
  stale: (file: string) => void,
): SampleFile {
  const kept = awmField(located.row, 'sample');
  if (kept !== undefined) {
    const fromAwm = kept as SampleFile;
    if (same(exportSampleTables(fromAwm), located.row.sample_data.tables)) return fromAwm;
    stale(located.file);
  }
  let placeholders = 0;
  let pinned = 0;
  const tables: SampleTable[] = located.row.sample_data.tables.map((table) => ({
    table_name: table.table_name,
    reasoning: table.reasoning ?? '',
    insert_statements: table.insert_statements.map((statement) => {
      const result = pinSampleStatement(statement, clock);
      placeholders += result.placeholders;
      pinned += result.pinnedLiteral ? 1 : 0;
      return result.statement;
    }),
  }));
  lost.push(
    `sample: ${placeholders} wall-clock reading(s) became {{now…}}/{{today…}} placeholders, ${pinned} statement(s) ` +
      'had readings pinned to the world clock as a literal instant; tables_count/inserts_count dropped',
  );
  return { world_clock: worldClock, tables, skipped_statements: skipped(schema, tables, clock) };
}

/** The statements our seed path refuses or SQLite rejects, as the sample stage records them. */
function skipped(
  schema: SchemaAnswer | null,
  tables: readonly SampleTable[],
  clock: Date,
): SampleFile['skipped_statements'] {
  if (schema === null) return [];
  const build = buildSeedDatabase(schema, { tables }, clock);
  try {
    return build.statements.flatMap(({ table, index, statement, error }) =>
      error === null ? [] : [{ table_name: table, index, statement, error }],
    );
  } finally {
    build.db.close();
  }
}

function specOf(located: Located<ReferenceSpec>, lost: string[], stale: (file: string) => void): ToolSpecFile {
  const kept = awmField(located.row, 'spec');
  if (kept !== undefined) {
    const fromAwm = kept as ToolSpecFile;
    if (same(endpointsFromTools(fromAwm), located.row.api_spec)) return fromAwm;
    stale(located.file);
  }
  const converted = toolsFromEndpoints(located.row.api_spec);
  lost.push(...converted.lost);
  return converted.spec;
}

function verifiersOf(
  rows: ScenarioRows,
  tasks: readonly TaskRow[] | null,
  worldClock: string,
  lost: string[],
  warnings: ImportWarning[],
  stale: (file: string) => void,
): Map<string, VerifierFile> {
  const verifiers = new Map<string, VerifierFile>();
  const count = tasks?.length ?? Math.max(0, ...rows.verifiers.keys()) + 1;
  let dropped = false;
  for (const [index, located] of rows.verifiers) {
    const id = tasks?.[index]?.id ?? taskId(index, count);
    const kept = awmField(located.row, 'verifier');
    if (kept !== undefined) {
      if (same(exportedVerifierRow(kept as VerifierFile, rows.id, index), withoutAwm(located.row))) {
        verifiers.set(id, kept as VerifierFile);
        continue;
      }
      stale(located.file);
    }
    const task = tasks?.[index];
    const text = located.row.task ?? task?.text ?? '';
    if (task !== undefined && located.row.task !== undefined && task.text !== located.row.task) {
      const message = `verifier of ${id} (line ${located.line}) quotes a task text different from gen_tasks.jsonl; the verifier keeps its own`;
      warnings.push({ code: 'task-text-differs', file: located.file, scenario: rows.id, message });
    }
    const raw = parseRawResponse(located.row.verification.raw_response);
    dropped ||= 'verification_strategy' in raw || 'key_checks' in raw;
    const context = {
      taskId: id,
      kind: task?.kind ?? inferTaskKind(text),
      task: text,
      worldClock,
      file: located.file,
      line: located.line,
    };
    verifiers.set(id, importVerifier(located.row, context));
  }
  if (dropped) lost.push('verifiers: raw_response fields verification_strategy and key_checks not kept');
  return verifiers;
}
