// The schema stage's check: every DDL and index runs in a fresh database; failing tables are
// tolerated up to max_error_ratio; the reference system's real schemas pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { checkSchema, schemaVerdict } from '../stages/schema.js';
import { usableSchema, type SchemaAnswer, type SchemaTable } from '../src/sqlite/apply-schema.js';
import { awmSamples, readJsonl } from './support/awm-samples.js';

const users: SchemaTable = {
  name: 'users',
  ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)',
  indexes: [],
};
const orders: SchemaTable = {
  name: 'orders',
  ddl: "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), status TEXT NOT NULL CHECK (status IN ('open', 'paid')))",
  indexes: ['CREATE INDEX idx_orders_user ON orders(user_id)'],
};

function filler(count: number): SchemaTable[] {
  return Array.from({ length: count }, (_unused, index) => ({
    name: `t${index}`,
    ddl: `CREATE TABLE t${index} (id INTEGER PRIMARY KEY)`,
    indexes: [],
  }));
}

test('a schema that runs passes', () => {
  assert.equal(checkSchema({ tables: [users, orders] }, 0.1), { ok: true, warnings: [] });
});

test('a schema with fewer tables than min_tables (or more than max_tables) is fed back, whatever runs', () => {
  const clean = { tableProblems: [], foreignKeyProblems: [] };
  const small = schemaVerdict({ tables: [users, orders] }, clean, 0.1, { min: 15, max: 25 });
  assert.equal(small.ok ? [] : small.errors, [
    "the schema has 2 tables; give at least 15: model the platform's core entities, their statuses and histories, " +
      'and the join tables of many-to-many relationships, as a real product would',
  ]);
  const large = schemaVerdict({ tables: [users, orders, ...filler(3)] }, clean, 0.1, { min: 1, max: 4 });
  assert.equal(large.ok ? [] : large.errors, ['the schema has 5 tables; give at most 4']);
  assert.equal(schemaVerdict({ tables: [users, orders] }, clean, 0.1, { min: 2, max: 2 }).ok, true);
});

test("a failing DDL fails its table, and SQLite's error text is the feedback", () => {
  const broken: SchemaTable = {
    name: 'orders',
    ddl: 'CREATE TABLE orders (id SERIAL PRIMARY KEY, total NUMERIC(10,2) NOT NULL,)',
    indexes: [],
  };
  const outcome = checkSchema({ tables: [users, broken] }, 0.1);
  assert.equal(outcome, {
    ok: false,
    errors: [
      '1 of 2 tables fail (50%; at most 10% may)',
      'table orders: near ")": syntax error\n    in: CREATE TABLE orders (id SERIAL PRIMARY KEY, total NUMERIC(10,2) NOT NULL,)',
    ],
    score: 0.5,
  });
});

test('a failing index fails its table', () => {
  const badIndex = { ...orders, indexes: ['CREATE INDEX idx_orders_total ON orders(total)'] };
  const outcome = checkSchema({ tables: [users, badIndex] }, 0.1);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.is(outcome.score, 0.5);
  assert.match(outcome.errors[1]!, /^table orders: no such column: total\n {4}in: CREATE INDEX idx_orders_total/);
});

test('up to max_error_ratio of failing tables passes, with the failures as warnings; one more fails', () => {
  const broken: SchemaTable = { name: 'broken', ddl: 'CREATE TABLE broken (id INTEGER PRIMARY KEY', indexes: [] };
  const tolerated = checkSchema({ tables: [...filler(9), broken] }, 0.1);
  assert.equal(tolerated, {
    ok: true,
    warnings: ['table broken: incomplete input\n    in: CREATE TABLE broken (id INTEGER PRIMARY KEY'],
  });
  const refused = checkSchema(
    { tables: [...filler(8), broken, { ...broken, name: 'broken2', ddl: 'CREATE TABLE broken2 (' }] },
    0.1,
  );
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.is(refused.score, 0.2);
});

test('a table whose DDL creates another name, or a repeated table, fails', () => {
  const misnamed: SchemaTable = { name: 'order', ddl: 'CREATE TABLE orders_v2 (id INTEGER PRIMARY KEY)', indexes: [] };
  const outcome = checkSchema({ tables: [users, misnamed, users] }, 0.1);
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.is(outcome.errors[0], '2 of 3 tables fail (66.7%; at most 10% may)');
  assert.match(outcome.errors[1]!, /^table order: the DDL ran but created no table named "order"/);
  assert.match(outcome.errors[2]!, /^table users: a second table named "users"; each table must appear once/);
});

test('foreign keys to a missing table or a non-unique column are reported', () => {
  const reviews: SchemaTable = {
    name: 'reviews',
    ddl: 'CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id), user_email TEXT REFERENCES orders(status))',
    indexes: [],
  };
  const outcome = checkSchema({ tables: [users, orders, reviews] }, 0.1);
  assert.equal(outcome, {
    ok: true,
    warnings: [
      'table reviews: reviews(user_email) references orders(status), which is neither its primary key nor UNIQUE (SQLite reports "foreign key mismatch" on insert)',
      'table reviews: reviews(book_id) references table "books", which does not exist',
    ],
  });
});

test('the usable part of a schema leaves out failing tables and failing indexes', () => {
  const badIndex = {
    ...orders,
    indexes: ['CREATE INDEX idx_orders_user ON orders(user_id)', 'CREATE INDEX bad ON orders(nope)'],
  };
  const broken: SchemaTable = { name: 'broken', ddl: 'CREATE TABLE broken (', indexes: [] };
  const usable = usableSchema({ tables: [users, broken, badIndex] });
  assert.equal(usable, {
    tables: [users, { ...orders, indexes: ['CREATE INDEX idx_orders_user ON orders(user_id)'] }],
  });
});

interface ReferenceDb {
  readonly scenario: string;
  readonly db_schema: SchemaAnswer;
}

test("the reference system's real schemas pass (one community schema has a broken table, within the 10%)", () => {
  const samples = awmSamples('reference schemas');
  if (samples === null) return;
  const rows = ['community-run-8-scenarios/gen_db.jsonl', 'awm-1k-first-rows/gen_db.jsonl'].flatMap((file) =>
    readJsonl<ReferenceDb>(join(samples, file)),
  );
  assert.is(rows.length, 11);
  for (const row of rows) {
    const outcome = checkSchema(row.db_schema, 0.1);
    assert.ok(outcome.ok, `${row.scenario}: ${outcome.ok ? '' : outcome.errors.join('\n')}`);
    const warnings = outcome.ok ? (outcome.warnings ?? []) : [];
    if (row.scenario === 'SurveyMonkey Apply') {
      // form_questions lacks its closing parenthesis; two tables reference it.
      assert.is(warnings.length, 3);
      assert.match(warnings[0]!, /^table form_questions: near ";": syntax error/);
    } else {
      assert.equal(warnings, [], row.scenario);
    }
  }
});

test.run();
