#!/usr/bin/env node
// Benchmark: the env host (src/env) with the in-process runner, on the test suite's shop fixture
// (test/fixtures/env-shop: five tools, a three-table seed).
//
//   npm run build && node scripts/bench-env-host.mjs [--calls 2000] [--clients 16] [--resets 500]
//                                                    [--scenario-dir artifacts/online_bookstore]
//
// 1. ready: spec + tool module loaded, sessions set up, a session created, the HTTP server listening.
//    With --scenario-dir (a built scenario: spec.json, seed.db), also for its spec, with a generated
//    stub module (one handler per tool), since a scenario has no tool module yet.
// 2. calls/s, in process (EnvSessions.callTool) and over loopback HTTP with the SDK's own Client and
//    StreamableHTTPClientTransport: one caller in sequence, then --clients callers at once (each
//    with its own session in process; each with its own MCP client on the one served session over
//    HTTP). Calls alternate a read (search_products) and a write (restock_product).
// 3. reset: copying the snapshot file (what the host does) vs rebuilding the database by replaying
//    its schema and its rows as INSERT statements (what a .dump replay does), medians and the ratio;
//    on the fixture's seed and on --scenario-dir's seed.db.
//
// Handlers run in this process: the figures are the host's own cost (validation, queue, transaction,
// log, MCP, HTTP), not a sandboxed worker's (which adds a round trip to a child process per call).
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { argv } from 'zx';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InProcessRunner } from '../dist/src/env/in-process-runner.js';
import { EnvSessions } from '../dist/src/env/sessions.js';
import { McpHttpServer } from '../dist/src/env/mcp-http.js';
import { copySnapshot } from '../dist/src/env/database-files.js';
import {
  makeShopFixture,
  SHOP_SPEC_PATH,
  SHOP_TOOLS_PATH,
  SHOP_WORLD_CLOCK,
} from '../dist/test/support/env-fixture.js';

const CALLS = Number(argv.calls ?? 2000);
const CLIENTS = Number(argv.clients ?? 16);
const RESETS = Number(argv.resets ?? 500);
const SCENARIO_DIR = argv['scenario-dir'] ? resolve(String(argv['scenario-dir'])) : null;

const scratch = mkdtempSync(join(tmpdir(), 'awm-bench-env-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (value, digits = 1) => value.toFixed(digits);

try {
  console.log(`env host benchmark: node ${process.version}, ${CALLS} calls per run, ${CLIENTS} clients`);
  await readiness();
  await callsPerSecond();
  resets();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** Everything `awm env start` will do before the first call can be answered. */
async function startEnv({ specPath, seedPath, modulePath, dir }) {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const runner = await InProcessRunner.start({ modulePath, specPath, worldClock: SHOP_WORLD_CLOCK });
  const sessions = new EnvSessions({
    tools: spec.tools,
    snapshotPath: seedPath,
    sessionsDir: join(dir, 'run'),
    runner,
    callLogPath: join(dir, 'run', 'calls.jsonl'),
  });
  const sessionId = await sessions.createSession('working');
  const server = await McpHttpServer.start({ sessions, sessionId, name: 'bench' });
  return { sessions, sessionId, server };
}

async function readiness() {
  const fixture = makeShopFixture('awm-bench-env-');
  try {
    const started = performance.now();
    const env = await startEnv({
      specPath: SHOP_SPEC_PATH,
      seedPath: fixture.seedPath,
      modulePath: SHOP_TOOLS_PATH,
      dir: fixture.dir,
    });
    const ready = performance.now() - started;
    const firstCall = performance.now();
    await env.sessions.callTool(env.sessionId, 'search_products', { query: 'lamp' });
    const first = performance.now() - firstCall;
    await env.server.close();
    console.log(
      `\nready (shop, 5 tools): ${fmt(ready)} ms; first call of a tool ${fmt(first)} ms (its schemas compile then)`,
    );
  } finally {
    fixture.remove();
  }
  if (SCENARIO_DIR === null) return;
  const specPath = join(SCENARIO_DIR, 'spec.json');
  const seedPath = join(SCENARIO_DIR, 'seed.db');
  if (!existsSync(specPath) || !existsSync(seedPath)) {
    console.log(`ready (${SCENARIO_DIR}): skipped, no spec.json and seed.db there`);
    return;
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const modulePath = join(scratch, 'stub-tools.mjs');
  writeFileSync(
    modulePath,
    `export const tools = {\n${spec.tools.map((tool) => `  ${tool.name}() { return {}; },`).join('\n')}\n};\n`,
  );
  const dir = mkdtempSync(join(scratch, 'scenario-'));
  const started = performance.now();
  const env = await startEnv({ specPath, seedPath, modulePath, dir });
  const ready = performance.now() - started;
  await env.server.close();
  console.log(`ready (${SCENARIO_DIR.split('/').pop()}, ${spec.tools.length} tools, stub module): ${fmt(ready)} ms`);
}

/** Alternately a read and a write; `index` picks which. */
function callFor(index) {
  return index % 2 === 0
    ? ['search_products', { query: 'lamp' }]
    : ['restock_product', { product_id: 1 + (index % 3), amount: 1 }];
}

async function callsPerSecond() {
  const fixture = makeShopFixture('awm-bench-env-');
  const env = await startEnv({
    specPath: SHOP_SPEC_PATH,
    seedPath: fixture.seedPath,
    modulePath: SHOP_TOOLS_PATH,
    dir: fixture.dir,
  });
  try {
    console.log('\ncalls/s (alternating search_products and restock_product)');
    const inProcess = async (session, count) => {
      for (let index = 0; index < count; index++) {
        const outcome = await env.sessions.callTool(session, ...callFor(index));
        if (!outcome.ok) throw new Error(JSON.stringify(outcome));
      }
    };
    await inProcess(env.sessionId, 200); // warm-up: schemas compiled, statements prepared
    let started = performance.now();
    await inProcess(env.sessionId, CALLS);
    report('in process, 1 caller', CALLS, performance.now() - started);
    const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => env.sessions.createSession()));
    started = performance.now();
    await Promise.all(sessions.map((session) => inProcess(session, CALLS / CLIENTS)));
    report(`in process, ${CLIENTS} callers, a session each`, CALLS, performance.now() - started);

    const connect = async () => {
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(env.server.url), { fetch: ownSignalFetch }));
      return client;
    };
    const overHttp = async (client, count) => {
      for (let index = 0; index < count; index++) {
        const [name, args] = callFor(index);
        const result = await client.callTool({ name, arguments: args });
        if (result.isError) throw new Error(JSON.stringify(result));
      }
    };
    const one = await connect();
    await one.listTools();
    await overHttp(one, 200);
    started = performance.now();
    await overHttp(one, CALLS);
    report('HTTP + SDK Client, 1 client', CALLS, performance.now() - started);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, connect));
    await Promise.all(clients.map((client) => client.listTools()));
    started = performance.now();
    await Promise.all(clients.map((client) => overHttp(client, CALLS / CLIENTS)));
    report(`HTTP + SDK Client, ${CLIENTS} clients, one session`, CALLS, performance.now() - started);
    await Promise.all([one, ...clients].map((client) => client.close()));
  } finally {
    await env.server.close();
    fixture.remove();
  }
}

/**
 * The SDK's client transport hands every fetch the one AbortSignal of its connection, and undici
 * keeps a listener on it per request until GC, so a client past 1 500 calls prints
 * MaxListenersExceededWarning (a client-side matter; samanhappy/mcphub#1062 describes it). Each
 * request here gets a signal of its own that follows the connection's.
 */
function ownSignalFetch(url, init = {}) {
  const { signal, ...rest } = init;
  if (!signal) return fetch(url, rest);
  const own = new AbortController();
  const abort = () => own.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  return fetch(url, { ...rest, signal: own.signal }).finally(() => signal.removeEventListener('abort', abort));
}

function report(what, calls, ms) {
  console.log(
    `  ${what.padEnd(44)} ${fmt((calls / ms) * 1000, 0).padStart(7)} calls/s  (${fmt((ms / calls) * 1000, 0)} µs/call)`,
  );
}

function resets() {
  console.log(`\nreset: copy the snapshot file vs replay its INSERTs into a new file (median of ${RESETS})`);
  const fixture = makeShopFixture('awm-bench-env-');
  try {
    resetFigures('shop fixture', fixture.seedPath);
    if (SCENARIO_DIR !== null && existsSync(join(SCENARIO_DIR, 'seed.db')))
      resetFigures(SCENARIO_DIR.split('/').pop(), join(SCENARIO_DIR, 'seed.db'));
  } finally {
    fixture.remove();
  }
}

function resetFigures(name, seedPath) {
  const { schema, inserts } = dumpStatements(seedPath);
  const target = join(scratch, 'reset.db');
  const copyTimes = [];
  const replayTimes = [];
  for (let run = 0; run < RESETS; run++) {
    let started = performance.now();
    copySnapshot(seedPath, target);
    copyTimes.push(performance.now() - started);
    rmSync(target, { force: true });
    started = performance.now();
    replay(target, schema, inserts);
    replayTimes.push(performance.now() - started);
    rmSync(target, { force: true });
  }
  const copy = median(copyTimes);
  const rebuilt = median(replayTimes);
  const kib = readFileSync(seedPath).length / 1024;
  console.log(
    `  ${name} (${fmt(kib, 0)} KiB, ${inserts.length} rows): copy ${fmt(copy * 1000, 0)} µs, replay ${fmt(rebuilt * 1000, 0)} µs: copy is ${fmt(rebuilt / copy)}× faster`,
  );
}

/** The schema's statements and one INSERT text per row, as `.dump` writes them. */
function dumpStatements(seedPath) {
  const db = new Database(seedPath, { readonly: true });
  try {
    const objects = db
      .prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")
      .all();
    const schema = [
      ...objects.filter((object) => object.type === 'table'),
      ...objects.filter((object) => object.type !== 'table'),
    ].map((object) => object.sql);
    const inserts = objects
      .filter((object) => object.type === 'table')
      .flatMap((table) =>
        db
          .prepare(`SELECT * FROM "${table.name.replace(/"/g, '""')}"`)
          .raw()
          .all()
          .map((row) => `INSERT INTO "${table.name.replace(/"/g, '""')}" VALUES(${row.map(sqlLiteral).join(',')})`),
      );
    return { schema, inserts };
  } finally {
    db.close();
  }
}

function sqlLiteral(value) {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A fresh file with the schema and every row, in one transaction, foreign keys off (as .dump does). */
function replay(target, schema, inserts) {
  const db = new Database(target);
  db.pragma('journal_mode = TRUNCATE');
  db.pragma('synchronous = OFF');
  db.exec(`BEGIN; ${schema.join(';\n')}; ${inserts.join(';\n')}; COMMIT;`);
  db.close();
}
