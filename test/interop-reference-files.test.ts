// Reading the reference's JSONL files: rows joined by scenario and task_idx, the last of duplicate
// rows kept and counted, and every problem of bad input reported at once with its file and line.
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatReferenceProblem,
  importReference,
  readReferenceFolder,
  type ImportedVerifier,
} from '../src/interop/index.js';
import { awmSamples } from './support/awm-samples.js';

const WORLD_CLOCK = '2026-03-02T09:00:00Z';

function withFolder(files: Record<string, string>, body: (folder: string) => void): void {
  const folder = mkdtempSync(join(tmpdir(), 'awm-interop-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    body(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const lines = (...rows: unknown[]): string =>
  rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n';

test('bad input: every problem at once, each naming the file and line and what to do; nothing else returned', () => {
  withFolder(
    {
      'gen_scenario.jsonl': lines({ name: 'Pet Clinic', description: 'Vets and pets.' }),
      'gen_tasks.jsonl': lines(
        { scenario: 'Pet Clinic', tasks: ['How many pets are there?'] },
        '{"scenario": "Pet Clinic", "tasks": [',
        { tasks: ['Add a dog.'] },
        { scenario: 'Bike Shop', tasks: ['List bikes.'] },
      ),
      'gen_db.jsonl': lines({ scenario: 'Pet Clinic', db_schema: { tables: [{ name: 'pets', ddl: 42 }] } }),
      'gen_verifier.jsonl': lines(
        {
          scenario: 'pet_clinic',
          task_idx: 0,
          task: 'How many pets are there?',
          verification: { code: 'def f(): pass' },
        },
        { scenario: 'pet_clinic', task_idx: 3, task: 'x', verification: { code: 'def f(): pass' } },
      ),
    },
    (folder) => {
      const run = readReferenceFolder(folder);
      assert.not.ok(run.ok);
      if (run.ok) return;
      assert.equal(run.error.map(formatReferenceProblem), [
        'gen_tasks.jsonl:2: not valid JSON (Unexpected end of JSON input); each line must be one complete JSON object; fix or delete the line',
        'gen_tasks.jsonl:3: the row has no "scenario" field; add the scenario\'s name as "scenario"; rows are joined across files by it',
        'gen_db.jsonl:1: a field has the wrong type: /db_schema/tables/0/ddl must be string; give the fields the types the reference writes (see AWM-FACTS.md, "The reference\'s files")',
        'gen_tasks.jsonl:4: scenario "Bike Shop" (bike_shop) has no row in gen_scenario.jsonl; add its row to gen_scenario.jsonl, fix the name, or leave gen_scenario.jsonl out of the import',
        'gen_verifier.jsonl:2: task_idx 3 of pet_clinic, whose gen_tasks.jsonl row (line 1) has 1 tasks; fix task_idx (0-based) or the tasks row',
      ]);
      assert.equal(
        run.error.map((problem) => problem.code),
        ['malformed-json', 'missing-scenario', 'wrong-type', 'unknown-scenario', 'unknown-task'],
      );
    },
  );
});

test('a verifier of a scenario without tasks, and a folder without reference files, are problems too', () => {
  withFolder(
    {
      'gen_tasks.jsonl': lines({ scenario: 'Pet Clinic', tasks: ['How many pets are there?'] }),
      'gen_verifier.pure_code.jsonl': lines({
        scenario: 'Bike Shop',
        task_idx: 0,
        task: 't',
        verification: { code: '' },
      }),
    },
    (folder) => {
      const run = readReferenceFolder(folder);
      assert.equal(run.ok ? [] : run.error.map(formatReferenceProblem), [
        'gen_verifier.pure_code.jsonl:1: verifier for scenario "Bike Shop" (bike_shop), which has no row in gen_tasks.jsonl; ' +
          "add the scenario's tasks to gen_tasks.jsonl, or leave gen_tasks.jsonl out of the import",
      ]);
    },
  );
  withFolder({ 'notes.txt': 'nothing' }, (folder) => {
    const run = readReferenceFolder(folder);
    assert.equal(run.ok ? [] : run.error.map((problem) => [problem.code, problem.line]), [['no-files', null]]);
  });
});

test('rows are joined by the normalized scenario and task_idx, not by line order', () => {
  withFolder(
    {
      'gen_scenario.jsonl': lines(
        { name: 'Bike Shop', description: 'Bikes.' },
        { name: 'Pet Clinic (Vets)', description: 'Vets and pets.' },
      ),
      'gen_tasks.jsonl': lines(
        { scenario: 'Pet Clinic (Vets)', tasks: ['How many pets are there?', 'Delete the pet named Rex.'] },
        { scenario: 'bike_shop', tasks: ['Create a bike named Swift.'] },
      ),
      'gen_verifier.jsonl': lines(
        {
          scenario: 'pet_clinic_vets',
          task_idx: 1,
          task: 'Delete the pet named Rex.',
          verification: { code: 'def verify_b(): pass' },
        },
        {
          scenario: 'pet_clinic_vets',
          task_idx: 0,
          task: 'How many pets are there?',
          verification: { code: 'def verify_a(): pass' },
        },
      ),
    },
    (folder) => {
      const run = readReferenceFolder(folder);
      if (!run.ok) return assert.unreachable(run.error.map(formatReferenceProblem).join('\n'));
      const { scenarios } = importReference(run.value, { worldClock: WORLD_CLOCK });
      assert.equal(
        scenarios.map((scenario) => scenario.id),
        ['bike_shop', 'pet_clinic_vets'],
      );
      const pets = scenarios[1]!;
      assert.equal(pets.tasks, [
        { id: 'task_00', kind: 'question', text: 'How many pets are there?' },
        { id: 'task_01', kind: 'delete', text: 'Delete the pet named Rex.' },
      ]);
      const verifiers = [...pets.verifiers.values()] as ImportedVerifier[];
      assert.equal(
        verifiers.map((verifier) => [verifier.task_id, verifier.function_name, verifier.kind]),
        [
          ['task_00', 'verify_a', 'question'],
          ['task_01', 'verify_b', 'delete'],
        ],
      );
      assert.equal(scenarios[0]!.tasks?.[0]?.kind, 'create');
    },
  );
});

test('a row in both verifier files: the pure_code row is kept, and counted', () => {
  const row = (code: string): unknown => ({
    scenario: 'Pet Clinic',
    task_idx: 0,
    task: 'How many pets?',
    verification: { code },
  });
  withFolder(
    {
      'gen_tasks.jsonl': lines({ scenario: 'Pet Clinic', tasks: ['How many pets?'] }),
      'gen_verifier.jsonl': lines(row('def verify_sql_version(): pass')),
      'gen_verifier.pure_code.jsonl': lines(row('def verify_code_version(): pass')),
    },
    (folder) => {
      const run = readReferenceFolder(folder);
      if (!run.ok) return assert.unreachable(run.error.map(formatReferenceProblem).join('\n'));
      assert.equal(
        run.value.warnings.map((warning) => [warning.code, warning.file, warning.count]),
        [['duplicate-rows', 'gen_verifier.pure_code.jsonl', 1]],
      );
      const verifier = importReference(run.value, { worldClock: WORLD_CLOCK }).scenarios[0]!.verifiers.get('task_00');
      assert.is((verifier as ImportedVerifier).function_name, 'verify_code_version');
    },
  );
});

test('awm-1k: its gen_scenario rows name other scenarios than its tasks, which is reported row by row', () => {
  const samples = awmSamples('the first rows of AgentWorldModel-1K');
  if (samples === null) return;
  const run = readReferenceFolder(join(samples, 'awm-1k-first-rows'));
  assert.not.ok(run.ok);
  if (run.ok) return;
  assert.is(run.error.length, 9); // 3 gen_tasks rows, 3 gen_db rows, 3 verifier rows
  assert.ok(run.error.every((problem) => problem.code === 'unknown-scenario'));
  assert.is(
    formatReferenceProblem(run.error[0]!),
    'gen_tasks.jsonl:1: scenario "e_commerce_33" (e_commerce_33) has no row in gen_scenario.jsonl; ' +
      'add its row to gen_scenario.jsonl, fix the name, or leave gen_scenario.jsonl out of the import',
  );
});

test('awm-1k: duplicate verifier rows (the official file has 476) — the last row wins, and they are counted', () => {
  const samples = awmSamples('the first rows of AgentWorldModel-1K');
  if (samples === null) return;
  const source = join(samples, 'awm-1k-first-rows');
  const folder = mkdtempSync(join(tmpdir(), 'awm-interop-1k-'));
  try {
    for (const name of ['gen_tasks.jsonl', 'gen_db.jsonl', 'gen_verifier.pure_code.jsonl'])
      copyFileSync(join(source, name), join(folder, name));
    const verifierFile = join(folder, 'gen_verifier.pure_code.jsonl');
    const original = readFileSync(verifierFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    // Rows 4 and 5 repeat tasks 0 and 2 with other code, as the official file's duplicates do.
    const repeat = (line: string, marker: string): string => {
      const row = JSON.parse(line) as { verification: { code: string } };
      row.verification.code = `${row.verification.code}\n# ${marker}\n`;
      return JSON.stringify(row);
    };
    appendFileSync(
      verifierFile,
      `${repeat(original[0]!, 'second version of task 0')}\n${repeat(original[2]!, 'second version of task 2')}\n`,
    );
    const run = readReferenceFolder(folder);
    if (!run.ok) return assert.unreachable(run.error.map(formatReferenceProblem).join('\n'));
    assert.equal(run.value.warnings, [
      {
        code: 'duplicate-rows',
        file: 'gen_verifier.pure_code.jsonl',
        scenario: null,
        message: '2 row(s) repeat the scenario and task_idx of an earlier row; the last row of each was kept',
        count: 2,
      },
    ]);
    const imported = importReference(run.value, { worldClock: WORLD_CLOCK });
    assert.equal(
      imported.scenarios.map((scenario) => [scenario.id, scenario.row.category, scenario.tasks?.length]),
      [
        ['e_commerce_33', 'e_commerce', 10],
        ['content_platform_1', 'content_platform', 10],
        ['code_hosting_2', 'code_hosting', 10],
      ],
    );
    const shop = imported.scenarios[0]!;
    const verifiers = [...shop.verifiers.values()] as ImportedVerifier[];
    assert.equal(
      verifiers.map((verifier) => [verifier.task_id, verifier.source.line, verifier.source.mode]),
      [
        ['task_00', 4, 'code'],
        ['task_01', 2, 'code'],
        ['task_02', 5, 'code'],
      ],
    );
    assert.match(verifiers[0]!.code_verifier, /# second version of task 0/);
    assert.match(verifiers[2]!.code_verifier, /# second version of task 2/);
    assert.not.match(verifiers[1]!.code_verifier, /second version/);
    for (const verifier of verifiers) {
      assert.is(verifier.function_name, 'verify_task_completion');
      assert.is(verifier.reasoning, `imported from gen_verifier.pure_code.jsonl:${verifier.source.line}`);
      assert.is(verifier.task, shop.tasks![Number(verifier.task_id.slice(5))]!.text);
      assert.is(verifier.fact_gatherer, '');
    }
    assert.is(shop.row.description, '');
    assert.ok(shop.lost.includes('scenario: no gen_scenario.jsonl row, so no description; category from the id'));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
