// The pieces under the env host, each on its own: the call core on a real connection (a deferred
// foreign key failing at COMMIT), the result check, the handler statement policy, loading a tool
// module that does not fit its spec, and what a process killed in the middle of a call leaves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { executeCall } from '../src/env/execute-call.js';
import { jsonObjectProblem } from '../src/env/json-result.js';
import { handlerStatementRefusal } from '../src/env/handler-statement-policy.js';
import { loadToolModule } from '../src/env/tool-module.js';
import { worldClockOf } from '../src/env/tool-context.js';
import { InProcessRunner } from '../src/env/in-process-runner.js';
import { ToolModuleError } from '../src/env/handler-worker-entry.js';
import { DatabaseHandles, openSessionDatabase } from '../src/env/database-handles.js';
import { saveConsistentCopy } from '../src/env/database-files.js';
import { SerialQueue } from '../src/env/serial-queue.js';
import { callOutcomeOfWorker } from '../src/env/worker-outcome.js';
import { compileToolSchema } from '../src/synthesis/tool-spec.js';
import { REPO_ROOT } from './support/cli-rig.js';
import {
  makeShopFixture,
  SHOP_SPEC_PATH,
  SHOP_TOOLS_PATH,
  SHOP_WORLD_CLOCK,
  tableContents,
} from './support/env-fixture.js';

function withFolder<T>(body: (folder: string) => Promise<T> | T): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), 'awm-env-core-'));
  return Promise.resolve()
    .then(() => body(folder))
    .finally(() => rmSync(folder, { recursive: true, force: true }));
}

const anyObject = (() => {
  const compiled = compileToolSchema({ type: 'object' });
  if (!compiled.ok) throw new Error(compiled.problem);
  return compiled.validate;
})();

test('the world clock in the three spellings handlers get', () => {
  assert.equal(worldClockOf('2026-03-02T10:00:00+01:00'), {
    now: '2026-03-02T09:00:00Z',
    nowSql: '2026-03-02 09:00:00',
    today: '2026-03-02',
  });
  assert.throws(() => worldClockOf('yesterday'), /the world clock "yesterday" is not an instant/);
});

test('a deferred foreign key that fails at COMMIT rolls the call back', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE parents (id INTEGER PRIMARY KEY);
           CREATE TABLE children (id INTEGER PRIMARY KEY,
             parent_id INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED);
           INSERT INTO parents VALUES (1);`);
  const outcome = executeCall({
    db,
    tools: {
      adopt: (_args, ctx) => {
        ctx.db.run('INSERT INTO parents VALUES (2)');
        ctx.db.run('INSERT INTO children VALUES (1, 99)');
        return { adopted: true };
      },
    },
    tool: 'adopt',
    args: {},
    clock: worldClockOf(SHOP_WORLD_CLOCK),
    validateOutput: anyObject,
  });
  assert.equal(outcome.ok ? null : outcome.error, {
    code: 'internal_error',
    message: 'the tool failed: FOREIGN KEY constraint failed',
  });
  assert.not.ok(db.inTransaction);
  assert.equal(db.prepare('SELECT count(*) AS n FROM parents').get(), { n: 1 });
  db.close();
});

test('a result must be a plain JSON object; the problem is named by its path', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle['self'] = cycle;
  const cases: [unknown, string | null][] = [
    [{ a: [1, 'x', null, true, { b: 2 }] }, null],
    [{ dropped: undefined }, null],
    [[1], 'the result is an array, not a JSON object'],
    [null, 'the result is null, not a JSON object'],
    [undefined, 'the result is undefined, not a JSON object'],
    [new Map(), 'the result is a Map object, not a JSON object'],
    [{ n: Number.NaN }, '/n is NaN, which JSON cannot hold'],
    [{ list: [1, undefined] }, '/list/1 is undefined'],
    [{ id: 1n }, '/id is a bigint'],
    [{ 'a/b': { c: () => 1 } }, '/a~1b/c is a function'],
    [cycle, '/self refers back to an object that contains it'],
    [{ blob: Buffer.from('x') }, '/blob is a Buffer object'],
  ];
  for (const [value, problem] of cases) assert.equal(jsonObjectProblem(value), problem, JSON.stringify(problem));
});

test('the handler statement policy: the guard, transaction control, pragmas', () => {
  const refused = (sql: string) => handlerStatementRefusal(sql);
  assert.is(refused('SELECT * FROM products WHERE name = ?'), null);
  assert.is(refused("SELECT 'BEGIN; ATTACH x' AS text"), null);
  assert.is(refused('PRAGMA main.table_info(products)'), null);
  assert.is(refused('pragma foreign_key_list("orders")'), null);
  for (const sql of ['BEGIN', 'savepoint a', 'RELEASE a', 'ROLLBACK TO a', 'END TRANSACTION'])
    assert.match(refused(sql) ?? '', 'the host runs every call in one transaction of its own', sql);
  for (const sql of ['PRAGMA journal_mode = MEMORY', 'PRAGMA defer_foreign_keys = ON', 'PRAGMA foreign_keys'])
    assert.match(refused(sql) ?? '', "the host sets the connection's pragmas", sql);
  assert.match(refused('SELECT 1; ATTACH DATABASE ? AS x') ?? '', 'statement 2 (ATTACH DATABASE ? AS x) is refused');
  assert.match(refused("SELECT load_extension('x')") ?? '', 'load_extension() loads native code');
});

test('a tool module that does not fit the spec is refused with every problem at once', async () => {
  await withFolder(async (folder) => {
    const write = (name: string, text: string): string => {
      const path = join(folder, name);
      writeFileSync(path, text);
      return path;
    };
    const names = ['list_orders', 'place_order', 'cancel_order'];
    const module = write(
      'tools.mjs',
      `export const tools = {
         list_orders() { return { orders: [] }; },
         async place_order() { return {}; },
         refund_order() { return {}; },
       };`,
    );
    const loaded = await loadToolModule(module, names);
    assert.equal(loaded.ok ? [] : loaded.error, [
      'tools.place_order is async; handlers must be synchronous (ctx.db is), so drop async and await',
      'tools.cancel_order is missing: give every tool of the spec a handler',
      "tools.refund_order is not a tool of the spec; remove it or rename it to the spec's tool",
    ]);
    const noExport = await loadToolModule(write('default.mjs', 'export default {};'), names);
    assert.equal(noExport.ok ? [] : noExport.error, [
      'the module must export `tools`, an object with one handler function per tool',
    ]);
    const broken = await loadToolModule(write('broken.mjs', 'export const tools = {'), names);
    assert.match(broken.ok ? '' : (broken.error[0] ?? ''), /^the module does not load: /);
    const error = await InProcessRunner.start({
      modulePath: module,
      specPath: SHOP_SPEC_PATH,
      worldClock: SHOP_WORLD_CLOCK,
    }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    assert.instance(error, ToolModuleError);
    assert.equal((error as ToolModuleError).problems.length, 5, 'three spec tools missing, one async, one extra');
  });
});

test('a process killed in the middle of a call leaves a journal that restores the file on the next open', async () => {
  await withFolder((folder) => {
    const path = join(folder, 'session.db');
    const seed = new Database(path);
    seed.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
               INSERT INTO notes SELECT i, printf('note %d with some padding to fill pages', i) FROM n;`);
    seed.close();
    const before = tableContents(path);
    // The child opens the file as runners do, starts a call's transaction, changes every page with
    // a one-page cache (so the changes reach the file before any COMMIT), and is killed.
    const child = `
      import { openSessionDatabase } from ${JSON.stringify(join(REPO_ROOT, 'dist/src/env/database-handles.js'))};
      const db = openSessionDatabase(${JSON.stringify(path)});
      db.pragma('cache_size = 1');
      db.exec('BEGIN IMMEDIATE');
      db.prepare("UPDATE notes SET text = 'overwritten by a call that never finished'").run();
      process.kill(process.pid, 'SIGKILL');`;
    const killed = (() => {
      try {
        execFileSync(process.execPath, ['--input-type=module', '-e', child], { stdio: 'pipe' });
        return null;
      } catch (error) {
        return (error as { signal?: string }).signal;
      }
    })();
    assert.is(killed, 'SIGKILL');
    assert.ok(existsSync(`${path}-journal`) && statSync(`${path}-journal`).size > 0, 'a hot journal is left');
    const copy = join(folder, 'final.db');
    saveConsistentCopy(path, copy);
    assert.equal(tableContents(copy), before);
    assert.equal(tableContents(path), before, 'the session file itself was rolled back');
    const reopened = openSessionDatabase(path);
    assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
    reopened.close();
  });
});

test('at most maxOpen session files stay open: the least recently used is closed, and reopened when called again', async () => {
  await withFolder(async (folder) => {
    const fixture = makeShopFixture();
    try {
      const paths = ['a', 'b', 'c'].map((name) => {
        const path = join(folder, `${name}.db`);
        copyFileSync(fixture.seedPath, path);
        return path;
      });
      const [a, b, c] = paths as [string, string, string];
      const handles = new DatabaseHandles(2);
      const first = handles.get(a);
      handles.get(b);
      assert.is(handles.get(a), first, 'kept open, and now the most recent');
      handles.get(c);
      assert.is(handles.size, 2);
      assert.ok(first.open, 'a was used after b, so b went');
      const reopenedB = handles.get(b);
      assert.ok(reopenedB.open);
      assert.not.ok(first.open, 'then a, the least recently used');
      assert.throws(() => new DatabaseHandles(0), /maxOpen is a whole number from 1, not 0/);
      handles.closeAll();
      // Through the runner: two sessions on one open connection take turns, each keeping its writes.
      const runner = await InProcessRunner.start({
        modulePath: SHOP_TOOLS_PATH,
        specPath: SHOP_SPEC_PATH,
        worldClock: SHOP_WORLD_CLOCK,
        maxOpenDatabases: 1,
      });
      for (let round = 1; round <= 3; round++)
        for (const dbPath of [a, b]) {
          const outcome = await runner.call(
            { dbPath, tool: 'restock_product', args: { product_id: 2, amount: 1 } },
            { timeoutMs: 1_000 },
          );
          assert.equal(outcome.ok ? outcome.result : outcome, { product: { id: 2, stock: round } });
        }
      await runner.close();
    } finally {
      fixture.remove();
    }
  });
});

test('a serial queue runs tasks one at a time, in order, past failures', async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  const task =
    (name: string, ms: number, fail = false) =>
    () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`);
        setTimeout(() => {
          log.push(`end ${name}`);
          if (fail) reject(new Error(name));
          else resolve(name);
        }, ms);
      });
  const results = await Promise.allSettled([
    queue.run(task('a', 10)),
    queue.run(task('b', 1, true)),
    queue.run(task('c', 1)),
  ]);
  assert.equal(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test("the sandboxed worker's outcomes become call outcomes; its answer is checked, not trusted", () => {
  const result = { order: { id: 3 } };
  const d = { durationMs: 1 };
  assert.equal(callOutcomeOfWorker({ ...d, kind: 'ok', value: { ok: true, result } }), { ok: true, result });
  assert.equal(
    callOutcomeOfWorker({
      ...d,
      kind: 'ok',
      value: { ok: false, error: { code: 'not_found', message: 'no order 9' }, stack: 'Error: …' },
    }),
    { ok: false, error: { code: 'not_found', message: 'no order 9' }, stack: 'Error: …' },
  );
  const errorOf = (outcome: ReturnType<typeof callOutcomeOfWorker>) => (outcome.ok ? null : outcome.error);
  assert.equal(errorOf(callOutcomeOfWorker({ ...d, kind: 'timeout', limitMs: 2000 })), {
    code: 'timeout',
    message: 'the call did not finish within 2000 ms, its time limit; it was stopped and changed nothing',
  });
  assert.equal(
    errorOf(callOutcomeOfWorker({ ...d, kind: 'crashed', exitCode: null, signal: 'SIGSEGV', stderrTail: '' })),
    {
      code: 'unavailable',
      message: 'the process running the tools stopped (SIGSEGV) and will be restarted; the call changed nothing',
    },
  );
  assert.equal(
    errorOf(callOutcomeOfWorker({ ...d, kind: 'out-of-memory', limitMb: 256, evidence: 'heap' }))?.code,
    'unavailable',
  );
  assert.equal(
    errorOf(callOutcomeOfWorker({ ...d, kind: 'protocol', problem: 'oversized', message: 'oversized' }))?.code,
    'unavailable',
  );
  assert.equal(
    errorOf(
      callOutcomeOfWorker({ ...d, kind: 'threw', phase: 'run', name: 'Error', message: 'entry bug', stack: null }),
    )?.code,
    'internal_error',
  );
  for (const forged of [
    { ok: true, result: [1] },
    { ok: false, error: { code: 'all_good', message: 'trust me' } },
    { result: {} },
    'ok',
  ])
    assert.equal(errorOf(callOutcomeOfWorker({ ...d, kind: 'ok', value: forged })), {
      code: 'unavailable',
      message: 'the process running the tools answered something that is not a call outcome',
    });
});

test.run();
