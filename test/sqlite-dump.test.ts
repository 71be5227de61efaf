// The canonical dump depends on content only: insertion order, VACUUM and page size change file
// bytes but not the hash; one changed value, or a value stored with another type, changes it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalDump, encodeValue, hashDatabaseFile, normalizeSql } from '../src/sqlite/canonical-dump.js';
import { setUp } from './support/set-up.js';

const SCHEMA = [
  'CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE)',
  'CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER REFERENCES authors(id), title TEXT, price REAL, cover BLOB)',
  'CREATE TABLE tags (label TEXT, weight)',
  'CREATE INDEX idx_books_author ON books(author_id)',
  'CREATE VIEW cheap_books AS SELECT title FROM books WHERE price < 10',
];

const ROWS = [
  "INSERT INTO authors (id, name) VALUES (1, 'Ursula K. Le Guin')",
  "INSERT INTO authors (id, name) VALUES (2, 'octavia butler')",
  "INSERT INTO books (id, author_id, title, price, cover) VALUES (1, 1, 'The Dispossessed', 9.5, x'00ff')",
  "INSERT INTO books (id, author_id, title, price, cover) VALUES (2, 2, 'Kindred', 12, NULL)",
  "INSERT INTO tags (label, weight) VALUES ('sf', 1)",
  "INSERT INTO tags (label, weight) VALUES ('SF', 1)",
  "INSERT INTO tags (label, weight) VALUES ('sf', '1')",
];

let folder = '';
setUp(test, () => {
  folder = mkdtempSync(join(tmpdir(), 'awm-dump-test-'));
});
test.after(() => rmSync(folder, { recursive: true, force: true }));

function build(name: string, statements: readonly string[], setup: (db: Database.Database) => void = () => {}): string {
  const path = join(folder, name);
  const db = new Database(path);
  setup(db);
  for (const sql of statements) db.exec(sql);
  db.close();
  return path;
}

test('the same content inserted in another order, with another page size, then VACUUMed, hashes the same', () => {
  const first = build('first.db', [...SCHEMA, ...ROWS]);
  const reversedSchema = [SCHEMA[2]!, SCHEMA[0]!, SCHEMA[1]!, SCHEMA[4]!, SCHEMA[3]!];
  const second = build('second.db', [...reversedSchema, ...[...ROWS].reverse(), 'VACUUM'], (db) => {
    db.pragma('page_size = 8192');
    db.pragma('foreign_keys = OFF'); // children before parents, on purpose
  });
  assert.is.not(readFileSync(first).equals(readFileSync(second)), true);
  assert.is(hashDatabaseFile(first), hashDatabaseFile(second));
  assert.match(hashDatabaseFile(first), /^[0-9a-f]{64}$/);
});

test('rows deleted and re-inserted (free pages, new rowids in a rowid table) leave the hash alone', () => {
  const plain = build('plain.db', [...SCHEMA, ...ROWS]);
  const churned = build('churned.db', [
    ...SCHEMA,
    ...ROWS,
    "DELETE FROM tags WHERE label = 'SF'",
    "INSERT INTO tags (label, weight) VALUES ('SF', 1)",
  ]);
  assert.is(hashDatabaseFile(plain), hashDatabaseFile(churned));
});

test('one changed value changes the hash', () => {
  const plain = build('value-a.db', [...SCHEMA, ...ROWS]);
  const changed = build('value-b.db', [...SCHEMA, ...ROWS.map((sql) => sql.replace("'Kindred'", "'Kindred '"))]);
  assert.is.not(hashDatabaseFile(plain), hashDatabaseFile(changed));
});

test('1, 1.0 and the text 1 are different values, as SQLite stores them', () => {
  const hashOf = (value: string): string =>
    build(`type-${hashOfName(value)}.db`, ['CREATE TABLE t (v)', `INSERT INTO t (v) VALUES (${value})`]);
  const [integer, real, text, blob] = ['1', '1.0', "'1'", "x'31'"].map((value) => hashDatabaseFile(hashOf(value)));
  assert.is(new Set([integer, real, text, blob]).size, 4);
  assert.is(encodeValue(1n), 'i:1');
  assert.is(encodeValue(1), 'r:1');
  assert.is(encodeValue('1'), 't:"1"');
  assert.is(encodeValue(Buffer.from('1')), 'b:31');
  assert.is(encodeValue(null), 'n');
});

test('a schema change alone (an index, a default) changes the hash; re-indented DDL does not', () => {
  const base = hashDatabaseFile(build('schema-a.db', ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)']));
  const indexed = hashDatabaseFile(
    build('schema-b.db', ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', 'CREATE INDEX i ON t(v)']),
  );
  const reindented = hashDatabaseFile(
    build('schema-c.db', ['CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  v TEXT\n)']),
  );
  const spaced = hashDatabaseFile(
    build('schema-d.db', ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'a  b')"]),
  );
  assert.is.not(base, indexed);
  assert.is.not(base, spaced);
  assert.is(
    normalizeSql('CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  v TEXT\n)'),
    'CREATE TABLE t ( id INTEGER PRIMARY KEY, v TEXT )',
  );
  assert.is(normalizeSql("SELECT 'a  b'"), "SELECT 'a  b'");
  assert.ok(reindented.length === 64);
});

test('the dump lists schema objects by type and name, then each table with its sorted rows', () => {
  const db = new Database(build('dump.db', [...SCHEMA, ...ROWS]), { readonly: true });
  const lines = canonicalDump(db).trimEnd().split('\n');
  db.close();
  assert.equal(lines.slice(0, 7), [
    '["pragma","user_version",0]',
    '["schema","index","idx_books_author","CREATE INDEX idx_books_author ON books(author_id)"]',
    '["schema","table","authors","CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE)"]',
    '["schema","table","books","CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER REFERENCES authors(id), title TEXT, price REAL, cover BLOB)"]',
    '["schema","table","sqlite_sequence","CREATE TABLE sqlite_sequence(name,seq)"]',
    '["schema","table","tags","CREATE TABLE tags (label TEXT, weight)"]',
    '["schema","view","cheap_books","CREATE VIEW cheap_books AS SELECT title FROM books WHERE price < 10"]',
  ]);
  assert.ok(lines.includes('["rows","books",2]'));
  assert.ok(lines.includes('["i:1","i:1","t:\\"The Dispossessed\\"","r:9.5","b:00ff"]'));
  assert.ok(lines.includes('["rows","sqlite_sequence",1]'));
  const tagRows = lines.slice(lines.indexOf('["rows","tags",3]') + 1);
  assert.equal(tagRows, ['["t:\\"SF\\"","i:1"]', '["t:\\"sf\\"","i:1"]', '["t:\\"sf\\"","t:\\"1\\""]']);
});

test('the AUTOINCREMENT counter is content: a different next id changes the hash', () => {
  const plain = build('seq-a.db', [...SCHEMA, ...ROWS]);
  const bumped = build('seq-b.db', [
    ...SCHEMA,
    ...ROWS,
    "INSERT INTO books (id, title) VALUES (99, 'x')",
    'DELETE FROM books WHERE id = 99',
  ]);
  assert.is.not(hashDatabaseFile(plain), hashDatabaseFile(bumped));
});

function hashOfName(value: string): string {
  return Buffer.from(value).toString('hex');
}

test.run();
