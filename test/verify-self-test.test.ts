// The verifier self-test catches what a "runs once" check cannot: a verifier that always says
// complete, one that never does, one that hard-codes the id of a row the episode creates, a task
// the seed already satisfies, and a reference solution that calls a missing tool.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import type { ToolSpec } from '../src/synthesis/tool-spec.js';
import { selfTest, type VerifierAnswer } from '../src/verify/self-test.js';

const folder = mkdtempSync(join(tmpdir(), 'awm-self-test-'));
const seedPath = join(folder, 'seed.db');
const db = new Database(seedPath);
db.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE);
  CREATE TABLE wishlist (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    book_id INTEGER NOT NULL REFERENCES books(id), UNIQUE (user_id, book_id));
  INSERT INTO users VALUES (1, 'Maya'), (2, 'Omar');
  INSERT INTO books VALUES (1, 'Piranesi'), (2, 'Dune'), (3, 'Kindred');
  INSERT INTO wishlist VALUES (1, 1, 1), (2, 2, 3);`);
db.close();

const object = { type: 'object' } as const;
const TOOLS: ToolSpec[] = [
  {
    name: 'search_books',
    description: 'Finds books by title.',
    input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    examples: [{ query: 'Dune' }],
    output_schema: object,
    output_description: '{ books: [{ id, title }] }',
    errors: [],
    tables_read: ['books'],
    tables_written: [],
  },
  {
    name: 'add_to_wishlist',
    description: "Adds a book to the user's wishlist.",
    input_schema: { type: 'object', properties: { book_id: { type: 'integer' } }, required: ['book_id'] },
    examples: [{ book_id: 2 }],
    output_schema: object,
    output_description: '{ entry: { id, book_id } }',
    errors: [{ code: 'conflict', when: 'the book is on the wishlist already' }],
    tables_read: ['wishlist'],
    tables_written: ['wishlist'],
  },
];
const specPath = join(folder, 'spec.json');
writeFileSync(specPath, JSON.stringify({ tools: TOOLS }));
const modulePath = join(folder, 'tools.mjs');
writeFileSync(
  modulePath,
  `export const tools = {
  search_books(args, ctx) {
    return { books: ctx.db.all("SELECT id, title FROM books WHERE title LIKE '%' || ? || '%'", args.query) };
  },
  add_to_wishlist(args, ctx) {
    if (ctx.db.get('SELECT 1 FROM wishlist WHERE user_id = ? AND book_id = ?', ctx.userId, args.book_id))
      ctx.fail('conflict', 'That book is on your wishlist already.');
    const { lastInsertRowid } = ctx.db.run('INSERT INTO wishlist (user_id, book_id) VALUES (?, ?)', ctx.userId, args.book_id);
    return { entry: { id: lastInsertRowid, book_id: args.book_id } };
  },
};
`,
);

const GOOD_VERIFIER = `function ({ initial, final }) {
  const q = "SELECT w.id FROM wishlist w JOIN books b ON b.id = w.book_id WHERE w.user_id = 1 AND b.title = 'Dune'";
  if (initial.all(q).length !== 0) return { result: 'others', reason: 'Dune was on the wishlist already' };
  const rows = final.all(q);
  return rows.length === 1 ? { result: 'complete', reason: 'Dune added once' } : { result: 'others', reason: rows.length + ' Dune rows' };
}`;

const ANSWER: VerifierAnswer = {
  reasoning: 'Dune must be added to user 1’s wishlist once.',
  solution: {
    calls: [
      { tool: 'search_books', arguments: { query: 'Dune' } },
      { tool: 'add_to_wishlist', arguments: { book_id: { $result: 0, path: 'books.0.id' } } },
    ],
    answer: null,
  },
  near_miss: {
    calls: [{ tool: 'add_to_wishlist', arguments: { book_id: 3 } }],
    answer: null,
    why: 'Kindred, not Dune',
  },
  code_verifier: GOOD_VERIFIER,
  fact_gatherer:
    "function ({ initial, final }) { return { before: initial.all('SELECT * FROM wishlist'), after: final.all('SELECT * FROM wishlist') }; }",
  success_criteria: 'Dune is on the wishlist once, and was not before.',
  failure_criteria: 'No Dune row, or two.',
};

let run = 0;
function testWith(answer: VerifierAnswer, kind: 'create' | 'question' = 'create') {
  return selfTest({
    answer,
    kind,
    tools: TOOLS,
    specPath,
    modulePath,
    seedPath,
    worldClock: '2026-03-02T09:00:00Z',
    sandbox: sandboxRunner({}),
    workDir: join(folder, `run-${(run += 1)}`),
    callTimeoutMs: 2000,
    verifierTimeoutMs: 10_000,
  });
}

test('a verifier that tells done from not done passes every check, also after noise shifted new ids', async () => {
  const report = await testWith(ANSWER);
  assert.equal(report.problems, []);
  assert.ok(report.discriminates);
  assert.equal(
    report.checks.map((check) => [check.got, check.expected]),
    [
      ['others', 'others'],
      ['complete', 'complete'],
      ['complete', 'complete'],
      ['others', 'others'],
    ],
  );
  assert.equal(report.noise?.shifted, ['wishlist']);
});

test('a verifier that always says complete, and one that never does, are caught', async () => {
  const always = await testWith({
    ...ANSWER,
    code_verifier: "function () { return { result: 'complete', reason: 'yes' }; }",
  });
  assert.not.ok(always.discriminates);
  assert.ok(always.problems.some((problem) => problem.includes('says complete for "untouched seed, no answer"')));
  assert.ok(
    always.problems.some((problem) => problem.includes('says complete for "the near miss (Kindred, not Dune)"')),
  );
  const never = await testWith({
    ...ANSWER,
    code_verifier: "function () { return { result: 'others', reason: 'no' }; }",
  });
  assert.not.ok(never.discriminates);
  assert.ok(never.problems.some((problem) => problem.includes('says others for "the reference solution"')));
});

test('a verifier that hard-codes the id of the row the episode creates fails once noise shifted the ids', async () => {
  const hardCoded = `function ({ final }) {
    const row = final.get('SELECT book_id FROM wishlist WHERE id = 3');
    return row && row.book_id === 2 ? { result: 'complete', reason: 'row 3 is Dune' } : { result: 'others', reason: 'no row 3 for Dune' };
  }`;
  const report = await testWith({ ...ANSWER, code_verifier: hardCoded });
  assert.not.ok(report.discriminates);
  assert.equal(report.problems, [
    'code_verifier says others for "the reference solution after noise rows (new ids in wishlist shifted)", where it must say complete (its reason: no row 3 for Dune)',
  ]);
});

test('a task the seed already satisfies, and a solution calling a missing tool, are fed back', async () => {
  const nothing = await testWith({
    ...ANSWER,
    solution: { calls: [{ tool: 'search_books', arguments: { query: 'Piranesi' } }], answer: null },
  });
  assert.ok(
    nothing.problems.includes(
      'the reference solution changes nothing: either the seed already satisfies the task or the solution leaves out its change',
    ),
    nothing.problems.join('\n'),
  );
  const missing = await testWith({
    ...ANSWER,
    solution: { calls: [{ tool: 'add_to_favorites', arguments: { book_id: 2 } }], answer: null },
  });
  assert.equal(missing.problems, ['the solution calls add_to_favorites, which is not a tool of the spec']);
  const failing = await testWith({
    ...ANSWER,
    solution: { calls: [{ tool: 'add_to_wishlist', arguments: { book_id: 1 } }], answer: null },
  });
  assert.match(
    failing.problems[0] ?? '',
    /^the reference solution fails: call 1 add_to_wishlist \{"book_id":1\} failed with conflict/,
  );
});

const PYTHON_VERIFIER = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    q = "SELECT w.id FROM wishlist w JOIN books b ON b.id = w.book_id WHERE w.user_id = 1 AND b.title = 'Dune'"
    def rows(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute(q).fetchall()
        finally:
            conn.close()
    if rows(initial_db_path):
        return {"result": "others", "reason": "Dune was on the wishlist already"}
    found = rows(final_db_path)
    return {"result": "complete", "reason": "Dune added once"} if len(found) == 1 else {"result": "others", "reason": "%d Dune rows" % len(found)}
`;

const python = await findPython();
(python.ok ? test : test.skip)(
  'a Python verifier takes the same checks; one that always says complete is caught',
  async () => {
    const pythonAnswer: VerifierAnswer = {
      ...ANSWER,
      language: 'python',
      function_name: 'verify_task_completion',
      code_verifier: PYTHON_VERIFIER,
      fact_gatherer: '',
    };
    const report = await testWith(pythonAnswer);
    assert.equal(report.problems, []);
    assert.equal(
      report.checks.map((check) => [check.got, check.expected, check.reason]),
      [
        ['others', 'others', '0 Dune rows'],
        ['complete', 'complete', 'Dune added once'],
        ['complete', 'complete', 'Dune added once'],
        ['others', 'others', '0 Dune rows'],
      ],
    );
    const always = await testWith({
      ...pythonAnswer,
      code_verifier:
        'def verify_task_completion(initial_db_path, final_db_path, final_answer=None):\n    return {"result": "complete"}\n',
    });
    assert.not.ok(always.discriminates);
    assert.ok(always.problems.some((problem) => problem.includes('says complete for "untouched seed, no answer"')));
    const facts = await testWith({
      ...pythonAnswer,
      code_verifier: '',
      function_name: 'verify_task',
      fact_gatherer: 'def verify_task(initial_db_path, final_db_path):\n    return {"rows": 1 / 0}\n',
    });
    assert.equal(facts.checks, []);
    assert.match(
      facts.problems.join('\n'),
      /^fact_gatherer failed on the reference solution's states: the verifier raised ZeroDivisionError/,
    );
  },
);

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
