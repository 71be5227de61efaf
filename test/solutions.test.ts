// Solutions as data: the check that the demo's reference solutions fit a built scenario.
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { depthFigures, parseSolutions, solutionProblems, type SolutionsFile } from '../src/synthesis/solutions.js';
import type { ToolSpec } from '../src/synthesis/tool-spec.js';

function seed(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, stock INTEGER);
    CREATE TABLE wishlist (id INTEGER PRIMARY KEY, user_id INTEGER, book_id INTEGER);
    INSERT INTO users VALUES (1, 'Maya'); INSERT INTO books VALUES (1, 'Kindred', 4), (2, 'Dune', 0);
    INSERT INTO wishlist VALUES (1, 1, 1);`);
  return db;
}

const searchBooks: ToolSpec = {
  name: 'search_books',
  description: 'Search books by title.',
  input_schema: {
    type: 'object',
    properties: { query: { type: 'string' } },
    required: ['query'],
    additionalProperties: false,
  },
  examples: [{ query: 'Dune' }],
  output_schema: { type: 'object' },
  output_description: '{ books }',
  errors: [],
  tables_read: ['books'],
  tables_written: [],
};
const addToWishlist: ToolSpec = {
  ...searchBooks,
  name: 'add_to_wishlist',
  input_schema: { type: 'object', properties: { book_id: { type: 'integer' } }, required: ['book_id'] },
  examples: [{ book_id: 1 }],
};

const TASKS = [
  { id: 'task_00', kind: 'question' as const, text: 'How many copies of Kindred are in stock?' },
  { id: 'task_01', kind: 'create' as const, text: 'Add Dune to my wishlist.' },
];

const GOOD: SolutionsFile = {
  scenario: 'shop',
  world_clock: '2026-03-02T09:00:00Z',
  facts: [],
  tasks: [
    {
      id: 'task_00',
      kind: 'question',
      task: TASKS[0]!.text,
      calls: [{ tool: 'search_books', arguments: { query: 'Kindred' } }],
      answer: '4',
      answer_sql: "SELECT stock FROM books WHERE title = 'Kindred'",
      answer_rows: [[4]],
    },
    {
      id: 'task_01',
      kind: 'create',
      task: TASKS[1]!.text,
      calls: [
        { tool: 'search_books', arguments: { query: 'Dune' } },
        { tool: 'add_to_wishlist', arguments: { book_id: 2 } },
      ],
      end_state_sql: 'SELECT EXISTS (SELECT 1 FROM wishlist WHERE user_id = 1 AND book_id = 2)',
    },
  ],
};

test('solutions that fit the build have no problems, and their depth is measured', () => {
  const db = seed();
  const built = { tasks: TASKS, spec: { tools: [searchBooks, addToWishlist] }, seed: db };
  assert.equal(parseSolutions(GOOD).ok, true);
  assert.equal(solutionProblems(GOOD, built), []);
  assert.equal(depthFigures(GOOD, built), {
    tables: 3,
    rows: 4,
    tools: 2,
    tasks: 2,
    meanWords: 6.5,
    meanCalls: 1.5,
    meanDistinctTools: 1.5,
    multiStepShare: 0,
  });
});

test('a wrong answer, a change the seed already shows, an unknown tool and bad arguments are each named', () => {
  const db = seed();
  const built = { tasks: TASKS, spec: { tools: [searchBooks] }, seed: db };
  const [question, change] = GOOD.tasks;
  const bad: SolutionsFile = {
    ...GOOD,
    tasks: [
      { ...question!, answer_rows: [[5]], calls: [{ tool: 'search_books', arguments: { title: 'Kindred' } }] },
      { ...change!, end_state_sql: 'SELECT EXISTS (SELECT 1 FROM wishlist WHERE book_id = 1)' },
    ],
  };
  assert.equal(solutionProblems(bad, built), [
    "task_00: call 1 (search_books) has arguments its input_schema refuses: (arguments) must have required property 'query'; (arguments) must NOT have additional properties ('title')",
    'task_00: answer_sql returns [[4]] on the seed, not answer_rows [[5]]',
    'task_01: call 2 names tool add_to_wishlist, which the spec does not have',
    'task_01: the seed already satisfies end_state_sql: the task has nothing to do',
  ]);
  const writing = { ...GOOD, tasks: [question!, { ...change!, end_state_sql: 'DELETE FROM wishlist' }] };
  assert.equal(solutionProblems(writing, { ...built, spec: { tools: [searchBooks, addToWishlist] } }), [
    'task_01: its SQL must be one read-only query',
  ]);
});

test('a question without its answer rows, or a change with them, is not a solutions file', () => {
  const [question, change] = GOOD.tasks;
  const { answer_rows: _rows, ...withoutRows } = question!;
  assert.equal(parseSolutions({ ...GOOD, tasks: [withoutRows, change] }).ok, false);
  assert.equal(parseSolutions({ ...GOOD, tasks: [question, { ...change, answer_rows: [[1]] }] }).ok, false);
});

test.run();
