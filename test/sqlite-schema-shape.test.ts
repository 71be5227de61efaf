// A schema answer's SQL is only CREATE TABLE (with columns) and CREATE INDEX: later stages re-apply
// it in awm's own process, so a query hidden in it must never get to run there.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applySchema, openInMemory, usableSchema, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { indexProblem, tableDdlProblem } from '../src/sqlite/schema-statement-shape.js';
import { awmSamples, readJsonl } from './support/awm-samples.js';

const ENDLESS = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c';

test('plain CREATE TABLE and CREATE INDEX pass, however they are spelled', () => {
  for (const ddl of [
    'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)',
    'create table if not exists "order items" (id integer); -- trailing comment',
    "CREATE TABLE main.t (a TEXT CHECK (a <> 'AS SELECT'))",
  ])
    assert.is(tableDdlProblem(ddl), null, ddl);
  for (const index of ['CREATE INDEX i ON t(a);', 'create unique index if not exists i on t(a) where a > 0'])
    assert.is(indexProblem(index), null, index);
});

test('CREATE TABLE … AS, extra statements, TEMP and other statements are refused, saying what to write', () => {
  assert.match(tableDdlProblem(`CREATE TABLE t AS ${ENDLESS}`)!, /AS SELECT fills the table from a query/);
  assert.match(tableDdlProblem('CREATE TABLE t (a); INSERT INTO t VALUES (1)')!, /holds 2 statements/);
  assert.match(tableDdlProblem('CREATE TEMP TABLE t (a)')!, /TEMP table/);
  assert.match(tableDdlProblem('INSERT INTO t VALUES (1)')!, /must be a CREATE TABLE/);
  assert.match(tableDdlProblem('CREATE VIEW v AS SELECT 1')!, /must be a CREATE TABLE/);
  assert.match(tableDdlProblem('')!, /holds 0 statements/);
  assert.match(indexProblem('CREATE TABLE x (a)')!, /must be a CREATE INDEX/);
  assert.match(indexProblem(`CREATE INDEX i ON t(a); DELETE FROM t`)!, /holds 2 statements/);
});

test('an endless query hidden in the DDL is a table problem and never runs', () => {
  const schema: SchemaAnswer = {
    tables: [
      { name: 't', ddl: `CREATE TABLE t AS ${ENDLESS}` },
      { name: 'u', ddl: 'CREATE TABLE u (a INTEGER)', indexes: [`CREATE INDEX i ON u(a); INSERT INTO u ${ENDLESS}`] },
    ],
  };
  const db = openInMemory();
  try {
    const problems = applySchema(db, schema);
    assert.equal(
      problems.map((problem) => [problem.table, problem.part]),
      [
        ['t', 'table'],
        ['u', 'index'],
      ],
    );
  } finally {
    db.close();
  }
  assert.equal(
    usableSchema(schema).tables.map((table) => [table.name, table.indexes]),
    [['u', []]],
  );
});

test("every table and index of the reference's real schemas passes", () => {
  const samples = awmSamples('reference schemas');
  if (!samples) return;
  let tables = 0;
  for (const file of ['awm-1k-first-rows/gen_db.jsonl', 'community-run-8-scenarios/gen_db.jsonl']) {
    for (const row of readJsonl<{ db_schema: SchemaAnswer }>(join(samples, file))) {
      for (const table of row.db_schema.tables) {
        tables += 1;
        assert.is(tableDdlProblem(table.ddl), null, table.ddl);
        for (const index of table.indexes ?? []) assert.is(indexProblem(index), null, index);
      }
    }
  }
  assert.ok(tables > 100, `${tables} tables`);
});

test.run();
