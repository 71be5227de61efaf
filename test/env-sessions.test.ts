// The env host in process, against real SQLite files and the fixture's tool modules: sessions
// copied from the snapshot, arguments checked before any handler runs, one transaction per call
// (whatever fails changes nothing), the handler database facade and its refusals, the call log,
// reset and the saved final database.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InProcessRunner } from '../src/env/in-process-runner.js';
import { EnvSessions, type SessionId } from '../src/env/sessions.js';
import type { CallOutcome } from '../src/env/call-outcome.js';
import type { HandlerRunner } from '../src/env/handler-runner.js';
import {
  makeShopFixture,
  SHOP_MISBEHAVING_TOOLS_PATH,
  SHOP_SPEC_PATH,
  SHOP_TOOLS_PATH,
  SHOP_WORLD_CLOCK,
  tableContents,
  type ShopFixture,
} from './support/env-fixture.js';

interface ShopEnv {
  readonly fixture: ShopFixture;
  readonly sessions: EnvSessions;
  readonly session: SessionId;
  readonly callLogPath: string;
  call(tool: string, args: unknown, session?: SessionId): Promise<CallOutcome>;
  /** The session's tables (default the first session). */
  contents(session?: SessionId): Record<string, unknown[]>;
  dispose(): Promise<void>;
}

async function shopEnv(
  modulePath = SHOP_TOOLS_PATH,
  wrapRunner: (runner: HandlerRunner) => HandlerRunner = (runner) => runner,
): Promise<ShopEnv> {
  const fixture = makeShopFixture();
  const runner = await InProcessRunner.start({ modulePath, specPath: SHOP_SPEC_PATH, worldClock: SHOP_WORLD_CLOCK });
  const callLogPath = join(fixture.dir, 'run', 'calls.jsonl');
  const sessions = new EnvSessions({
    tools: fixture.spec.tools,
    snapshotPath: fixture.seedPath,
    sessionsDir: join(fixture.dir, 'run'),
    runner: wrapRunner(runner),
    callLogPath,
    wallClock: () => new Date('2030-01-01T00:00:00Z'),
  });
  const session = await sessions.createSession('first');
  return {
    fixture,
    sessions,
    session,
    callLogPath,
    call: (tool, args, id = session) => sessions.callTool(id, tool, args),
    contents: (id = session) => tableContents(sessions.databasePath(id)),
    async dispose() {
      await sessions.close();
      fixture.remove();
    },
  };
}

async function withShop(body: (env: ShopEnv) => Promise<void>, modulePath?: string): Promise<void> {
  const env = await shopEnv(modulePath);
  try {
    await body(env);
  } finally {
    await env.dispose();
  }
}

/** The error of a failed outcome, without the stack (which only the log keeps). */
function errorOf(outcome: CallOutcome): { code: string; message: string } {
  assert.equal(outcome.ok, false, `expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.ok ? { code: '', message: '' } : { ...outcome.error };
}

function resultOf(outcome: CallOutcome): unknown {
  assert.ok(outcome.ok, `expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.ok ? outcome.result : null;
}

test('tools come in the spec order', async () => {
  await withShop(async ({ sessions }) => {
    assert.equal(
      sessions.tools.map((tool) => tool.name),
      ['search_products', 'place_order', 'cancel_order', 'list_orders', 'restock_product'],
    );
  });
});

test('a call runs its handler with the world clock and commits', async () => {
  await withShop(async ({ call, contents }) => {
    assert.equal(resultOf(await call('place_order', { product_id: 1, quantity: 2 })), {
      order: { id: 3, product_id: 1, quantity: 2, status: 'placed', created_at: '2026-03-02 09:00:00' },
    });
    assert.equal(contents()['products']?.[0], { id: 1, name: 'Desk lamp', price_cents: 2500, stock: 3 });
    const listed = resultOf(await call('list_orders', { status: 'placed' })) as { as_of: string; orders: unknown[] };
    assert.equal(listed.as_of, '2026-03-02T09:00:00Z');
    assert.equal(listed.orders.length, 2, 'user 1 has the seeded order and the new one; user 2 has none shown');
    // A boolean argument is bound as 1 (better-sqlite3 alone refuses booleans); undefined as NULL.
    const inStock = resultOf(await call('search_products', { in_stock_only: true })) as {
      products: { name: string }[];
    };
    assert.equal(
      inStock.products.map((product) => product.name),
      ['Desk lamp', 'Lamp shade'],
    );
  });
});

test('arguments that break the input schema are refused before any handler runs, naming the field', async () => {
  await withShop(async ({ call }) => {
    assert.equal(errorOf(await call('place_order', { product_id: 1, quantity: 0 })), {
      code: 'invalid_arguments',
      message: 'invalid arguments: /quantity must be >= 1',
    });
    assert.equal(errorOf(await call('place_order', { quantity: 1 })), {
      code: 'invalid_arguments',
      message: "invalid arguments: (arguments) must have required property 'product_id'",
    });
    assert.equal(errorOf(await call('place_order', { product_id: 1, quantity: 1, coupon: 'X' })), {
      code: 'invalid_arguments',
      message: "invalid arguments: (arguments) must NOT have additional properties ('coupon')",
    });
    assert.equal(errorOf(await call('place_order', [1, 2])), {
      code: 'invalid_arguments',
      message: 'invalid arguments: they must be a JSON object',
    });
  }, SHOP_MISBEHAVING_TOOLS_PATH); // the misbehaving place_order would throw: it never ran
});

test('an unknown tool is an unknown_tool error listing the tools', async () => {
  await withShop(async ({ call }) => {
    assert.equal(errorOf(await call('delete_everything', {})), {
      code: 'unknown_tool',
      message:
        'no tool is named "delete_everything"; the tools are search_products, place_order, cancel_order, list_orders, restock_product',
    });
  });
});

test('ctx.fail gives { error: { code, message } } and rolls back what the handler wrote first', async () => {
  await withShop(async ({ call, contents }) => {
    const before = contents();
    assert.equal(errorOf(await call('restock_product', { product_id: 2, amount: 5 })), {
      code: 'not_found',
      message: 'there is no product 2 (the handler says so after writing)',
    });
    assert.equal(contents(), before);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
  await withShop(async ({ call }) => {
    assert.equal(errorOf(await call('place_order', { product_id: 99, quantity: 1 })), {
      code: 'not_found',
      message: 'there is no product 99',
    });
    assert.equal(errorOf(await call('place_order', { product_id: 2, quantity: 1 })), {
      code: 'limit_exceeded',
      message: 'only 0 left of product 2',
    });
  });
});

test('a handler that throws after writing changes nothing; the stack goes to the log, not the agent', async () => {
  await withShop(async ({ call, contents, callLogPath }) => {
    const before = contents();
    const outcome = await call('place_order', { product_id: 1, quantity: 2 });
    assert.equal(errorOf(outcome), {
      code: 'internal_error',
      message: 'the tool failed: the handler broke after writing',
    });
    assert.ok(!outcome.ok && outcome.stack?.includes('misbehaving-tools.mjs'), 'the stack names the module');
    assert.equal(contents(), before);
    const line = JSON.parse(readFileSync(callLogPath, 'utf8').trim()) as { stack?: string };
    assert.ok(line.stack?.startsWith('Error: the handler broke after writing'));
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('a result that breaks the output schema is invalid_result, naming the path, and changes nothing', async () => {
  await withShop(async ({ call, contents }) => {
    const before = contents();
    assert.equal(errorOf(await call('cancel_order', { order_id: 1 })), {
      code: 'invalid_result',
      message: "the tool's result does not have its declared shape: /order/id must be integer",
    });
    assert.equal(contents(), before);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('a foreign-key violation fails the call and changes nothing, earlier statements included', async () => {
  await withShop(async ({ call, contents }) => {
    const before = contents();
    assert.equal(errorOf(await call('list_orders', {})), {
      code: 'internal_error',
      message: 'the tool failed: FOREIGN KEY constraint failed',
    });
    assert.equal(contents(), before);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('ctx.db refuses ATTACH, VACUUM INTO, transaction control and pragma writes; schema pragmas pass', async () => {
  await withShop(async ({ call, contents, fixture }) => {
    const before = contents();
    const refused = async (query: string) => errorOf(await call('search_products', { query }));
    assert.equal(await refused('attach'), {
      code: 'internal_error',
      message:
        "the tool failed: statement 1 (ATTACH DATABASE 'elsewhere.db' AS elsewhere) is refused: ATTACH opens or creates another database file; keep every table in this one database and leave ATTACH out",
    });
    assert.equal(await refused('vacuum-into'), {
      code: 'internal_error',
      message:
        "the tool failed: statement 1 (VACUUM INTO 'copy.db') is refused: VACUUM INTO writes a copy of the database to a file; leave it out (a plain VACUUM is allowed)",
    });
    assert.equal(await refused('commit'), {
      code: 'internal_error',
      message:
        'the tool failed: statement 1 (COMMIT) is refused: the host runs every call in one transaction of its own; leave BEGIN, COMMIT, ROLLBACK and SAVEPOINT out',
    });
    assert.match(
      (await refused('pragma')).message,
      'the tool failed: statement 1 (PRAGMA foreign_keys = OFF) is refused',
    );
    assert.equal(contents(), before, 'the UPDATE before the refused COMMIT was rolled back');
    for (const file of ['elsewhere.db', 'copy.db'])
      assert.not.ok(existsSync(join(fixture.dir, 'run', file)) || existsSync(file), `${file} was not created`);
    const columns = resultOf(await call('search_products', { query: 'table-info' })) as { columns: string[] };
    assert.equal(columns.columns, ['id', 'name', 'price_cents', 'stock']);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('results JSON cannot carry, Promises, bad codes, thrown strings and kept ctx are errors, never writes', async () => {
  await withShop(async ({ call, contents }) => {
    const before = contents();
    const outcome = async (query: string) => errorOf(await call('search_products', { query }));
    assert.equal(await outcome('date'), {
      code: 'invalid_result',
      message: 'the tool returned a result JSON cannot carry: /products/0/restocked is a Date object',
    });
    assert.equal(await outcome('promise'), {
      code: 'internal_error',
      message:
        'the handler returned a Promise; handlers must be synchronous (no async, no await) so that one transaction wraps the call',
    });
    assert.equal(await outcome('unknown-code'), {
      code: 'internal_error',
      message:
        'the tool failed: ctx.fail was given the code "no_such_code"; use one of not_found, conflict, invalid_state, forbidden, limit_exceeded, invalid_value',
    });
    assert.equal(await outcome('string'), {
      code: 'internal_error',
      message: 'the tool failed: it threw a bare string',
    });
    assert.ok((await call('search_products', { query: 'keep-ctx' })).ok);
    assert.equal(await outcome('use-kept-ctx'), {
      code: 'internal_error',
      message:
        'the tool failed: ctx.db was used after its call had ended; handlers must be synchronous and keep no ctx',
    });
    assert.equal(contents(), before);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('two sessions are isolated from each other, and reset restores the snapshot', async () => {
  await withShop(async ({ sessions, session, call, contents, fixture }) => {
    const seed = tableContents(fixture.seedPath);
    const other = await sessions.createSession();
    assert.ok(resultOf(await call('place_order', { product_id: 3, quantity: 4 })));
    assert.ok(resultOf(await call('restock_product', { product_id: 2, amount: 7 }, other)));
    assert.equal(contents(session)['orders']?.length, 3);
    assert.equal(contents(other)['orders']?.length, 2);
    assert.equal((contents(other)['products']?.[1] as { stock: number }).stock, 7);
    assert.equal((contents(session)['products']?.[1] as { stock: number }).stock, 0);
    await sessions.resetSession(session);
    assert.equal(contents(session), seed);
    assert.ok(resultOf(await call('place_order', { product_id: 1, quantity: 1 })), 'calls go on after a reset');
    assert.equal(tableContents(fixture.seedPath), seed, 'the snapshot itself is never written');
  });
});

test('reset writes the snapshot over a session file that grew, and removes a stale journal first', async () => {
  await withShop(async ({ sessions, session, call, fixture }) => {
    const path = sessions.databasePath(session);
    assert.ok(resultOf(await call('place_order', { product_id: 3, quantity: 2 })));
    appendFileSync(path, Buffer.alloc(64 * 1024, 7)); // a file longer than the snapshot
    writeFileSync(`${path}-journal`, Buffer.alloc(4096, 9)); // a journal no reset may apply
    await sessions.resetSession(session);
    assert.ok(readFileSync(path).equals(readFileSync(fixture.seedPath)), 'byte for byte the snapshot');
    assert.not.ok(existsSync(`${path}-journal`));
    assert.ok(resultOf(await call('place_order', { product_id: 1, quantity: 1 })), 'calls go on after a reset');
  });
});

test('the call log has one JSON line per call: time, session, tool, arguments, ms, outcome', async () => {
  await withShop(async ({ call, callLogPath }) => {
    await call('place_order', { product_id: 1, quantity: 1 });
    await call('place_order', { product_id: 1, quantity: 0 });
    await call('no_such_tool', { x: 1 });
    await call('cancel_order', { order_id: 77 });
    const lines = readFileSync(callLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    assert.ok(lines.every((line) => typeof line['ms'] === 'number' && line['ms'] >= 0));
    assert.equal(
      lines.map(({ ms: _ms, ...line }) => line),
      [
        {
          time: '2030-01-01T00:00:00.000Z',
          session: 'first',
          tool: 'place_order',
          arguments: { product_id: 1, quantity: 1 },
          outcome: 'ok',
        },
        {
          time: '2030-01-01T00:00:00.000Z',
          session: 'first',
          tool: 'place_order',
          arguments: { product_id: 1, quantity: 0 },
          outcome: 'error',
          code: 'invalid_arguments',
          message: 'invalid arguments: /quantity must be >= 1',
        },
        {
          time: '2030-01-01T00:00:00.000Z',
          session: 'first',
          tool: 'no_such_tool',
          arguments: { x: 1 },
          outcome: 'error',
          code: 'unknown_tool',
          message:
            'no tool is named "no_such_tool"; the tools are search_products, place_order, cancel_order, list_orders, restock_product',
        },
        {
          time: '2030-01-01T00:00:00.000Z',
          session: 'first',
          tool: 'cancel_order',
          arguments: { order_id: 77 },
          outcome: 'error',
          code: 'not_found',
          message: 'you have no order 77',
        },
      ],
    );
  });
});

test('the log keeps the arguments as the agent sent them: a handler editing them edits a copy', async () => {
  await withShop(async ({ call, callLogPath }) => {
    assert.ok((await call('search_products', { query: 'edit-arguments' })).ok);
    assert.ok((await call('list_orders', undefined)).ok === false, 'the misbehaving list_orders fails');
    const logged = readFileSync(callLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { arguments: unknown }).arguments);
    assert.equal(logged, [{ query: 'edit-arguments' }, {}]);
  }, SHOP_MISBEHAVING_TOOLS_PATH);
});

test('saveFinal writes a sound database holding the committed calls only; closeSession can keep it', async () => {
  await withShop(async ({ sessions, session, call, contents, fixture }) => {
    await call('place_order', { product_id: 1, quantity: 2 });
    await call('cancel_order', { order_id: 2 }); // user 2's order: not_found, nothing written
    const finalPath = join(fixture.dir, 'out', 'final.db');
    await sessions.saveFinal(session, finalPath);
    const db = new Database(finalPath, { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    assert.equal(tableContents(finalPath), contents());
    assert.equal((tableContents(finalPath)['products']?.[0] as { stock: number }).stock, 3);
    const sessionPath = sessions.databasePath(session);
    const keptPath = join(fixture.dir, 'out', 'kept.db');
    await sessions.closeSession(session, { keepAs: keptPath });
    assert.not.ok(existsSync(sessionPath), 'the session file is removed');
    assert.equal(tableContents(keptPath), tableContents(finalPath));
    const late = await sessions.callTool(session, 'list_orders', {}).then(String, (error: Error) => error.message);
    assert.equal(late, 'no session "first": it was closed or never created');
  });
});

test("calls of one session run one at a time, in order; other sessions' calls overlap them", async () => {
  const running = new Map<string, number>();
  let overlapWithinSession = false;
  let overlapAcrossSessions = false;
  const order: string[] = [];
  const slow = (runner: HandlerRunner): HandlerRunner => ({
    async call(call, options) {
      const now = (running.get(call.dbPath) ?? 0) + 1;
      running.set(call.dbPath, now);
      if (now > 1) overlapWithinSession = true;
      if (running.size > 1 && [...running.values()].filter((count) => count > 0).length > 1)
        overlapAcrossSessions = true;
      order.push(`${call.tool}:${String(call.args['amount'] ?? '')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const outcome = await runner.call(call, options);
      running.set(call.dbPath, (running.get(call.dbPath) ?? 1) - 1);
      return outcome;
    },
    release: (path) => runner.release(path),
    close: () => runner.close(),
  });
  const env = await shopEnv(SHOP_TOOLS_PATH, slow);
  try {
    const other = await env.sessions.createSession();
    const calls = [1, 2, 3, 4].flatMap((amount) => [
      env.call('restock_product', { product_id: 2, amount }),
      env.call('restock_product', { product_id: 2, amount: amount * 10 }, other),
    ]);
    const outcomes = await Promise.all(calls);
    assert.ok(outcomes.every((outcome) => outcome.ok));
    assert.not.ok(overlapWithinSession, 'two calls of one session overlapped');
    assert.ok(overlapAcrossSessions, 'the two sessions never ran at the same time');
    assert.equal(
      order.filter((entry) => Number(entry.split(':')[1]) < 10),
      ['restock_product:1', 'restock_product:2', 'restock_product:3', 'restock_product:4'],
    );
    assert.equal((env.contents()['products']?.[1] as { stock: number }).stock, 10);
  } finally {
    await env.dispose();
  }
});

test.run();
