// The sample stage's check and seed database: inserts run with foreign keys on, relative times
// resolve against the world clock, wall-clock SQL is refused, and the reference's real sample data
// loads into the reference's real schemas (after pinning its wall-clock SQL to the world clock).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkSample } from '../stages/sample.js';
import { prepareInsert, type SampleAnswer } from '../src/sqlite/sample-inserts.js';
import type { SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { buildSeedDatabase, writeSeedDatabase } from '../src/sqlite/seed-database.js';
import { canonicalDump, hashDatabaseFile } from '../src/sqlite/canonical-dump.js';
import { pinWallClockSql } from '../src/sqlite/wall-clock-sql.js';
import { parseWorldClock } from '../src/config/world-clock.js';
import { awmSamples, joinByScenario, readJsonl } from './support/awm-samples.js';
import { setUp } from './support/set-up.js';

const CLOCK = parseWorldClock('2026-03-02T09:00:00Z')!;

const SCHEMA: SchemaAnswer = {
  tables: [
    {
      name: 'users',
      ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)',
      indexes: [],
    },
    {
      name: 'orders',
      ddl: "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), status TEXT NOT NULL CHECK (status IN ('open', 'paid')), placed_at TEXT NOT NULL)",
      indexes: ['CREATE INDEX idx_orders_user ON orders(user_id)'],
    },
  ],
};

function sample(users: string[], orders: string[]): SampleAnswer {
  return {
    tables: [
      { table_name: 'users', reasoning: 'user 1 and a neighbour', insert_statements: users },
      { table_name: 'orders', reasoning: 'orders of user 1', insert_statements: orders },
    ],
  };
}

const USERS = [
  "INSERT INTO users (id, name) VALUES (1, 'Maya');",
  "INSERT INTO users (id, name, created_at) VALUES (2, 'Omar', '{{now-400d}}');",
];
const ORDERS = Array.from(
  { length: 10 },
  (_unused, index) =>
    `INSERT INTO orders (id, user_id, status, placed_at) VALUES (${index + 1}, 1, 'paid', '{{now-${index + 1}d}}');`,
);

let folder = '';
setUp(test, () => {
  folder = mkdtempSync(join(tmpdir(), 'awm-sample-test-'));
});
test.after(() => rmSync(folder, { recursive: true, force: true }));

test('valid inserts pass', () => {
  assert.equal(checkSample(SCHEMA, sample(USERS, ORDERS), CLOCK, 0.1), { ok: true, warnings: [] });
});

test('a failing INSERT is named with its table, position, SQLite error and statement', () => {
  const orders = [
    ...ORDERS.slice(0, 4),
    "INSERT INTO orders (id, user_id, status, placed_at) VALUES (5, 1, 'shipped', '{{now}}');",
  ];
  const outcome = checkSample(SCHEMA, sample(USERS, orders), CLOCK, 0.1);
  assert.equal(outcome, {
    ok: false,
    errors: [
      '1 of 7 statements fail (14.3%; at most 10% may)',
      "orders statement 5: CHECK constraint failed: status IN ('open', 'paid')\n    in: INSERT INTO orders (id, user_id, status, placed_at) VALUES (5, 1, 'shipped', '{{now}}');",
    ],
    score: 1 / 7,
  });
});

test('a foreign key violation fails its statement (foreign keys are on)', () => {
  const orders = [
    ...ORDERS.slice(0, 2),
    "INSERT INTO orders (id, user_id, status, placed_at) VALUES (3, 42, 'open', '{{now}}');",
  ];
  const outcome = checkSample(SCHEMA, sample(USERS, orders), CLOCK, 0.1);
  assert.not.ok(outcome.ok);
  if (!outcome.ok) assert.match(outcome.errors[1]!, /^orders statement 3: FOREIGN KEY constraint failed/);
});

test('a missing column list, wall-clock SQL, an unknown or bare placeholder, a non-INSERT: each refused with a reason', () => {
  assert.equal(prepareInsert("INSERT INTO users VALUES (3, 'Ana', '2026-01-01')", CLOCK), {
    ok: false,
    error: 'an INSERT must name its columns: INSERT INTO table (column, …) VALUES (…)',
  });
  const wallClock = prepareInsert(
    "INSERT INTO users (id, name, created_at) VALUES (3, 'Ana', datetime('now', '-2 days'))",
    CLOCK,
  );
  assert.equal(wallClock, {
    ok: false,
    error:
      "uses the wall clock (datetime(… 'now' …)); write a placeholder such as '{{now}}' or '{{now-3d}}' inside quotes, or an absolute date",
  });
  const unknown = prepareInsert("INSERT INTO users (id, name, created_at) VALUES (3, 'Ana', '{{last_week}}')", CLOCK);
  assert.ok(!unknown.ok && unknown.error.startsWith('unknown placeholder {{last_week}}'));
  const bare = prepareInsert("INSERT INTO users (id, name, created_at) VALUES (3, 'Ana', {{now}})", CLOCK);
  assert.ok(!bare.ok && bare.error.startsWith('a {{…}} placeholder outside a string literal'));
  assert.equal(prepareInsert('DELETE FROM users', CLOCK), {
    ok: false,
    error: 'only INSERT statements belong in sample data',
  });
  assert.equal(prepareInsert('INSERT OR IGNORE INTO "users" (id, name) VALUES (3, \'{{today}}\')', CLOCK), {
    ok: true,
    value: 'INSERT OR IGNORE INTO "users" (id, name) VALUES (3, \'2026-03-02\')',
  });
});

test('user 1 must exist when there is a users table', () => {
  const outcome = checkSample(SCHEMA, sample(USERS.slice(1), []), CLOCK, 0.1);
  assert.equal(outcome, {
    ok: false,
    errors: [
      '0 of 1 statements fail (0%; at most 10% may)',
      'table users has no row with id 1; user 1 is the signed-in user and must be inserted (first)',
    ],
    score: 1,
  });
});

test('no statements at all fails; empty tables are a warning', () => {
  assert.equal(checkSample(SCHEMA, { tables: [] }, CLOCK, 0.1), {
    ok: false,
    errors: ['there are no INSERT statements; give every table the rows the tasks need'],
    score: 2,
  });
  assert.equal(checkSample(SCHEMA, sample(USERS, []), CLOCK, 0.1), {
    ok: true,
    warnings: ['tables without rows: orders'],
  });
});

test('the seed database holds the resolved rows, pinned defaults, and only the statements that ran', () => {
  const path = join(folder, 'seed.db');
  const orders = [...ORDERS, "INSERT INTO orders (id, user_id, status, placed_at) VALUES (99, 7, 'open', '{{now}}');"];
  const outcomes = writeSeedDatabase(path, SCHEMA, sample(USERS, orders), CLOCK);
  assert.equal(
    outcomes
      .filter((outcome) => outcome.error !== null)
      .map((outcome) => [outcome.table, outcome.index, outcome.error]),
    [['orders', 10, 'FOREIGN KEY constraint failed']],
  );
  const db = new Database(path, { readonly: true });
  assert.equal(db.prepare('SELECT id, created_at FROM users ORDER BY id').raw(true).all(), [
    [1, '2026-03-02 09:00:00'],
    [2, '2025-01-26 09:00:00'],
  ]);
  assert.is(db.prepare('SELECT placed_at FROM orders WHERE id = 3').pluck().get(), '2026-02-27 09:00:00');
  assert.is(db.prepare('SELECT count(*) FROM orders').pluck().get(), 10);
  db.close();
});

test('the seed database is reproducible: same answer, same hash; another world clock, another hash', () => {
  const answer = sample(USERS, ORDERS);
  const first = join(folder, 'a.db');
  const second = join(folder, 'b.db');
  const later = join(folder, 'c.db');
  writeSeedDatabase(first, SCHEMA, answer, CLOCK);
  writeSeedDatabase(second, SCHEMA, answer, CLOCK);
  writeSeedDatabase(later, SCHEMA, answer, parseWorldClock('2026-03-03T09:00:00Z')!);
  assert.is(hashDatabaseFile(first), hashDatabaseFile(second));
  assert.is.not(hashDatabaseFile(first), hashDatabaseFile(later));
});

interface ReferenceDb {
  readonly scenario: string;
  readonly db_schema: SchemaAnswer;
}
interface ReferenceSample {
  readonly scenario: string;
  readonly sample_data: SampleAnswer;
}

function referencePairs(samples: string): [ReferenceSample, ReferenceDb][] {
  const dbs = readJsonl<ReferenceDb>(join(samples, 'community-run-8-scenarios/gen_db.jsonl'));
  const data = readJsonl<ReferenceSample>(join(samples, 'community-run-8-scenarios/gen_sample.jsonl'));
  return joinByScenario(data, dbs);
}

function pinned(answer: SampleAnswer): SampleAnswer {
  return {
    tables: answer.tables.map((table) => ({
      ...table,
      insert_statements: table.insert_statements.map((sql) => pinWallClockSql(sql, CLOCK)),
    })),
  };
}

test("the reference's real sample data loads into its real schemas once its wall-clock SQL is pinned", () => {
  const samples = awmSamples('reference sample data');
  if (samples === null) return;
  const pairs = referencePairs(samples);
  assert.is(pairs.length, 8);
  for (const [data, db] of pairs) {
    const outcome = checkSample(db.db_schema, pinned(data.sample_data), CLOCK, 0.1);
    if (data.scenario === 'SurveyMonkey Apply') {
      // Its schema's form_questions table does not run, so every row for it (and its children) fails.
      assert.not.ok(outcome.ok);
      if (!outcome.ok)
        assert.match(outcome.errors.join('\n'), /form_questions statement 1: no such table: form_questions/);
    } else {
      assert.ok(outcome.ok, `${data.scenario}: ${outcome.ok ? '' : outcome.errors.slice(0, 3).join('\n')}`);
    }
  }
});

test("from the reference's files, our seed database holds exactly the rows of the reference's own database", () => {
  const samples = awmSamples('reference databases');
  if (samples === null) return;
  // Etsy's sample data uses absolute dates only, so the reference's rows did not depend on its clock.
  const [data, db] = referencePairs(samples).find(([row]) => row.scenario === 'Etsy Digital Downloads')!;
  const build = buildSeedDatabase(db.db_schema, data.sample_data, CLOCK);
  const reference = new Database(join(samples, 'community-run-8-scenarios/databases/etsy_digital_downloads.db'), {
    readonly: true,
  });
  const rowsOnly = (dump: string): string[] => dump.split('\n').filter((line) => !line.startsWith('["schema"'));
  try {
    const ours = rowsOnly(canonicalDump(build.db));
    assert.ok(ours.length > 150);
    assert.equal(ours, rowsOnly(canonicalDump(reference)));
  } finally {
    build.db.close();
    reference.close();
  }
});

test("the reference's sample data as published is refused for reading the wall clock", () => {
  const samples = awmSamples('reference sample data');
  if (samples === null) return;
  const rover = referencePairs(samples).find(([data]) => data.scenario === 'Rover');
  assert.ok(rover);
  const outcome = checkSample(rover![1].db_schema, rover![0].sample_data, CLOCK, 0.1);
  assert.not.ok(outcome.ok);
  if (!outcome.ok) {
    assert.is(outcome.errors[0], '79 of 79 statements fail (100%; at most 10% may)');
    assert.match(outcome.errors[1]!, /^table users has no row with id 1/);
    assert.match(
      outcome.errors[2]!,
      /^users statement 1: uses the wall clock \(datetime\(… 'now' …\), datetime\(… 'now' …\)\)/,
    );
  }
});

test.run();
