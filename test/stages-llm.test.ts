// Each synthesis stage run end to end through the real LLM client and the mock server: a valid
// answer passes and is written; each kind of invalid answer is fed back and repaired on the next
// attempt (asserted on the request the mock received); the best attempt is kept when retries run out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer, type MockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import type { LlmSession } from '../src/llm/types.js';
import type { StageDefinition, StageRunResult } from '../src/stage-api/stage.js';
import tasksStage from '../stages/tasks.js';
import schemaStage from '../stages/schema.js';
import sampleStage from '../stages/sample.js';
import specStage from '../stages/spec.js';
import scenarioStage from '../stages/scenario.js';
import { hashDatabaseFile } from '../src/sqlite/canonical-dump.js';
import { llmForMock, tempFolder } from './support/mock-llm-fixture.js';
import { runStage, type HarnessOptions, type HarnessRun } from './support/stage-harness.js';

const SCENARIO = {
  id: 'online_bookstore',
  name: 'Online Bookstore',
  category: 'e-commerce',
  description: 'A web shop for printed books and e-books.',
};
const TASKS = [
  { id: 'task_00', kind: 'question', text: 'How many copies of Piranesi are in stock?' },
  { id: 'task_01', kind: 'create', text: "Add 2 copies of 'Kindred' to my cart." },
];
const SCHEMA = {
  tables: [
    { name: 'users', ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)', indexes: [] },
    {
      name: 'books',
      ddl: 'CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, stock INTEGER NOT NULL)',
      indexes: ['CREATE INDEX idx_books_title ON books(title)'],
    },
    {
      name: 'cart_items',
      ddl: 'CREATE TABLE cart_items (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), book_id INTEGER NOT NULL REFERENCES books(id), quantity INTEGER NOT NULL)',
      indexes: [],
    },
  ],
};

interface Mocked {
  readonly server: MockLlmServer;
  session(stage: string): LlmSession;
  close(): Promise<void>;
}

async function mocked(steps: MockStep[]): Promise<Mocked> {
  const server = await startMockLlmServer({ steps });
  const folder = tempFolder();
  const { llm } = llmForMock(server, folder.dir);
  return {
    server,
    session: (stage) => llm.session(stage, 'online_bookstore', {}),
    close: async () => {
      await llm.close();
      await server.close();
      folder.remove();
    },
  };
}

/** Runs `definition` against the mock answering `steps`; returns the run and the texts of the requests sent. */
async function run<Params>(
  definition: StageDefinition<Params>,
  options: Omit<HarnessOptions<Params>, 'llm'>,
  steps: MockStep[],
): Promise<{ run: HarnessRun; requests: string[] }> {
  const mock = await mocked(steps);
  try {
    const result = await runStage(definition, { ...options, llm: mock.session(options.stage) });
    return { run: result, requests: mock.server.chatRequests.map((request) => request.text) };
  } finally {
    await mock.close();
  }
}

function tasksAnswer(count: number): unknown {
  const kinds = ['question', 'create', 'update', 'delete'];
  return {
    tasks: Array.from({ length: count }, (_unused, index) => ({
      kind: kinds[index % 4],
      task: `Do the distinct thing number ${index} for me.`,
    })),
  };
}

const tasksOptions = {
  stage: 'tasks',
  inputs: { scenario: SCENARIO },
  outputs: { tasks: 'tasks.json' },
  prompts: { tasks: 'prompts/tasks.md' },
};

function assertOk(result: StageRunResult): void {
  assert.equal(result.status, 'ok', result.status === 'failed' ? result.message : '');
}

test('scenario: copies its row to its own file', async () => {
  const mock = await mocked([]);
  const harness = await runStage(scenarioStage, {
    stage: 'scenario',
    inputs: { row: SCENARIO },
    outputs: { scenario: 'scenario.json' },
    llm: mock.session('scenario'),
  });
  await mock.close();
  assertOk(harness.result);
  assert.equal(harness.written['scenario'], SCENARIO);
  harness.dispose();
});

test('tasks: a valid answer is written as task rows; the request carries the scenario and the count', async () => {
  const { run: harness, requests } = await run(tasksStage, tasksOptions, [mockStep.json(tasksAnswer(10))]);
  assertOk(harness.result);
  const rows = harness.written['tasks'] as { id: string; kind: string; text: string }[];
  assert.is(rows.length, 10);
  assert.equal(rows[0], { id: 'task_00', kind: 'question', text: 'Do the distinct thing number 0 for me.' });
  assert.match(requests[0]!, /## The platform: Online Bookstore\n\nA web shop for printed books and e-books\./);
  assert.match(requests[0]!, /## Write exactly 10 tasks/);
  harness.dispose();
});

test('tasks: too few tasks are fed back and repaired on the next attempt', async () => {
  const { run: harness, requests } = await run(tasksStage, { ...tasksOptions, params: { count: 5 } }, [
    mockStep.json(tasksAnswer(4)),
    mockStep.json(tasksAnswer(5)),
  ]);
  assertOk(harness.result);
  assert.is(requests.length, 2);
  assert.match(
    requests[1]!,
    /Your previous answer \(attempt 1 of 5\) has these problems:\n- expected 5 tasks, got 4; write exactly 5/,
  );
  assert.is((harness.written['tasks'] as unknown[]).length, 5);
  harness.dispose();
});

test("tasks: the prompt shows the world clock; a change dated in the world's past is fed back and repaired", async () => {
  const answer = (date: string): unknown => ({
    tasks: [
      { kind: 'question', task: 'How many paperback copies of Piranesi by Susanna Clarke are in stock right now?' },
      { kind: 'create', task: `Schedule a pickup of my order of Kindred at the Elm Street store on ${date}.` },
    ],
  });
  const { run: harness, requests } = await run(tasksStage, { ...tasksOptions, params: { count: 2 } }, [
    mockStep.json(answer('February 20, 2026')),
    mockStep.json(answer('March 12, 2026')),
  ]);
  assertOk(harness.result);
  assert.match(requests[0]!, /It is now 2026-03-02 09:00:00 UTC \(a Monday\) in the platform's world/);
  assert.match(
    requests[1]!,
    /- task 2 schedules something on February 20, 2026 \(2026-02-20\), before the world's present \(2026-03-02\)/,
  );
  harness.dispose();
});

test('tasks: the quoted good tasks pass at once; their true counterparts are fed back; extra tasks are cut to count', async () => {
  const good = [
    { kind: 'create', task: 'Add every paperback by Ursula K. Le Guin and Octavia E. Butler to my wishlist.' },
    { kind: 'update', task: 'Update the Wi-Fi password on my guest network' },
    { kind: 'create', task: 'Log in 3 volunteer hours' },
    { kind: 'update', task: 'Sign out the cordless drill' },
    { kind: 'question', task: 'Which of the books by J. R. Smith did I order on Mon. February 2?' },
  ];
  const extra = { kind: 'delete', task: 'Remove Dune from my wishlist.' };
  const first = await run(tasksStage, { ...tasksOptions, params: { count: 5 } }, [
    mockStep.json({ tasks: [...good, extra] }),
  ]);
  assertOk(first.run.result);
  assert.is(first.requests.length, 1);
  assert.equal(
    (first.run.written['tasks'] as { text: string }[]).map((row) => row.text),
    good.map((task) => task.task),
  );
  const result = first.run.result;
  assert.equal(result.status === 'ok' ? result.warnings : [], [
    'the answer has 6 tasks; the first 5 are kept',
    '5 of 5 tasks are outside the target of 25-40 words (mean 9.6); short tasks tend to leave out values the agent needs',
  ]);
  first.run.dispose();
  const counterparts = [
    { kind: 'question', task: 'Log in to my account' },
    { kind: 'create', task: 'Add Kindred by Octavia E. Butler to my cart. Then check out.' },
  ];
  const second = await run(tasksStage, { ...tasksOptions, params: { count: 2 } }, [
    mockStep.json({ tasks: counterparts }),
    mockStep.json({ tasks: good.slice(3) }),
  ]);
  assertOk(second.run.result);
  assert.match(second.requests[1]!, /- task 1 is about accounts or authentication \("Log in"\)/);
  assert.match(second.requests[1]!, /- task 2 is 2 sentences; write it as one sentence/);
  second.run.dispose();
});

const schemaOptions = {
  stage: 'schema',
  params: { min_tables: 2 },
  inputs: { scenario: SCENARIO, tasks: TASKS },
  outputs: { schema: 'schema.json' },
  prompts: { schema: 'prompts/schema.md' },
};

test('schema: a failing DDL is fed back with SQLite’s error, and the repaired schema is written as answered', async () => {
  const broken = {
    tables: [
      SCHEMA.tables[0],
      { name: 'books', ddl: 'CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT,)', indexes: [] },
    ],
  };
  const { run: harness, requests } = await run(schemaStage, schemaOptions, [
    mockStep.json(broken),
    mockStep.json(SCHEMA),
  ]);
  assertOk(harness.result);
  assert.match(requests[0]!, /- task_01 \(create\): Add 2 copies of 'Kindred' to my cart\./);
  assert.match(requests[1]!, /- 1 of 2 tables fail \(50%; at most 10% may\)\n- table books: near "\)": syntax error/);
  assert.equal(harness.written['schema'], SCHEMA);
  harness.dispose();
});

test('schema: when retries run out the stage fails with the best attempt (the lowest error ratio)', async () => {
  const worse = {
    tables: [
      { name: 'users', ddl: 'CREATE TABLE users (', indexes: [] },
      { name: 'books', ddl: 'CREATE TABLE books (', indexes: [] },
    ],
  };
  const better = { tables: [SCHEMA.tables[0], { name: 'books', ddl: 'CREATE TABLE books (', indexes: [] }] };
  const { run: harness, requests } = await run(
    schemaStage,
    { ...schemaOptions, params: { max_attempts: 3, min_tables: 2 } },
    [mockStep.json(worse), mockStep.json(better), mockStep.json(worse)],
  );
  assert.is(requests.length, 3);
  const result = harness.result;
  assert.is(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.is(result.kind, 'check');
  assert.match(result.message, /^no schema that runs in SQLite: none of the 3 attempts passed; the best \(attempt 2\)/);
  assert.equal((result.bestAttempt as { value: unknown }).value, better);
  assert.equal(harness.written, {});
  harness.dispose();
});

const sampleOptions = {
  stage: 'sample',
  inputs: { scenario: SCENARIO, tasks: TASKS, schema: SCHEMA },
  outputs: { sample: 'sample.json', seed_db: 'seed.db' },
  prompts: { sample: 'prompts/sample.md' },
};

function sampleAnswer(cartBookId: number): unknown {
  return {
    tables: [
      {
        table_name: 'users',
        reasoning: 'user 1',
        insert_statements: ["INSERT INTO users (id, name) VALUES (1, 'Maya Chen');"],
      },
      {
        table_name: 'books',
        reasoning: 'books the tasks name',
        insert_statements: [
          "INSERT INTO books (id, title, stock) VALUES (1, 'Piranesi', 4);",
          "INSERT INTO books (id, title, stock) VALUES (2, 'Kindred', 7);",
        ],
      },
      {
        table_name: 'cart_items',
        reasoning: 'a cart',
        insert_statements: [`INSERT INTO cart_items (id, user_id, book_id, quantity) VALUES (1, 1, ${cartBookId}, 1);`],
      },
    ],
  };
}

test('sample: a foreign key violation is fed back; the repaired answer gives sample.json and a reproducible seed.db', async () => {
  const { run: harness, requests } = await run(sampleStage, sampleOptions, [
    mockStep.json(sampleAnswer(9)),
    mockStep.json(sampleAnswer(2)),
  ]);
  assertOk(harness.result);
  assert.match(requests[0]!, /It is now 2026-03-02 09:00:00 UTC \(a Monday\)/);
  assert.match(requests[0]!, /'\{\{now-3d\}\}'\s+→ '2026-02-27 09:00:00'/);
  assert.match(requests[1]!, /- cart_items statement 1: FOREIGN KEY constraint failed\n {4}in: INSERT INTO cart_items/);
  const written = harness.written['sample'] as {
    world_clock: string;
    tables: unknown[];
    skipped_statements: unknown[];
  };
  assert.equal(written, {
    world_clock: '2026-03-02T09:00:00Z',
    ...(sampleAnswer(2) as object),
    skipped_statements: [],
  });
  const seedPath = harness.written['seed_db'] as string;
  const again = await run(sampleStage, sampleOptions, [mockStep.json(sampleAnswer(2))]);
  assert.is(hashDatabaseFile(seedPath), hashDatabaseFile(again.run.written['seed_db'] as string));
  harness.dispose();
  again.run.dispose();
});

test('sample: wall-clock SQL is fed back and repaired', async () => {
  const wallClock = sampleAnswer(2) as { tables: { insert_statements: string[] }[] };
  wallClock.tables[0]!.insert_statements = ["INSERT INTO users (id, name) VALUES (1, datetime('now'));"];
  const { run: harness, requests } = await run(sampleStage, sampleOptions, [
    mockStep.json(wallClock),
    mockStep.json(sampleAnswer(2)),
  ]);
  assertOk(harness.result);
  assert.match(requests[1]!, /- users statement 1: uses the wall clock \(datetime\(… 'now' …\)\)/);
  harness.dispose();
});

const specOptions = {
  stage: 'spec',
  params: { min_tools: 1 },
  inputs: { scenario: SCENARIO, tasks: TASKS, schema: SCHEMA },
  outputs: { spec: 'spec.json' },
  prompts: { spec: 'prompts/spec.md' },
};

function specAnswer(table: string, example: Record<string, unknown>): unknown {
  return {
    tools: [
      {
        name: 'add_to_cart',
        description: 'Adds copies of a book to my cart.',
        input_schema: {
          type: 'object',
          properties: { book_id: { type: 'integer' }, quantity: { type: 'integer', minimum: 1 } },
          required: ['book_id', 'quantity'],
        },
        examples: [example],
        output_schema: { type: 'object', properties: { cart_item: { type: 'object' } }, required: ['cart_item'] },
        output_description: '{ cart_item: { id, book_id, quantity } }',
        errors: [{ code: 'not_found', when: 'no book has this id' }],
        tables_read: ['users', 'books', 'cart_items'],
        tables_written: [table],
      },
    ],
  };
}

test('spec: a missing table and an invalid example are fed back and repaired', async () => {
  const good = specAnswer('cart_items', { book_id: 2, quantity: 2 });
  const { run: harness, requests } = await run(specStage, specOptions, [
    mockStep.json(specAnswer('carts', { book_id: 2, quantity: 0 })),
    mockStep.json(good),
  ]);
  assertOk(harness.result);
  assert.match(requests[0]!, /CREATE TABLE cart_items/);
  assert.match(
    requests[1]!,
    /- tool add_to_cart: example 1 \{"book_id":2,"quantity":0\} does not match input_schema: \/quantity must be >= 1/,
  );
  assert.match(
    requests[1]!,
    /- tool add_to_cart: names table "carts", which is not in the schema \(tables: users, books, cart_items\)/,
  );
  assert.equal(harness.written['spec'], good);
  harness.dispose();
});

test('spec: an output schema that does not compile and a table no tool reads are fed back and repaired', async () => {
  const good = specAnswer('cart_items', { book_id: 2, quantity: 2 }) as { tools: Record<string, unknown>[] };
  const tool = good.tools[0]!;
  const broken = {
    tools: [
      {
        ...tool,
        output_schema: { type: 'object', properties: { cart_item: { type: 'record' } } },
        tables_read: ['books', 'Cart_Items'],
      },
    ],
  };
  const { run: harness, requests } = await run(specStage, specOptions, [mockStep.json(broken), mockStep.json(good)]);
  assertOk(harness.result);
  assert.match(requests[0]!, /`limit_exceeded`: a quantity, balance, capacity or quota would be exceeded/);
  assert.match(requests[1]!, /- tool add_to_cart: output_schema: not a valid JSON Schema: /);
  assert.match(
    requests[1]!,
    /- no tool reads table "users"; add a tool that lists or gets its rows, or name it in tables_read of the tool that does/,
  );
  assert.not.match(requests[1]!, /names table "Cart_Items"/);
  harness.dispose();
});

test.run();
