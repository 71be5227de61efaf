// The community run of the reference pipeline (8 scenarios, every stage's file) imported into our
// artifacts: each scenario converts, its seed database built through our path matches the
// reference's own database table by table, the spec passes our check (or we say why not), the 80
// verifiers convert, and import → export → import gives the same artifacts.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSpec } from '../stages/spec.js';
import { canonicalDump } from '../src/sqlite/canonical-dump.js';
import { findWallClockSql, pinWallClockSql } from '../src/sqlite/wall-clock-sql.js';
import { buildSeedDatabase } from '../src/sqlite/seed-database.js';
import { usableSchema } from '../src/sqlite/apply-schema.js';
import {
  buildReferenceSeed,
  exportReference,
  formatReferenceProblem,
  importReference,
  parseReferenceFiles,
  readReferenceFolder,
  type ImportedScenario,
  type ImportedVerifier,
  type ReferenceImport,
} from '../src/interop/index.js';
import { awmSamples } from './support/awm-samples.js';

const WORLD_CLOCK = '2026-03-02T09:00:00Z';

let cached: { folder: string; imported: ReferenceImport } | null | undefined;

function community(): { folder: string; imported: ReferenceImport } | null {
  if (cached === undefined) cached = loadCommunity();
  return cached;
}

function loadCommunity(): { folder: string; imported: ReferenceImport } | null {
  const samples = awmSamples('the community run of the reference pipeline');
  if (samples === null) return null;
  const folder = join(samples, 'community-run-8-scenarios');
  const run = readReferenceFolder(folder);
  if (!run.ok) throw new Error(run.error.map(formatReferenceProblem).join('\n'));
  return { folder, imported: importReference(run.value, { worldClock: WORLD_CLOCK }) };
}

/** The artifacts only (not `lost`, which says how they were made). */
function artifacts(scenario: ImportedScenario): unknown {
  const { lost: _lost, verifiers, ...rest } = scenario;
  return { ...rest, verifiers: [...verifiers] };
}

test('every scenario of the community run converts, with every part', () => {
  const loaded = community();
  if (loaded === null) return;
  const { scenarios, warnings } = loaded.imported;
  assert.is(scenarios.length, 8);
  assert.equal(warnings, []);
  for (const scenario of scenarios) {
    assert.is(scenario.row.id, scenario.id);
    assert.is(scenario.row.category, 'uncategorized');
    assert.is(scenario.tasks?.length, 10, scenario.id);
    assert.ok(scenario.schema && scenario.sample && scenario.spec && scenario.envCode, scenario.id);
    assert.is(scenario.verifiers.size, 10, scenario.id);
    assert.equal(
      [...scenario.verifiers.keys()],
      scenario.tasks!.map((task) => task.id),
    );
    const skipped = new Set(scenario.sample!.skipped_statements.map((skip) => skip.statement));
    for (const table of scenario.sample!.tables)
      for (const statement of table.insert_statements)
        if (!skipped.has(statement)) assert.equal(findWallClockSql(statement), [], statement);
  }
  const kinds = scenarios.flatMap((scenario) => scenario.tasks!.map((task) => task.kind));
  const count = (kind: string): number => kinds.filter((value) => value === kind).length;
  console.log(
    `  task kinds inferred: create ${count('create')}, update ${count('update')}, delete ${count('delete')}, question ${count('question')}`,
  );
  const rover = scenarios.find((scenario) => scenario.id === 'rover')!;
  assert.is(rover.tasks![0]!.kind, 'create'); // "Add a new pet record for my dog …"
  assert.is(rover.tasks![1]!.kind, 'question'); // "Search for dog walkers …"
});

test("the seed database built through our path has the reference database's tables and row counts", () => {
  const loaded = community();
  if (loaded === null) return;
  const lines: string[] = [];
  const rejections: string[] = [];
  const disagreements: string[] = [];
  for (const scenario of loaded.imported.scenarios) {
    const report = buildReferenceSeed(scenario.schema!, scenario.sample!);
    const reference = new Database(join(loaded.folder, 'databases', `${scenario.id}.db`), { readonly: true });
    let theirs: Record<string, number>;
    try {
      const names = reference
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all() as string[];
      theirs = Object.fromEntries(
        names.map((name) => [name, reference.prepare(`SELECT count(*) FROM "${name}"`).pluck().get() as number]),
      );
    } finally {
      reference.close();
    }
    const names = [...new Set([...Object.keys(theirs), ...Object.keys(report.tables)])].sort();
    const differing = names.filter((name) => theirs[name] !== report.tables[name]);
    const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
    const statements = scenario.sample!.tables.reduce((total, table) => total + table.insert_statements.length, 0);
    lines.push(
      `  ${scenario.id.padEnd(44)} tables ${String(Object.keys(report.tables).length).padStart(2)} / ${String(Object.keys(theirs).length).padStart(2)}` +
        `   rows ${String(sum(report.tables)).padStart(4)} / ${String(sum(theirs)).padStart(4)}` +
        `   statements ${String(statements).padStart(3)}, rejected ${report.rejected.length}` +
        `   ${differing.length === 0 ? 'agree' : `DIFFER: ${differing.map((name) => `${name} ${report.tables[name] ?? '-'}/${theirs[name] ?? '-'}`).join(', ')}`}`,
    );
    for (const dropped of report.droppedTables)
      rejections.push(`  ${scenario.id}: table ${dropped.table} left out: ${dropped.error}`);
    for (const rejected of report.rejected)
      rejections.push(
        `  ${scenario.id}: ${rejected.table}[${rejected.index}] ${rejected.error}\n      ${rejected.statement.slice(0, 160)}`,
      );
    if (differing.length > 0) disagreements.push(scenario.id);
  }
  console.log('  seed.db through our path vs the reference database (ours / theirs):');
  console.log(lines.join('\n'));
  console.log(
    rejections.length === 0 ? '  no statement rejected' : `  rejected by our path:\n${rejections.join('\n')}`,
  );
  assert.equal(disagreements, []);
});

test('placeholders say exactly what the wall clock said: the same rows as the raw inserts pinned to the world clock', () => {
  const loaded = community();
  if (loaded === null) return;
  const clock = new Date(WORLD_CLOCK);
  const run = readReferenceFolder(loaded.folder, ['gen_sample.jsonl', 'gen_db.jsonl']);
  if (!run.ok) return assert.unreachable('reads');
  for (const rows of run.value.scenarios) {
    const raw = {
      tables: rows.sample!.row.sample_data.tables.map((table) => ({
        table_name: table.table_name,
        reasoning: '',
        insert_statements: table.insert_statements.map((sql) => pinWallClockSql(sql, clock)),
      })),
    };
    const imported = loaded.imported.scenarios.find((scenario) => scenario.id === rows.id)!;
    const dumps = [raw, imported.sample!].map((sample) => {
      const build = buildSeedDatabase(imported.schema!, sample, clock);
      try {
        return canonicalDump(build.db);
      } finally {
        build.db.close();
      }
    });
    assert.ok(dumps[0]!.length > 1000);
    assert.is(dumps[1], dumps[0], rows.id);
  }
});

test("our spec check's verdict on each converted spec: only tables no endpoint reads, and SurveyMonkey's broken table", () => {
  const loaded = community();
  if (loaded === null) return;
  let passing = 0;
  for (const scenario of loaded.imported.scenarios) {
    const tables = usableSchema(scenario.schema!).tables.map((table) => table.name);
    const outcome = checkSpec(scenario.spec!, tables);
    passing += outcome.ok ? 1 : 0;
    const errors = outcome.ok ? [] : outcome.errors;
    const unread = errors.flatMap((error) => /^no tool reads table "(\w+)"/.exec(error)?.[1] ?? []);
    const other = errors.filter((error) => !/^no tool reads table/.test(error));
    console.log(
      `  spec ${scenario.id} (${scenario.spec!.tools.length} tools): ${outcome.ok ? 'passes' : 'fails'}` +
        (unread.length > 0 ? `; no tool reads ${unread.join(', ')}` : '') +
        (other.length > 0 ? `; ${other.map((error) => error.slice(0, 100)).join(' | ')}` : ''),
    );
    for (const error of other)
      assert.match(error, /^tool create_form_question: names table "form_questions"/, scenario.id);
  }
  console.log(`  ${passing} of ${loaded.imported.scenarios.length} converted specs pass our check`);
});

test('the 80 verifiers convert into the verifier contract', () => {
  const loaded = community();
  if (loaded === null) return;
  const verifiers = loaded.imported.scenarios.flatMap((scenario) => [
    ...scenario.verifiers.values(),
  ]) as ImportedVerifier[];
  assert.is(verifiers.length, 80);
  const modes = { code: 0, sql: 0 };
  for (const verifier of verifiers) {
    modes[verifier.source.mode] += 1;
    assert.equal(Object.keys(verifier), [
      'task_id',
      'kind',
      'task',
      'world_clock',
      'language',
      'function_name',
      'code_verifier',
      'fact_gatherer',
      'success_criteria',
      'failure_criteria',
      'reasoning',
      'source',
    ]);
    assert.is(verifier.language, 'python');
    assert.is(verifier.world_clock, WORLD_CLOCK);
    assert.ok(verifier.function_name !== '', verifier.task_id);
    assert.match(verifier.code_verifier + verifier.fact_gatherer, new RegExp(`def ${verifier.function_name}\\(`));
    assert.is(verifier.source.file, 'gen_verifier.jsonl');
  }
  console.log(`  verifiers: ${modes.code} code mode, ${modes.sql} sql mode`);
  assert.is(modes.code + modes.sql, 80);
});

test('import → export → import gives the same artifacts', () => {
  const loaded = community();
  if (loaded === null) return;
  const exported = exportReference(loaded.imported.scenarios);
  const texts = new Map([...exported].map(([file, lines]) => [file, lines.join('\n') + '\n']));
  const again = parseReferenceFiles(texts);
  if (!again.ok) return assert.unreachable(again.error.map(formatReferenceProblem).join('\n'));
  const second = importReference(again.value, { worldClock: WORLD_CLOCK });
  assert.equal(second.warnings, []);
  assert.equal(second.scenarios.map(artifacts), loaded.imported.scenarios.map(artifacts));
  console.log(`  round trip: ${second.scenarios.length} scenarios identical after import → export → import`);
});

test("export writes the reference's own fields faithfully: without our awm fields, they import to the same data", () => {
  const loaded = community();
  if (loaded === null) return;
  const exported = exportReference(loaded.imported.scenarios);
  const strip = (line: string): string => {
    const { awm: _awm, ...row } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(row);
  };
  const texts = new Map([...exported].map(([file, lines]) => [file, lines.map(strip).join('\n')]));
  const again = parseReferenceFiles(texts);
  if (!again.ok) return assert.unreachable(again.error.map(formatReferenceProblem).join('\n'));
  const second = importReference(again.value, { worldClock: WORLD_CLOCK });
  for (const [index, scenario] of second.scenarios.entries()) {
    const first = loaded.imported.scenarios[index]!;
    assert.equal(scenario.row, first.row);
    assert.equal(scenario.tasks, first.tasks);
    assert.equal(scenario.schema, first.schema);
    assert.is(scenario.envCode, first.envCode);
    assert.equal(scenario.spec, first.spec, `${scenario.id}: spec`);
    // Exported inserts are literals (the reference runs them raw): the same rows, not the same text.
    assert.equal(
      buildReferenceSeed(scenario.schema!, scenario.sample!).tables,
      buildReferenceSeed(first.schema!, first.sample!).tables,
    );
    for (const [taskId, verifier] of scenario.verifiers) {
      const before = first.verifiers.get(taskId) as ImportedVerifier;
      const after = verifier as ImportedVerifier;
      assert.equal({ ...after, source: null }, { ...before, source: null }, `${scenario.id} ${taskId}`);
    }
  }
});

test.run();
