// The env stage end to end through the real LLM client, the mock server and the sandboxed host:
// a module with one broken tool is repaired by asking for that tool alone; a changed spec entry
// asks again only for its tool and keeps the other handlers; a module that never works fails the
// stage and writes nothing.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import envStage, { type EnvArtifact } from '../stages/env.js';
import type { ToolSpec } from '../src/synthesis/tool-spec.js';
import { llmForMock, tempFolder } from './support/mock-llm-fixture.js';
import { runStage, type HarnessRun } from './support/stage-harness.js';

const SCENARIO = { id: 'shop', name: 'Book Shop', category: 'e-commerce', description: 'A small book shop.' };
const SCHEMA = {
  tables: [
    { name: 'users', ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)', indexes: [] },
    {
      name: 'books',
      ddl: 'CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, stock INTEGER NOT NULL)',
      indexes: [],
    },
  ],
};

const bookObject = {
  type: 'object',
  properties: { id: { type: 'integer' }, title: { type: 'string' }, stock: { type: 'integer' } },
  required: ['id', 'title', 'stock'],
};

function tool(name: string, extra: Partial<ToolSpec>): ToolSpec {
  return {
    name,
    description: `The ${name} tool.`,
    input_schema: { type: 'object', properties: {}, additionalProperties: false },
    examples: [{}],
    output_schema: { type: 'object' },
    output_description: '{ … }',
    errors: [],
    tables_read: ['books'],
    tables_written: [],
    ...extra,
  };
}

const SPEC = {
  tools: [
    tool('list_books', {
      output_schema: {
        type: 'object',
        properties: { books: { type: 'array', items: bookObject } },
        required: ['books'],
      },
    }),
    tool('get_book', {
      input_schema: {
        type: 'object',
        properties: { book_id: { type: 'integer' } },
        required: ['book_id'],
        additionalProperties: false,
      },
      examples: [{ book_id: 1 }],
      output_schema: { type: 'object', properties: { book: bookObject }, required: ['book'] },
      errors: [{ code: 'not_found', when: 'no book has the id' }],
    }),
    tool('rename_book', {
      input_schema: {
        type: 'object',
        properties: { book_id: { type: 'integer' }, title: { type: 'string', minLength: 1 } },
        required: ['book_id', 'title'],
        additionalProperties: false,
      },
      examples: [{ book_id: 2, title: 'Kindred (2nd ed.)' }],
      output_schema: { type: 'object', properties: { book: bookObject }, required: ['book'] },
      errors: [{ code: 'not_found', when: 'no book has the id' }],
      tables_written: ['books'],
    }),
  ],
};

const HANDLERS = {
  list_books:
    "function (args, ctx) {\n  return { books: ctx.db.all('SELECT id, title, stock FROM books ORDER BY id') };\n}",
  get_book:
    "function (args, ctx) {\n  const book = ctx.db.get('SELECT id, title, stock FROM books WHERE id = ?', args.book_id);\n  if (!book) ctx.fail('not_found', `No book has id ${args.book_id}.`);\n  return { book };\n}",
  rename_book:
    "function (args, ctx) {\n  const changed = ctx.db.run('UPDATE books SET title = ? WHERE id = ?', args.title, args.book_id);\n  if (changed.changes === 0) ctx.fail('not_found', `No book has id ${args.book_id}.`);\n  return { book: ctx.db.get('SELECT id, title, stock FROM books WHERE id = ?', args.book_id) };\n}",
};
const BROKEN_RENAME =
  "function (args, ctx) {\n  ctx.db.run('UPDATE books SET name = ? WHERE id = ?', args.title, args.book_id);\n  return { book: null };\n}";

function answer(handlers: Readonly<Record<string, string>>): MockStep {
  return mockStep.json({ tools: Object.entries(handlers).map(([name, code]) => ({ name, code })) });
}

function seedDatabase(folder: string): string {
  const path = join(folder, 'seed.db');
  const db = new Database(path);
  for (const table of SCHEMA.tables) db.exec(table.ddl);
  db.exec("INSERT INTO users VALUES (1, 'Maya'); INSERT INTO books VALUES (1, 'Piranesi', 4), (2, 'Kindred', 7);");
  db.close();
  return path;
}

async function runEnv(
  steps: MockStep[],
  options: { spec?: unknown; previous?: Record<string, unknown>; maxAttempts?: number } = {},
): Promise<{ run: HarnessRun; requests: string[] }> {
  const server = await startMockLlmServer({ steps });
  const folder = tempFolder();
  const { llm } = llmForMock(server, folder.dir);
  try {
    const run = await runStage(envStage, {
      stage: 'env',
      scenario: 'shop',
      inputs: {
        scenario: SCENARIO,
        spec: options.spec ?? SPEC,
        schema: SCHEMA,
        seed_db: { path: seedDatabase(folder.dir) },
        solutions: { absent: true },
      },
      outputs: { tools: 'tools.mjs', env: 'env.json' },
      prompts: { env: 'prompts/env.md' },
      params: { max_attempts: options.maxAttempts ?? 3 },
      ...(options.previous ? { previous: options.previous } : {}),
      llm: llm.session('env', 'shop', {}),
    });
    return { run, requests: server.chatRequests.map((request) => request.text) };
  } finally {
    await llm.close();
    await server.close();
    folder.remove();
  }
}

test('a module with one broken tool is repaired by asking for that tool alone', async () => {
  const { run, requests } = await runEnv([
    answer({ ...HANDLERS, rename_book: BROKEN_RENAME }),
    answer({ rename_book: HANDLERS.rename_book }),
  ]);
  assert.equal(run.result.status, 'ok', run.result.status === 'failed' ? run.result.message : '');
  assert.is(requests.length, 2);
  assert.match(requests[0]!, /### list_books[\s\S]*### get_book[\s\S]*### rename_book/);
  const repair = requests[1]!.slice(requests[1]!.lastIndexOf('Your previous answer'));
  assert.match(repair, /1 of 3 tools fail; answer with new handlers for exactly these tools: rename_book/);
  assert.match(
    repair,
    /tool rename_book: example 1 \{"book_id":2,"title":"Kindred \(2nd ed\.\)"\}: internal_error: .*no such column: name/,
  );
  assert.match(repair, /its handler:\n\s+function \(args, ctx\) \{\n\s+ctx\.db\.run\('UPDATE books SET name/);
  assert.not.match(repair, /tool (list_books|get_book):/);
  const env = run.written['env'] as EnvArtifact;
  assert.equal(env.check, {
    tools_passing: 3,
    tools_total: 3,
    examples: { ok: 3, business_error: 0, failed: 0 },
    solutions: { replayed: 0, failed: 0 },
  });
  assert.equal(
    env.tools.map((entry) => entry.code),
    [HANDLERS.list_books, HANDLERS.get_book, HANDLERS.rename_book],
  );
  run.dispose();
});

test('a changed spec entry asks again only for its tool; the other handlers are kept', async () => {
  const first = await runEnv([answer(HANDLERS)]);
  assert.equal(first.run.result.status, 'ok');
  const previous = first.run.written['env'] as EnvArtifact;
  first.run.dispose();
  const changed = {
    tools: SPEC.tools.map((entry) =>
      entry.name === 'get_book' ? { ...entry, description: 'Gets one book by its id, with its stock.' } : entry,
    ),
  };
  const again = await runEnv([answer({ get_book: HANDLERS.get_book })], { spec: changed, previous: { env: previous } });
  assert.equal(again.run.result.status, 'ok', again.run.result.status === 'failed' ? again.run.result.message : '');
  assert.is(again.requests.length, 1);
  assert.match(again.requests[0]!, /### get_book/);
  assert.not.match(again.requests[0]!, /### list_books|### rename_book/);
  assert.ok(
    again.run.log.some((line) => line.includes('kept 2 handlers') && line.includes('asking for 1: get_book')),
    again.run.log.join('\n'),
  );
  const env = again.run.written['env'] as EnvArtifact;
  assert.equal(env.check.tools_passing, 3);
  again.run.dispose();
});

test('a module whose tool never works fails the stage, names the tool, and writes nothing', async () => {
  const looping = 'function (args, ctx) {\n  for (;;) {}\n}';
  const { run, requests } = await runEnv(
    [answer({ ...HANDLERS, list_books: looping }), answer({ list_books: looping })],
    { maxAttempts: 2 },
  );
  assert.is(requests.length, 2);
  assert.is(run.result.status, 'failed');
  if (run.result.status === 'failed') {
    assert.is(run.result.kind, 'check');
    assert.match(
      run.result.message,
      /tool list_books: example 1 \{\}: timeout: the call did not finish within 2000 ms/,
    );
  }
  assert.equal(run.written, {});
  run.dispose();
});

test.run();
