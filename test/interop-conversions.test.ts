// The conversions one at a time: task kinds from wording, wall-clock SQL into placeholders, endpoints
// into tools and back, verifier modes; and our own artifacts (JavaScript verifiers, placeholders,
// tools of our spec stage) exported and imported back unchanged.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildReferenceSeed,
  exportReference,
  formatReferenceProblem,
  importReference,
  parseReferenceFiles,
  type ImportedVerifier,
  type ScenarioArtifacts,
} from '../src/interop/index.js';
import type { ReferenceFileName } from '../src/interop/reference-rows.js';
import { pinSampleStatement } from '../src/interop/sample-time.js';
import { endpointsFromTools, toolsFromEndpoints } from '../src/interop/spec-conversion.js';
import { inferTaskKind } from '../src/interop/task-kind.js';
import { importVerifier } from '../src/interop/verifier-conversion.js';

const WORLD_CLOCK = '2026-03-02T09:00:00Z';
const CLOCK = new Date(WORLD_CLOCK);

test('task kinds: the earliest action word decides', () => {
  const cases: [string, string][] = [
    ['How many open orders do I have?', 'question'],
    ['Find the top 5 listings by revenue and return their ids.', 'question'],
    ['Create a coupon SPRING20 and return its id.', 'create'],
    ['Add a new pet record for my dog named Milo.', 'create'],
    ['Update my campaign goal to 15000 USD.', 'update'],
    ['Cancel order BB-10501 with reason store_closed.', 'update'],
    ['Delete the draft envelope named Test.', 'delete'],
    ['Unassign the current driver from order BB-10482.', 'delete'],
    ['For order 90517, change the fulfillment status to fulfilled.', 'update'],
  ];
  for (const [text, kind] of cases) assert.is(inferTaskKind(text), kind, text);
});

test("wall-clock readings become placeholders where one says the same, else the world clock's instant", () => {
  const pin = (sql: string): string => pinSampleStatement(sql, CLOCK).statement;
  assert.is(
    pin("INSERT INTO t (a, b) VALUES (datetime('now','-3 days'), datetime('now', '-2 hours', '+30 minutes'))"),
    "INSERT INTO t (a, b) VALUES ('{{now-3d}}', '{{now-2h+30m}}')",
  );
  assert.is(pin("INSERT INTO t (a) VALUES (date('now', '+7 days'))"), "INSERT INTO t (a) VALUES ('{{today+7d}}')");
  assert.is(
    pin('INSERT INTO t (a, b) VALUES (CURRENT_TIMESTAMP, current_date)'),
    "INSERT INTO t (a, b) VALUES ('{{now}}', '{{today}}')",
  );
  assert.is(pin("INSERT INTO t (a) VALUES (datetime('now'))"), "INSERT INTO t (a) VALUES ('{{now}}')");
  // No placeholder for a date of an hour offset, months or 'start of day': pinned inside the expression.
  assert.is(
    pin("INSERT INTO t (a) VALUES (date('now', '-3 hours'))"),
    "INSERT INTO t (a) VALUES (date('2026-03-02 09:00:00', '-3 hours'))",
  );
  const startOfDay = pinSampleStatement("INSERT INTO t (a) VALUES (datetime('now','start of day','+9 hours'))", CLOCK);
  assert.equal(startOfDay, {
    statement: "INSERT INTO t (a) VALUES (datetime('2026-03-02 09:00:00','start of day','+9 hours'))",
    placeholders: 0,
    pinnedLiteral: true,
  });
  // Text that only looks like SQL stays as it is.
  const quoted = "INSERT INTO t (a) VALUES ('call datetime(''now'', ''-1 day'') at CURRENT_TIMESTAMP')";
  assert.equal(pinSampleStatement(quoted, CLOCK), { statement: quoted, placeholders: 0, pinnedLiteral: false });
});

const ENDPOINT = {
  path: '/api/pets/{pet_id}',
  method: 'PATCH',
  summary: 'Update a pet',
  description: 'Changes the name or weight of a pet.',
  operation_id: 'update_pet',
  tags: ['pets'],
  request_params: {
    pet_id: { type: 'integer', param_type: 'path', required: true, description: 'The pet', example: 7 },
    weight_kg: { type: 'float', param_type: 'body', required: false, description: 'Weight', example: 12.5 },
  },
  response: {
    id: { type: 'integer', description: 'Pet id', example: 7 },
    vaccines: {
      type: 'array',
      description: 'Vaccines',
      items: { name: { type: 'string', description: 'Name', example: 'rabies' } },
    },
  },
  required_tables: ['pets'],
  required_fields: { pets: ['id', 'weight_kg'] },
};

test('an endpoint becomes a tool (float → number, optional → nullable, param_type kept) and is written back as it was', () => {
  const apiSpec = { api_groups: [{ group_name: 'Pets', endpoints: [ENDPOINT] }] };
  const { spec } = toolsFromEndpoints(apiSpec);
  const tool = spec.tools[0]!;
  assert.is(tool.name, 'update_pet');
  assert.is(tool.description, 'Update a pet\n\nChanges the name or weight of a pet.');
  assert.equal(tool.input_schema['properties'], {
    pet_id: { type: 'integer', description: 'The pet', 'x-param-type': 'path' },
    weight_kg: { type: ['number', 'null'], description: 'Weight', 'x-param-type': 'body' },
  });
  assert.equal(tool.input_schema['required'], ['pet_id']);
  assert.equal(tool.examples, [{ pet_id: 7, weight_kg: 12.5 }]);
  assert.is(tool.output_description, '{ id, vaccines: [{ name }] }');
  assert.equal(tool.errors, [{ code: 'not_found', when: 'no record matches pet_id' }]);
  assert.equal([tool.tables_read, tool.tables_written], [['pets'], ['pets']]);
  assert.equal(endpointsFromTools(spec), apiSpec);
});

test('verifier modes: sql rows keep their criteria as the fact gatherer; an empty raw_response names the first def', () => {
  const context = { taskId: 'task_00', kind: 'question' as const, task: 'How many?', worldClock: WORLD_CLOCK, line: 3 };
  const sql = importVerifier(
    {
      scenario: 's',
      task_idx: 0,
      task: 'How many?',
      verification: {
        code: 'def gather(db):\n    return {}',
        raw_response: JSON.stringify({
          reasoning: 'r',
          python_code: 'x',
          function_name: 'gather',
          success_criteria: 'S',
          failure_criteria: 'F',
        }),
      },
    },
    { ...context, file: 'gen_verifier.jsonl' },
  );
  assert.equal(
    [sql.source.mode, sql.fact_gatherer, sql.code_verifier, sql.success_criteria, sql.failure_criteria, sql.reasoning],
    ['sql', 'def gather(db):\n    return {}', '', 'S', 'F', 'r'],
  );
  const code = importVerifier(
    {
      scenario: 's',
      task_idx: 0,
      task: 'How many?',
      verification: {
        code: 'import sqlite3\ndef helper():\n    pass\ndef verify_count(initial_db_path, final_db_path, final_answer):\n    return {"result": "complete"}',
        raw_response: '',
      },
    },
    { ...context, file: 'gen_verifier.jsonl' },
  );
  assert.equal(
    [code.source.mode, code.function_name, code.reasoning],
    ['code', 'verify_count', 'imported from gen_verifier.jsonl:3'],
  );
});

function ours(): ScenarioArtifacts {
  return {
    row: { id: 'pet_clinic', name: 'Pet Clinic', category: 'healthcare', description: 'Vets and pets.' },
    tasks: [
      { id: 'task_00', kind: 'question', text: 'How many pets weigh over 10 kg?' },
      { id: 'task_01', kind: 'update', text: 'Add a vaccine record for Rex.' }, // kind given by our stage, not inferred
    ],
    schema: {
      tables: [
        {
          name: 'pets',
          ddl: 'CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT, seen_at TEXT DEFAULT CURRENT_TIMESTAMP)',
          indexes: [],
        },
      ],
    },
    sample: {
      world_clock: WORLD_CLOCK,
      tables: [
        {
          table_name: 'pets',
          reasoning: 'two pets',
          insert_statements: [
            "INSERT INTO pets (id, name, seen_at) VALUES (1, 'Rex', '{{now-3d}}')",
            "INSERT INTO pets (id, name) VALUES (2, 'Tom')",
          ],
        },
      ],
      skipped_statements: [],
    },
    spec: {
      tools: [
        {
          name: 'list_pets',
          description: 'Lists the pets.',
          input_schema: {
            type: 'object',
            properties: { min_kg: { type: 'number', minimum: 0 } },
            additionalProperties: false,
          },
          examples: [{ min_kg: 10 }],
          output_schema: {
            type: 'object',
            required: ['pets'],
            properties: { pets: { type: 'array', items: { type: 'object' } } },
          },
          output_description: '{ pets: [{ id, name }] }',
          errors: [],
          tables_read: ['pets'],
          tables_written: [],
        },
      ],
    },
    envCode: null,
    verifiers: new Map([
      [
        'task_00',
        {
          task_id: 'task_00',
          kind: 'question',
          task: 'How many pets weigh over 10 kg?',
          world_clock: WORLD_CLOCK,
          reasoning: 'count them',
          code_verifier: 'function ({ final, answer }) { return { result: "complete" }; }',
          fact_gatherer: 'function ({ final }) { return {}; }',
          success_criteria: 'says 1',
          failure_criteria: 'anything else',
          self_test: { discriminates: true, checks: [] },
        },
      ],
    ]),
  };
}

function reimport(exported: ReadonlyMap<ReferenceFileName, readonly string[]>): ReturnType<typeof importReference> {
  const run = parseReferenceFiles(new Map([...exported].map(([file, rows]) => [file, rows.join('\n')])));
  if (!run.ok) throw new Error(run.error.map(formatReferenceProblem).join('\n'));
  return importReference(run.value, { worldClock: WORLD_CLOCK });
}

test('our own artifacts export in the reference format and import back unchanged', () => {
  const exported = exportReference([ours()]);
  assert.equal(
    [...exported.keys()],
    [
      'gen_scenario.jsonl',
      'gen_tasks.jsonl',
      'gen_db.jsonl',
      'gen_sample.jsonl',
      'gen_spec.jsonl',
      'gen_verifier.jsonl',
    ],
  );
  const sample = JSON.parse(exported.get('gen_sample.jsonl')![0]!);
  assert.equal(sample.sample_data.tables[0].insert_statements, [
    "INSERT INTO pets (id, name, seen_at) VALUES (1, 'Rex', '2026-02-27 09:00:00')",
    "INSERT INTO pets (id, name) VALUES (2, 'Tom')",
  ]);
  assert.equal([sample.tables_count, sample.inserts_count], [1, 2]);
  const endpoint = JSON.parse(exported.get('gen_spec.jsonl')![0]!).api_spec.api_groups[0].endpoints[0];
  assert.equal(
    [endpoint.operation_id, endpoint.method, endpoint.path, endpoint.request_params.min_kg],
    [
      'list_pets',
      'POST',
      '/tools/list_pets',
      { type: 'float', param_type: 'body', required: false, description: '', example: 10 },
    ],
  );
  const verifier = JSON.parse(exported.get('gen_verifier.jsonl')![0]!);
  assert.equal([verifier.scenario, verifier.task_idx, verifier.verification.language], ['pet_clinic', 0, 'javascript']);
  assert.is(verifier.verification.code, ours().verifiers.get('task_00')!['code_verifier' as never]);

  const back = reimport(exported);
  assert.equal(back.warnings, []);
  const { lost: _lost, id, verifiers, ...artifacts } = back.scenarios[0]!;
  const { verifiers: originalVerifiers, ...original } = ours();
  assert.is(id, 'pet_clinic');
  assert.equal(artifacts, original);
  assert.equal([...verifiers], [...originalVerifiers]);
});

test('the seed database through our path: placeholders and DEFAULT CURRENT_TIMESTAMP both read the world clock', () => {
  const folder = mkdtempSync(join(tmpdir(), 'awm-interop-seed-'));
  try {
    const artifacts = ours();
    const report = buildReferenceSeed(artifacts.schema!, artifacts.sample!, join(folder, 'seed.db'));
    assert.equal(report, { tables: { pets: 2 }, rejected: [], droppedTables: [] });
    const db = new Database(join(folder, 'seed.db'), { readonly: true });
    try {
      assert.equal(db.prepare('SELECT name, seen_at FROM pets ORDER BY id').all(), [
        { name: 'Rex', seen_at: '2026-02-27 09:00:00' },
        { name: 'Tom', seen_at: '2026-03-02 09:00:00' },
      ]);
    } finally {
      db.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('an exported row edited by hand wins over its awm field, with a warning', () => {
  const exported = new Map(exportReference([ours()]));
  const tasks = JSON.parse(exported.get('gen_tasks.jsonl')![0]!);
  tasks.tasks[1] = 'Delete the pet named Tom.';
  exported.set('gen_tasks.jsonl', [JSON.stringify(tasks)]);
  const back = reimport(exported);
  assert.equal(back.scenarios[0]!.tasks, [
    { id: 'task_00', kind: 'question', text: 'How many pets weigh over 10 kg?' },
    { id: 'task_01', kind: 'delete', text: 'Delete the pet named Tom.' },
  ]);
  assert.equal(
    back.warnings.map((warning) => [warning.code, warning.file, warning.scenario]),
    [['stale-awm-field', 'gen_tasks.jsonl', 'pet_clinic']],
  );
});

test('an imported Python verifier exports as Python, sql mode with its criteria', () => {
  const python: ImportedVerifier = {
    task_id: 'task_00',
    kind: 'question',
    task: 'How many pets weigh over 10 kg?',
    world_clock: WORLD_CLOCK,
    language: 'python',
    function_name: 'gather',
    code_verifier: '',
    fact_gatherer: 'def gather(final_db_path):\n    return {}',
    success_criteria: 'says 1',
    failure_criteria: 'else',
    reasoning: 'r',
    source: { file: 'gen_verifier.jsonl', line: 9, mode: 'sql' },
  };
  const exported = exportReference([{ ...ours(), verifiers: new Map([['task_00', python]]) }]);
  const row = JSON.parse(exported.get('gen_verifier.jsonl')![0]!);
  assert.equal(row.verification.language, 'python');
  assert.equal(row.verification.code, python.fact_gatherer);
  assert.equal(JSON.parse(row.verification.raw_response), {
    reasoning: 'r',
    python_code: python.fact_gatherer,
    function_name: 'gather',
    success_criteria: 'says 1',
    failure_criteria: 'else',
  });
  assert.equal(reimport(exported).scenarios[0]!.verifiers.get('task_00'), python);
});

test.run();
