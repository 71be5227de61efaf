// The sandbox against real child processes and real SQLite: every outcome, the limits, the empty
// environment, and what the namespaces contain (writes outside the scratch folder, the network).
// Tests that need namespaces print a note and pass when the machine has none; each containment
// test has a control run without namespaces showing that the same child does escape there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runSandboxed, type SandboxOptions } from '../src/sandbox/run-sandboxed.js';
import { namespaceSupport } from '../src/sandbox/namespace-support.js';
import { describeSandboxNotice, type SandboxNotice } from '../src/sandbox/sandbox-notice.js';
import { describeSandboxOutcome } from '../src/sandbox/describe-sandbox-outcome.js';
import { permissionFlag, wrapCommand } from '../src/sandbox/child-command.js';
import { sandboxedSqlCheck } from '../src/sandbox/sandboxed-sql-check.js';
import type { SandboxOutcome } from '../src/sandbox/sandbox-outcome.js';
import { buildSeedDatabase } from '../src/sqlite/seed-database.js';
import { canonicalDump } from '../src/sqlite/canonical-dump.js';
import type { SchemaAnswer } from '../src/sqlite/apply-schema.js';
import type { SampleAnswer } from '../src/sqlite/sample-inserts.js';
import type { TestEntryInput } from './support/sandbox-test-entry.js';

const ENTRY = fileURLToPath(new URL('./support/sandbox-test-entry.js', import.meta.url));
const namespaces = await namespaceSupport(process.execPath);

function run(input: TestEntryInput, options: SandboxOptions = {}): Promise<SandboxOutcome<unknown>> {
  return runSandboxed({ entry: ENTRY, input }, options);
}

/** The outcome without its timing, for exact comparison. */
function settled(outcome: SandboxOutcome<unknown>): Record<string, unknown> {
  const { durationMs: _durationMs, ...rest } = outcome;
  return rest;
}

function withFolder<T>(prefix: string, body: (folder: string) => Promise<T>): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  return body(folder).finally(() => rmSync(folder, { recursive: true, force: true }));
}

function needsNamespaces(what: string): boolean {
  if (namespaces.available) return true;
  console.log(`  note: skipped "${what}": no namespaces here (${namespaces.reason})`);
  return false;
}

const isolation = namespaces.available ? 'namespaces' : 'none';

test('an answer comes back as ok, through namespaces where available and without them on request', async () => {
  assert.equal(settled(await run({ mode: 'echo', value: { rows: [1, 'two', null] } })), {
    kind: 'ok',
    value: { rows: [1, 'two', null] },
    isolation,
  });
  assert.equal(settled(await run({ mode: 'echo', value: 'plain' }, { namespaces: 'off' })), {
    kind: 'ok',
    value: 'plain',
    isolation: 'none',
  });
});

test("the child inherits nothing from the parent's environment", async () => {
  process.env.AWM_SECRET_FOR_TEST = 'must-not-leak';
  try {
    for (const mode of ['auto', 'off'] as const) {
      const outcome = await run({ mode: 'environment' }, { namespaces: mode, env: { GIVEN_ON_PURPOSE: 'yes' } });
      assert.is(outcome.kind, 'ok');
      const environment = (outcome.kind === 'ok' ? outcome.value : {}) as Record<string, string>;
      assert.equal(
        Object.keys(environment).sort(),
        ['GIVEN_ON_PURPOSE', 'HOME', 'PWD', 'SQLITE_TMPDIR', 'TMPDIR', 'TZ'],
        mode,
      );
      assert.not.ok(JSON.stringify(environment).includes('must-not-leak'));
    }
  } finally {
    delete process.env.AWM_SECRET_FOR_TEST;
  }
});

test("the entry's own failure is `threw`, with its name, message and stack", async () => {
  const outcome = await run({ mode: 'throw', message: 'no such order: 42' });
  assert.is(outcome.kind, 'threw');
  if (outcome.kind !== 'threw') return;
  assert.equal([outcome.phase, outcome.name, outcome.message], ['run', 'RangeError', 'no such order: 42']);
  assert.match(outcome.stack ?? '', /sandbox-test-entry\.js/);
  const missing = await runSandboxed({ entry: join(tmpdir(), 'awm-no-such-entry.js'), input: null });
  assert.equal([missing.kind, missing.kind === 'threw' ? missing.phase : ''], ['threw', 'load']);
  const notJson = await run({ mode: 'not-json' });
  assert.equal(notJson.kind === 'threw' ? [notJson.phase, notJson.message] : notJson, [
    'return',
    'the entry returned a value that is not JSON: Do not know how to serialize a BigInt',
  ]);
});

test('a child that ends without answering is `crashed`, with its exit code or signal', async () => {
  assert.equal(settled(await run({ mode: 'exit-silently', code: 3 })), {
    kind: 'crashed',
    exitCode: 3,
    signal: null,
    stderrTail: '',
    isolation,
  });
  for (const mode of ['auto', 'off'] as const) {
    const killed = await run({ mode: 'kill-self', signal: 'SIGSEGV' }, { namespaces: mode });
    assert.equal([killed.kind, killed.kind === 'crashed' ? killed.signal : null], ['crashed', 'SIGSEGV'], mode);
  }
});

test('an oversized or forged answer is `protocol`', async () => {
  assert.equal(settled(await run({ mode: 'answer-bytes', length: 5_000 }, { maxResultBytes: 1_000 })), {
    kind: 'protocol',
    problem: 'oversized',
    message: 'the answer is larger than the 1000 bytes allowed',
    isolation,
  });
  assert.is((await run({ mode: 'answer-bytes', length: 900 }, { maxResultBytes: 1_000 })).kind, 'ok');
  assert.equal(settled(await run({ mode: 'forge-frame' })), {
    kind: 'protocol',
    problem: 'malformed',
    message: 'the answer is not JSON (Unexpected end of JSON input)',
    isolation,
  });
});

test('an endless recursive CTE is stopped by the time limit while the parent stays responsive', async () => {
  let ticks = 0;
  let longestGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks += 1;
  }, 20);
  const timerFired = new Promise<number>((resolve) => {
    const start = performance.now();
    setTimeout(() => resolve(performance.now() - start), 300);
  });
  try {
    const outcome = await run({ mode: 'endless-cte' }, { timeoutMs: 1_500 });
    assert.equal(settled(outcome), { kind: 'timeout', limitMs: 1_500, isolation });
    assert.ok(outcome.durationMs >= 1_500 && outcome.durationMs < 3_000, `stopped after ${outcome.durationMs} ms`);
    assert.ok((await timerFired) < 600, 'a parent timer fired on time');
    assert.ok(ticks > 30 && longestGap < 250, `parent ticked ${ticks} times, longest gap ${Math.round(longestGap)} ms`);
  } finally {
    clearInterval(ticker);
  }
});

test('aborting the signal cancels a spinning child at once', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const outcome = await run({ mode: 'endless-cte' }, { timeoutMs: 20_000, signal: controller.signal });
  assert.equal(settled(outcome), { kind: 'cancelled', isolation });
  assert.ok(outcome.durationMs < 2_000, `cancelled after ${outcome.durationMs} ms`);
  const early = await run({ mode: 'echo', value: 1 }, { signal: AbortSignal.abort() });
  assert.equal(settled(early), { kind: 'cancelled', isolation });
});

test('allocating without bound ends as `out-of-memory` within the limit, for JS, buffers and SQLite', async () => {
  for (const what of ['js-heap', 'buffers', 'sqlite'] as const) {
    const outcome = await run({ mode: 'allocate', what }, { memoryMb: 64, timeoutMs: 10_000 });
    assert.is(outcome.kind, 'out-of-memory', `${what}: ${JSON.stringify(outcome)}`);
    if (outcome.kind === 'out-of-memory') assert.is(outcome.limitMb, 64);
  }
  // The parent is still here and the sandbox still works.
  assert.is((await run({ mode: 'echo', value: 'still alive' })).kind, 'ok');
});

test('the namespace stops unguarded SQLite writes outside the scratch folder; inside it they work', async () => {
  if (!needsNamespaces('SQLite writes outside the scratch folder')) return;
  // A space in the scratch path exercises the \040 escape in /proc/self/mountinfo.
  await withFolder('awm sandbox-scratch-', (scratchDir) =>
    withFolder('awm-sandbox-outside-', async (outside) => {
      const attach = `ATTACH DATABASE '${join(outside, 'x.db')}' AS x; CREATE TABLE x.t(a)`;
      const vacuum = `VACUUM INTO '${join(outside, 'y.db')}'`;
      for (const sql of [attach, vacuum]) {
        const outcome = await run({ mode: 'raw-sql', sql }, { scratchDir });
        assert.equal(outcome.kind === 'ok' ? outcome.value : outcome, {
          ran: false,
          error: `unable to open database: ${outside}/${sql === attach ? 'x' : 'y'}.db`,
        });
      }
      assert.is(existsSync(join(outside, 'x.db')), false);
      assert.is(existsSync(join(outside, 'y.db')), false);
      const inside = await run(
        { mode: 'raw-sql', sql: `ATTACH DATABASE '${join(scratchDir, 'x.db')}' AS x; CREATE TABLE x.t(a)` },
        { scratchDir },
      );
      assert.equal(inside.kind === 'ok' ? inside.value : inside, { ran: true, error: null });
      assert.is(existsSync(join(scratchDir, 'x.db')), true);
      // Control: without namespaces the same statement does write outside.
      const escaped = await run({ mode: 'raw-sql', sql: attach }, { scratchDir, namespaces: 'off' });
      assert.equal(escaped.kind === 'ok' ? escaped.value : escaped, { ran: true, error: null });
      assert.is(existsSync(join(outside, 'x.db')), true);
    }),
  );
});

test('the network is unreachable from inside the namespace', async () => {
  if (!needsNamespaces('network')) return;
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const inside = await run({ mode: 'connect', port });
    assert.equal(settled(inside), { kind: 'ok', value: 'ENETUNREACH', isolation: 'namespaces' });
    assert.is(connections, 0);
    const control = await run({ mode: 'connect', port }, { namespaces: 'off' });
    assert.equal(control.kind === 'ok' ? control.value : control, 'connected');
  } finally {
    server.close();
  }
});

test('the SQL check entry refuses ATTACH and VACUUM INTO before they run, and no file appears', async () => {
  await withFolder('awm-sandbox-guard-', async (folder) => {
    const schema: SchemaAnswer = {
      tables: [
        {
          name: 'notes',
          ddl: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT DEFAULT 'ATTACH me')",
          indexes: [`VACUUM INTO '${folder}/y.db'`],
        },
        { name: 't', ddl: `ATTACH DATABASE '${folder}/x.db' AS x; CREATE TABLE x.t(a)` },
      ],
    };
    const outcome = await sandboxedSqlCheck({ schema }, { namespaces: 'off' });
    assert.is(outcome.kind, 'ok', JSON.stringify(outcome));
    if (outcome.kind !== 'ok') return;
    assert.equal(
      outcome.value.schema.tableProblems.map((problem) => [problem.table, problem.part, problem.error]),
      [
        [
          'notes',
          'index',
          `statement 1 (VACUUM INTO '${folder}/y.db') is refused: VACUUM INTO writes a copy of the database to a file; leave it out (a plain VACUUM is allowed)`,
        ],
        [
          't',
          'table',
          `statement 1 (ATTACH DATABASE '${folder}/x.db' AS x) is refused: ATTACH opens or creates another database file; keep every table in this one database and leave ATTACH out`,
        ],
      ],
    );
    assert.is(outcome.value.sample, null);
    assert.is(existsSync(join(folder, 'x.db')), false);
    assert.is(existsSync(join(folder, 'y.db')), false);
  });
});

test('the SQL check entry returns what the in-process checks find, seed database included', async () => {
  const schema: SchemaAnswer = {
    tables: [
      {
        name: 'users',
        ddl: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT DEFAULT CURRENT_TIMESTAMP)',
        indexes: [],
      },
      {
        name: 'orders',
        ddl: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id))',
        indexes: [],
      },
      {
        name: 'tags',
        ddl: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT REFERENCES labels(name))',
        indexes: [],
      },
    ],
  };
  const sample: SampleAnswer = {
    tables: [
      { table_name: 'users', reasoning: '', insert_statements: ["INSERT INTO users (id, name) VALUES (1, 'Ada')"] },
      {
        table_name: 'orders',
        reasoning: '',
        insert_statements: [
          'INSERT INTO orders (id, user_id) VALUES (1, 1)',
          'INSERT INTO orders (id, user_id) VALUES (2, 9)',
        ],
      },
    ],
  };
  const clock = '2026-03-02T09:00:00Z';
  const outcome = await sandboxedSqlCheck({ schema, sample, clock, includeSeed: true });
  assert.is(outcome.kind, 'ok', JSON.stringify(outcome));
  if (outcome.kind !== 'ok' || outcome.value.sample === null) return;
  const local = buildSeedDatabase(schema, sample, new Date(clock));
  try {
    assert.equal(outcome.value.sample.statements, JSON.parse(JSON.stringify(local.statements)));
    assert.equal(outcome.value.sample.emptyTables, ['tags']);
    assert.equal(outcome.value.schema.foreignKeyProblems, [
      { table: 'tags', error: 'tags(label) references table "labels", which does not exist' },
    ]);
    const seed = new Database(Buffer.from(outcome.value.sample.seedBase64 ?? '', 'base64'));
    assert.equal(canonicalDump(seed), canonicalDump(local.db));
    seed.close();
  } finally {
    local.db.close();
  }
});

test('without namespaces the caller hears one notice, in data and in words', async () => {
  const notices: SandboxNotice[] = [];
  const onNotice = (notice: SandboxNotice): void => void notices.push(notice);
  await run({ mode: 'echo', value: 1 }, { namespaces: 'off', onNotice });
  await run({ mode: 'echo', value: 2 }, { namespaces: 'off', onNotice });
  assert.is(notices.length, 1);
  assert.is(
    describeSandboxNotice(notices[0]!),
    [
      "LLM-written code runs without Linux namespaces: namespaces were turned off by the caller (namespaces: 'off').",
      'Still enforced: an empty environment (no API keys or other variables reach the child); the time limit and the memory limit; ' +
        "Node's permission model for JavaScript children (no child processes or worker threads; JavaScript writes files only in the scratch folder); " +
        'the SQL statement guard, where the entry applies it (the SQL check does).',
      'Not contained: writes outside the scratch folder by native code, such as SQLite reached without the guard; the network; ' +
        'signals to and /proc of other processes of this user; ' +
        "Python children (the reference pipeline's verifiers) have no permission model: any file this user may write, child processes (they are given copies of the databases).",
      'To contain them, allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) and install util-linux.',
    ].join('\n'),
  );
});

test('outcomes in words', () => {
  const facts = { isolation: 'none', durationMs: 12 } as const;
  assert.is(
    describeSandboxOutcome({ kind: 'timeout', limitMs: 5000, ...facts }, 'the SQL check'),
    'the SQL check was stopped after 5000 ms, its time limit; look for work that never ends, such as a recursive query without a bound',
  );
  assert.is(
    describeSandboxOutcome({ kind: 'out-of-memory', limitMb: 64, evidence: 'SqliteError: out of memory', ...facts }),
    'the sandboxed code was stopped by its 64 MB memory limit (SqliteError: out of memory); look for work that grows without bound',
  );
  assert.is(
    describeSandboxOutcome({
      kind: 'crashed',
      exitCode: null,
      signal: 'SIGSEGV',
      stderrTail: 'a\nSegmentation fault\n',
      ...facts,
    }),
    'the sandboxed code was killed by SIGSEGV without answering; it said: Segmentation fault',
  );
  assert.is(
    describeSandboxOutcome(
      { kind: 'threw', phase: 'run', name: 'TypeError', message: 'x is undefined', stack: null, ...facts },
      'handler "search"',
    ),
    'handler "search" threw TypeError: x is undefined',
  );
});

test('the command line: permission flag by Node version, and no namespaces means only sh', () => {
  assert.equal(['v20.20.2', 'v22.12.0', 'v22.13.0', 'v23.4.0', 'v23.5.0', 'v24.1.0'].map(permissionFlag), [
    '--experimental-permission',
    '--experimental-permission',
    '--permission',
    '--experimental-permission',
    '--permission',
    '--permission',
  ]);
  const command = wrapCommand({
    wrapping: { isolation: 'none' },
    scratchDir: '/tmp/s',
    memoryMb: 64,
    program: ['/usr/bin/node', 'x.js'],
  });
  assert.equal(
    [command.file, ...command.args.slice(2)],
    ['/bin/sh', 'awm-sandbox', String((64 + 128) * 1024), '/usr/bin/node', 'x.js'],
  );
});

test('start-up cost, with and without namespaces (printed, not asserted)', async () => {
  const median = async (mode: 'auto' | 'off'): Promise<number> => {
    const times: number[] = [];
    for (let index = 0; index < 7; index += 1)
      times.push((await run({ mode: 'echo', value: index }, { namespaces: mode })).durationMs);
    return times.sort((a, b) => a - b)[3] ?? 0;
  };
  const without = await median('off');
  const within = namespaces.available ? `${await median('auto')} ms with namespaces, ` : '';
  console.log(`  note: sandboxed call round trip (median of 7): ${within}${without} ms without`);
});

test.run();
