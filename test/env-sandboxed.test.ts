// The env host on the sandboxed runner, with real sandboxed children: a handler stuck in a loop or
// a runaway query is stopped at the call's time limit, leaves its session as it was and the session
// goes on; other sessions keep answering meanwhile (with two workers at once; with one worker after
// the kill and restart); and a handler cannot write outside the run folder, read the parent's API
// keys or reach a server on the loopback. Tests that need namespaces print a note and pass without
// them; each containment check has a control run showing the same handler does escape there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallOutcome } from '../src/env/call-outcome.js';
import { EnvSessions, type SessionId } from '../src/env/sessions.js';
import { InProcessRunner } from '../src/env/in-process-runner.js';
import { SandboxedRunner } from '../src/env/sandboxed-runner.js';
import { handlerStatementRefusal } from '../src/env/handler-statement-policy.js';
import { copySnapshot } from '../src/env/database-files.js';
import { namespaceSupport } from '../src/sandbox/namespace-support.js';
import {
  makeShopFixture,
  SHOP_DIR,
  SHOP_SPEC_PATH,
  SHOP_WORLD_CLOCK,
  tableContents,
  type ShopFixture,
} from './support/env-fixture.js';
import { withServedShop } from './support/served-shop.js';

const ESCAPING_TOOLS_PATH = join(SHOP_DIR, 'escaping-tools.mjs');
const namespaces = await namespaceSupport(process.execPath);
const LIMIT_MS = 1_000;
/** Slack for the kill and the parent's timer on a busy machine (other builds share its two cores). */
const MARGIN_MS = 1_000;
const TIMEOUT_MESSAGE = `the call did not finish within ${LIMIT_MS} ms, its time limit; it was stopped and changed nothing`;

interface SandboxedHost {
  readonly fixture: ShopFixture;
  readonly sessions: EnvSessions;
  readonly runner: SandboxedRunner;
  /** search_products with this query (what the escaping module tries). */
  search(session: SessionId, query: string): Promise<CallOutcome>;
}

async function withSandboxedHost(
  options: { readonly workers: number; readonly namespaces?: 'auto' | 'off' },
  body: (host: SandboxedHost) => Promise<void>,
): Promise<void> {
  const fixture = makeShopFixture('awm-env-sandboxed-');
  // The fixture's folder is the run folder: the session files live in it, and it is all the
  // handlers may write.
  const runner = await SandboxedRunner.start({
    init: { modulePath: ESCAPING_TOOLS_PATH, specPath: SHOP_SPEC_PATH, worldClock: SHOP_WORLD_CLOCK },
    scratchDir: fixture.dir,
    workers: options.workers,
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
  });
  const sessions = new EnvSessions({
    tools: fixture.spec.tools,
    snapshotPath: fixture.seedPath,
    sessionsDir: join(fixture.dir, 'sessions'),
    runner,
    callLogPath: join(fixture.dir, 'calls.jsonl'),
    timeoutMs: LIMIT_MS,
  });
  try {
    await body({
      fixture,
      sessions,
      runner,
      search: (session, query) => sessions.callTool(session, 'search_products', { query }),
    });
  } finally {
    await sessions.close();
    fixture.remove();
  }
}

/** Sessions whose files go to different workers (the runner picks a worker by the file). */
async function sessionsOnEachWorker(host: SandboxedHost, workers: number): Promise<SessionId[]> {
  const found = new Map<number, SessionId>();
  for (let index = 0; found.size < workers; index++) {
    if (index === 64) throw new Error(`64 sessions did not spread over ${workers} workers`);
    const session = await host.sessions.createSession(`session-${index}`);
    const worker = host.runner.workerOf(host.sessions.databasePath(session));
    if (found.has(worker)) await host.sessions.closeSession(session);
    else found.set(worker, session);
  }
  return [...found.keys()].sort().map((worker) => found.get(worker)!);
}

/** The session's tables as its next call would see them (a consistent copy: a stopped call's journal rolled back). */
async function contentsOf(host: SandboxedHost, session: SessionId): Promise<Record<string, unknown[]>> {
  const copy = join(host.fixture.dir, `${session}-copy.db`);
  await host.sessions.saveFinal(session, copy);
  return tableContents(copy);
}

function outsidePath(name: string): string {
  return join(tmpdir(), `awm-escape-${process.pid}-${Math.random().toString(36).slice(2)}-${name}`);
}

function errorOf(outcome: CallOutcome): { code: string; message: string } | null {
  return outcome.ok ? null : outcome.error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function needsNamespaces(what: string): boolean {
  if (namespaces.available) return true;
  console.log(`  note: skipped "${what}": no namespaces here (${namespaces.reason})`);
  return false;
}

async function timed<T>(work: Promise<T>, started: number): Promise<{ value: T; at: number }> {
  const value = await work;
  return { value, at: performance.now() - started };
}

for (const misbehaviour of ['loop', 'runaway-query'] as const) {
  test(`two workers: a ${misbehaviour} is stopped at the limit, its session unchanged and going on; the other worker's session answers meanwhile`, async () => {
    await withSandboxedHost({ workers: 2 }, async (host) => {
      const [stuck, other] = await sessionsOnEachWorker(host, 2);
      const seed = tableContents(host.fixture.seedPath);
      for (const session of [stuck!, other!]) assert.ok((await host.search(session, 'lamp')).ok, 'children started');
      const started = performance.now();
      const hung = timed(host.search(stuck!, misbehaviour), started);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answers: { ok: boolean; at: number }[] = [];
      for (let index = 0; index < 5; index++) {
        const { value, at } = await timed(
          host.sessions.callTool(other!, 'restock_product', { product_id: 3, amount: 1 }),
          started,
        );
        answers.push({ ok: value.ok, at });
      }
      const { value: outcome, at: stoppedAt } = await hung;
      assert.equal(errorOf(outcome), { code: 'timeout', message: TIMEOUT_MESSAGE });
      assert.ok(stoppedAt >= LIMIT_MS && stoppedAt < LIMIT_MS + MARGIN_MS, `stopped after ${stoppedAt} ms`);
      assert.ok(
        answers.every((answer) => answer.ok && answer.at < stoppedAt),
        `the other session's calls ended at ${answers.map((answer) => Math.round(answer.at)).join(', ')} ms, the stopped call at ${Math.round(stoppedAt)} ms`,
      );
      console.log(
        `  note: 2 workers, ${misbehaviour}: 5 calls of another session answered by ${Math.round(answers.at(-1)!.at)} ms; the stopped call ended at ${Math.round(stoppedAt)} ms (limit ${LIMIT_MS})`,
      );
      assert.equal(await contentsOf(host, stuck!), seed, 'the write before the hang was rolled back');
      const restocked = await host.sessions.callTool(stuck!, 'restock_product', { product_id: 1, amount: 2 });
      assert.equal(restocked.ok ? restocked.result : restocked, { product: { id: 1, stock: 7 } });
      assert.equal((await contentsOf(host, stuck!))['products']?.[0], {
        id: 1,
        name: 'Desk lamp',
        price_cents: 2500,
        stock: 7,
      });
      assert.equal((await contentsOf(host, other!))['products']?.[2], {
        id: 3,
        name: 'Lamp shade',
        price_cents: 900,
        stock: 17,
      });
      assert.is(host.runner.stats().kills, 1);
    });
  });

  test(`one worker: a ${misbehaviour} is stopped at the limit; another session's call waits for the kill and restart, then is answered`, async () => {
    await withSandboxedHost({ workers: 1 }, async (host) => {
      const stuck = await host.sessions.createSession('stuck');
      const other = await host.sessions.createSession('other');
      assert.ok((await host.search(stuck, 'lamp')).ok, 'child started');
      const started = performance.now();
      const hung = timed(host.search(stuck, misbehaviour), started);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const waited = await timed(
        host.sessions.callTool(other, 'restock_product', { product_id: 3, amount: 1 }),
        started,
      );
      const { value: outcome, at: stoppedAt } = await hung;
      assert.equal(errorOf(outcome), { code: 'timeout', message: TIMEOUT_MESSAGE });
      assert.ok(stoppedAt >= LIMIT_MS && stoppedAt < LIMIT_MS + MARGIN_MS, `stopped after ${stoppedAt} ms`);
      assert.ok(waited.value.ok, 'the waiting call was answered, not stopped: its limit starts when it is sent');
      assert.ok(waited.at >= stoppedAt, `answered at ${waited.at} ms, after the stop at ${stoppedAt} ms`);
      console.log(
        `  note: 1 worker, ${misbehaviour}: another session's call waited; answered at ${Math.round(waited.at)} ms, after the stop at ${Math.round(stoppedAt)} ms and a new child`,
      );
      assert.equal(await contentsOf(host, stuck), tableContents(host.fixture.seedPath));
      assert.ok((await host.sessions.callTool(stuck, 'restock_product', { product_id: 1, amount: 2 })).ok);
      assert.equal(host.runner.stats().starts, 2, 'one start, one restart after the kill');
    });
  });
}

test('over HTTP, the SDK Client gets the stopped call as a timeout tool error and the next call answered', async () => {
  await withServedShop(
    async ({ connect, contents, fixture }) => {
      const client = await connect();
      const started = performance.now();
      const stopped = (await client.callTool({
        name: 'search_products',
        arguments: { query: 'loop' },
      })) as CallToolResult;
      const elapsed = performance.now() - started;
      assert.is(stopped.isError, true);
      assert.equal(JSON.parse((stopped.content[0] as { text: string }).text), {
        error: {
          code: 'timeout',
          message: 'the call did not finish within 2000 ms, its time limit; it was stopped and changed nothing',
        },
      });
      assert.ok(elapsed < 2_000 + MARGIN_MS + 500, `answered after ${elapsed} ms`);
      const next = (await client.callTool({
        name: 'restock_product',
        arguments: { product_id: 2, amount: 4 },
      })) as CallToolResult;
      assert.equal(next.structuredContent, { product: { id: 2, stock: 4 } });
      const seedProducts = tableContents(fixture.seedPath)['products'] as Record<string, unknown>[];
      assert.equal(contents()['products'], [seedProducts[0], { ...seedProducts[1], stock: 4 }, seedProducts[2]]);
    },
    {
      runner: async (fixture) =>
        SandboxedRunner.start({
          init: { modulePath: ESCAPING_TOOLS_PATH, specPath: SHOP_SPEC_PATH, worldClock: SHOP_WORLD_CLOCK },
          scratchDir: fixture.dir,
        }),
    },
  );
});

test('warmUp starts every worker now; without it a worker starts on its first call', async () => {
  for (const warmUp of [true, false]) {
    const fixture = makeShopFixture('awm-env-sandboxed-');
    const runner = await SandboxedRunner.start({
      init: { modulePath: ESCAPING_TOOLS_PATH, specPath: SHOP_SPEC_PATH, worldClock: SHOP_WORLD_CLOCK },
      scratchDir: fixture.dir,
      workers: 2,
      warmUp,
    });
    try {
      const running = () => runner.stats().pids.filter((pid) => pid !== null).length;
      if (warmUp) for (let waited = 0; waited < 5_000 && running() < 2; waited += 20) await sleep(20);
      else await sleep(300);
      assert.equal(
        { starts: runner.stats().starts, running: running() },
        warmUp ? { starts: 2, running: 2 } : { starts: 0, running: 0 },
        `warmUp ${warmUp}`,
      );
    } finally {
      await runner.close();
      fixture.remove();
    }
  }
});

test('ATTACH and VACUUM INTO a file outside the run folder are refused by the statement policy', async () => {
  await withSandboxedHost({ workers: 1 }, async (host) => {
    const session = await host.sessions.createSession();
    for (const [query, sql] of [
      ['attach', (path: string) => `ATTACH DATABASE '${path}' AS elsewhere`],
      ['vacuum-into', (path: string) => `VACUUM INTO '${path}'`],
    ] as const) {
      const target = outsidePath(`${query}.db`);
      const outcome = await host.search(session, `${query}:${target}`);
      assert.equal(errorOf(outcome), {
        code: 'internal_error',
        message: `the tool failed: ${handlerStatementRefusal(sql(target))}`,
      });
      assert.not.ok(existsSync(target), `${target} was not written`);
    }
    assert.equal(await contentsOf(host, session), tableContents(host.fixture.seedPath));
  });
});

test('JavaScript writes outside the run folder fail, through import() and require() alike; inside it they work', async () => {
  for (const mode of ['auto', 'off'] as const)
    await withSandboxedHost({ workers: 1, namespaces: mode }, async (host) => {
      const session = await host.sessions.createSession();
      for (const how of ['import-write', 'require-write']) {
        const target = outsidePath(`${how}.txt`);
        const outcome = await host.search(session, `${how}:${target}`);
        // Node's permission model refuses first, with or without namespaces (which would say EROFS).
        assert.equal(
          errorOf(outcome),
          { code: 'internal_error', message: 'the tool failed: Access to this API has been restricted' },
          `${how}, namespaces ${mode}`,
        );
        assert.not.ok(existsSync(target), `${target} was not written (${how}, namespaces ${mode})`);
      }
      const inside = join(host.fixture.dir, 'inside.txt');
      assert.ok((await host.search(session, `import-write:${inside}`)).ok, 'the run folder is writable');
      assert.ok(existsSync(inside));
    });
});

test("a handler's own SQLite connection cannot write outside the run folder (namespaces); without them it can", async () => {
  if (needsNamespaces('own SQLite connection outside the run folder')) {
    await withSandboxedHost({ workers: 1 }, async (host) => {
      const target = outsidePath('own-connection.db');
      const outcome = await host.search(await host.sessions.createSession(), `own-connection:${target}`);
      assert.is(errorOf(outcome)?.code, 'internal_error');
      assert.match(errorOf(outcome)?.message ?? '', 'unable to open database file');
      assert.not.ok(existsSync(target), `${target} was not written`);
    });
  }
  await withSandboxedHost({ workers: 1, namespaces: 'off' }, async (host) => {
    const target = outsidePath('own-connection-control.db');
    try {
      const outcome = await host.search(await host.sessions.createSession(), `own-connection:${target}`);
      assert.ok(outcome.ok, 'control: without namespaces native code writes where the user may');
      assert.ok(existsSync(target));
    } finally {
      rmSync(target, { force: true });
    }
  });
});

test("a handler does not see the parent's OPENAI_API_KEY (a handler in this process would)", async () => {
  process.env['OPENAI_API_KEY'] = 'sk-test-must-not-reach-handlers';
  try {
    await withSandboxedHost({ workers: 2 }, async (host) => {
      const outcome = await host.search(await host.sessions.createSession(), 'environment');
      const result = (outcome.ok ? outcome.result : {}) as { key?: unknown; names?: string[] };
      assert.is(result.key, null);
      assert.equal(result.names, ['HOME', 'PWD', 'SQLITE_TMPDIR', 'TMPDIR', 'TZ']);
    });
    const fixture = makeShopFixture('awm-env-sandboxed-');
    const inProcess = await InProcessRunner.start({
      modulePath: ESCAPING_TOOLS_PATH,
      specPath: SHOP_SPEC_PATH,
      worldClock: SHOP_WORLD_CLOCK,
    });
    try {
      const dbPath = join(fixture.dir, 'control.db');
      copySnapshot(fixture.seedPath, dbPath);
      const control = await inProcess.call(
        { dbPath, tool: 'search_products', args: { query: 'environment' } },
        { timeoutMs: LIMIT_MS },
      );
      assert.is((control.ok ? control.result : {})['key'], 'sk-test-must-not-reach-handlers', 'control: in process');
    } finally {
      await inProcess.close();
      fixture.remove();
    }
  } finally {
    delete process.env['OPENAI_API_KEY'];
  }
});

test('a handler cannot reach a server on the loopback (namespaces); without them it does', async () => {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/secret`;
  const fetchOutcome = async (host: SandboxedHost, session: SessionId): Promise<string> => {
    assert.ok((await host.search(session, `fetch:${url}`)).ok);
    for (let waited = 0; waited < 5_000; waited += 50) {
      const outcome = await host.search(session, 'fetch-outcome');
      const fetched = (outcome.ok ? outcome.result : {})['fetched'];
      if (fetched !== 'pending') return String(fetched);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return 'still pending after 5 s';
  };
  try {
    if (needsNamespaces('loopback server')) {
      await withSandboxedHost({ workers: 1 }, async (host) => {
        const fetched = await fetchOutcome(host, await host.sessions.createSession());
        assert.match(fetched, /^failed: fetch failed \((ENETUNREACH|ECONNREFUSED|EHOSTUNREACH)\)$/);
        assert.equal(requests, [], 'the server saw no request');
      });
    }
    await withSandboxedHost({ workers: 1, namespaces: 'off' }, async (host) => {
      assert.is(await fetchOutcome(host, await host.sessions.createSession()), 'answered 200', 'control');
      assert.equal(requests, ['/secret']);
    });
  } finally {
    server.close();
  }
});

test.run();
