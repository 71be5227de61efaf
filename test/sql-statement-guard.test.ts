// The statement guard refuses SQL that reaches outside its database, by tokens: keywords in strings
// and comments pass, odd spacing, case and quoting do not. Refused text must not run at all, which
// is checked against real SQLite and the real file system.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { guardStatements } from '../src/sqlite/statement-guard.js';
import { guardedDatabase, StatementRefusedError } from '../src/sqlite/guarded-database.js';
import { sqlStatements } from '../src/sqlite/sql-statements.js';

const constructs = (sql: string): string[] => {
  const verdict = guardStatements(sql);
  return verdict.ok ? [] : verdict.error.map((refusal) => `${refusal.statementIndex}:${refusal.construct}`);
};

test('keywords inside string literals, quoted names and comments are allowed', () => {
  assert.equal(constructs("SELECT 'ATTACH me', 'VACUUM INTO x', 'load_extension(1)'"), []);
  assert.equal(constructs("-- ATTACH DATABASE 'x' AS y\nSELECT 1 /* VACUUM INTO 'z' */"), []);
  assert.equal(constructs(`INSERT INTO notes (body) VALUES ('PRAGMA writable_schema = 1; ATTACH ''a'' AS b')`), []);
  assert.equal(constructs('SELECT "attach", [vacuum], `load_extension` FROM t'), []);
  assert.equal(constructs('CREATE TABLE t (attach TEXT, detach TEXT); SELECT :attach, t.attach FROM t'), []);
});

test('harmless statements and pragmas pass, reading a refused pragma included', () => {
  assert.equal(constructs('VACUUM; VACUUM main'), []);
  assert.equal(constructs('PRAGMA journal_mode = WAL; PRAGMA mmap_size = 268435456; PRAGMA foreign_keys = ON'), []);
  assert.equal(constructs('PRAGMA writable_schema; PRAGMA query_only = ON; SELECT * FROM pragma_writable_schema'), []);
});

test('ATTACH, DETACH and VACUUM INTO are refused in any case, spacing and comment placement', () => {
  assert.equal(constructs("aTtAcH  database '/tmp/x.db' AS x"), ['0:attach']);
  assert.equal(constructs("ATTACH/**/'/tmp/x.db'AS x"), ['0:attach']);
  assert.equal(constructs('\n  -- first\n  attach\n\'x\' as "y z"'), ['0:attach']);
  assert.equal(constructs('DETACH "y z"'), ['0:detach']);
  assert.equal(constructs("VACUUM\n INTO '/tmp/y.db'"), ['0:vacuum-into']);
  assert.equal(constructs("vacuum main /* c */ into '/tmp/y.db'"), ['0:vacuum-into']);
  assert.equal(constructs("EXPLAIN QUERY PLAN ATTACH 'x' AS y"), ['0:attach']);
});

test('load_extension calls are refused however the name is quoted', () => {
  assert.equal(constructs("SELECT load_extension('/tmp/evil.so')"), ['0:load-extension']);
  assert.equal(constructs("SELECT \"load_extension\" ('x'), [LOAD_EXTENSION]('y')"), ['0:load-extension']);
  assert.equal(constructs("INSERT INTO t (a) VALUES (Load_Extension('x'))"), ['0:load-extension']);
});

test('pragmas that write outside the database or lift its protections are refused when set', () => {
  assert.equal(constructs('PRAGMA writable_schema = 1'), ['0:pragma']);
  assert.equal(constructs(`PRAGMA "writable_schema" = ON; PRAGMA 'writable_schema'=1; PRAGMA [writable_schema](1)`), [
    '0:pragma',
    '1:pragma',
    '2:pragma',
  ]);
  assert.equal(constructs('PRAGMA main.writable_schema = RESET'), ['0:pragma']);
  assert.equal(constructs("PRAGMA temp_store_directory = '/tmp'"), ['0:pragma']);
  assert.equal(constructs('PRAGMA schema_version = 7; PRAGMA trusted_schema = yes'), ['0:pragma', '1:pragma']);
  assert.equal(constructs("PRAGMA query_only = 'off'; PRAGMA foreign_keys=0; PRAGMA ignore_check_constraints = true"), [
    '0:pragma',
    '1:pragma',
    '2:pragma',
  ]);
});

test('multi-statement text is refused when any statement is, and the message names it and says what to do', () => {
  const verdict = guardStatements("CREATE TABLE a (x);\nATTACH DATABASE '/tmp/x.db' AS x;\nCREATE TABLE x.t (a)");
  assert.equal(verdict, {
    ok: false,
    error: [
      {
        statementIndex: 1,
        statement: "ATTACH DATABASE '/tmp/x.db' AS x",
        construct: 'attach',
        pragma: null,
        message:
          "statement 2 (ATTACH DATABASE '/tmp/x.db' AS x) is refused: ATTACH opens or creates another database file; " +
          'keep every table in this one database and leave ATTACH out',
      },
    ],
  });
  const pragma = guardStatements('PRAGMA writable_schema = 1');
  assert.is(
    pragma.ok ? '' : pragma.error[0]?.message,
    'statement 1 (PRAGMA writable_schema = 1) is refused: PRAGMA writable_schema = 1 lets statements edit sqlite_schema directly, ' +
      'which can corrupt the database; leave this PRAGMA out',
  );
});

test('statements split at semicolons in code only, and keep their text', () => {
  const statements = sqlStatements('SELECT \';\' ; -- x;\n SELECT "a;b";;');
  assert.equal(
    statements.map((statement) => statement.text),
    ["SELECT ';'", '-- x;\n SELECT "a;b"'],
  );
  assert.equal(statements[1]?.tokens, [
    { kind: 'word', value: 'select' },
    { kind: 'identifier', value: 'a;b' },
  ]);
});

test('a guarded connection refuses ATTACH and VACUUM INTO before they run: no file appears', () => {
  const folder = mkdtempSync(join(tmpdir(), 'awm-guard-'));
  const db = guardedDatabase(new Database(':memory:'));
  try {
    const attached = join(folder, 'x.db');
    const vacuumed = join(folder, 'y.db');
    assert.throws(
      () => db.exec(`ATTACH DATABASE '${attached}' AS x; CREATE TABLE x.t(a)`),
      (error: unknown) => error instanceof StatementRefusedError,
    );
    assert.throws(() => db.prepare(`VACUUM INTO '${vacuumed}'`), /VACUUM INTO writes a copy/);
    assert.throws(() => db.pragma('writable_schema = 1'), /PRAGMA writable_schema = 1/);
    assert.throws(() => db.backup(join(folder, 'z.db')), /backup\(\) writes a copy/);
    assert.throws(() => db.loadExtension('/nonexistent'), /loadExtension\(\) loads native code/);
    assert.is(existsSync(attached), false);
    assert.is(existsSync(vacuumed), false);
    assert.is(existsSync(join(folder, 'z.db')), false);
    // Everything else works as on a plain connection, chaining included.
    assert.is(db.exec('CREATE TABLE t (a)').exec("INSERT INTO t VALUES ('ATTACH me')"), db);
    assert.equal(db.prepare('SELECT a FROM t').pluck().all(), ['ATTACH me']);
    assert.is(db.pragma('foreign_keys', { simple: true }), 1);
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

test('without the guard the same statements do write files (the test can fail)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'awm-guard-'));
  const db = new Database(':memory:');
  try {
    db.exec(
      `ATTACH DATABASE '${join(folder, 'x.db')}' AS x; CREATE TABLE x.t(a); VACUUM INTO '${join(folder, 'y.db')}'`,
    );
    assert.is(existsSync(join(folder, 'x.db')), true);
    assert.is(existsSync(join(folder, 'y.db')), true);
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
