// Verifiers run in the sandbox with read-only handles: a verdict or facts come back; a verifier that
// throws, loops, eats memory, writes or returns the wrong shape is a verifier error, never a hang.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import { runCodeVerifier, runFactGatherer } from '../src/verify/run-verifier.js';

const folder = mkdtempSync(join(tmpdir(), 'awm-verify-test-'));
const initialPath = join(folder, 'initial.db');
const finalPath = join(folder, 'final.db');
for (const [path, stock] of [
  [initialPath, 4],
  [finalPath, 3],
] as const) {
  const db = new Database(path);
  db.exec(`CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, stock INTEGER);
    INSERT INTO books VALUES (1, 'Piranesi', ${stock});`);
  db.close();
}
const sandbox = sandboxRunner({});
const base = { initialPath, finalPath, answer: '', worldClock: '2026-03-02T09:00:00Z' };

const STOCK_DROPPED = `function ({ initial, final, answer }) {
  const before = initial.get('SELECT stock FROM books WHERE id = ?', 1).stock;
  const after = final.get('SELECT stock FROM books WHERE id = ?', 1).stock;
  return after === before - 1 ? { result: 'complete', reason: 'one copy sold' } : { result: 'others', reason: 'stock ' + after };
}`;

test('a verdict comes back from the sandbox; the same verifier tells the two states apart', async () => {
  assert.equal(await runCodeVerifier(sandbox, { ...base, code: STOCK_DROPPED }), {
    ok: true,
    value: { result: 'complete', reason: 'one copy sold' },
  });
  assert.equal(await runCodeVerifier(sandbox, { ...base, finalPath: initialPath, code: STOCK_DROPPED }), {
    ok: true,
    value: { result: 'others', reason: 'stock 4' },
  });
});

test('a fact gatherer returns a JSON object; the world clock and the answer reach the verifier', async () => {
  const facts = await runFactGatherer(sandbox, {
    ...base,
    code: "function ({ initial, final, today }) { return { today, before: initial.all('SELECT stock FROM books'), after: final.get('SELECT stock FROM books').stock }; }",
  });
  assert.equal(facts, { ok: true, value: { today: '2026-03-02', before: [{ stock: 4 }], after: 3 } });
  const echo = await runCodeVerifier(sandbox, {
    ...base,
    answer: 'It has 4 copies.',
    code: "function ({ answer }) { return { result: /\\b4\\b/.test(answer) ? 'complete' : 'others', reason: answer }; }",
  });
  assert.equal(echo, { ok: true, value: { result: 'complete', reason: 'It has 4 copies.' } });
});

test("a verifier that throws, returns the wrong shape or does not compile is the verifier's fault", async () => {
  const threw = await runCodeVerifier(sandbox, {
    ...base,
    code: "function () { throw new Error('no such table: orders'); }",
  });
  assert.equal(threw, { ok: false, fault: 'verifier', message: 'the verifier threw: no such table: orders' });
  const shape = await runCodeVerifier(sandbox, { ...base, code: "function () { return { result: 'done' }; }" });
  assert.equal(
    shape.ok ? '' : shape.message,
    'the verifier must return { result: \'complete\' | \'others\', reason }, not {"result":"done"}',
  );
  const syntax = await runCodeVerifier(sandbox, { ...base, code: 'function ( {' });
  assert.match(syntax.ok ? '' : syntax.message, /^the verifier does not compile: /);
});

test('writes are refused: through the handles (read-only, query_only) and to files outside the scratch folder', async () => {
  const write = await runCodeVerifier(sandbox, {
    ...base,
    code: "function ({ final }) { final.all('UPDATE books SET stock = 99 RETURNING stock'); return { result: 'complete', reason: '' }; }",
  });
  assert.equal(write.ok, false);
  assert.match(write.ok ? '' : write.message, /readonly|read-only|query_only/i);
  const target = join(folder, 'escaped.txt');
  const file = await runCodeVerifier(sandbox, {
    ...base,
    code: `function () { process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(target)}, 'x'); return { result: 'complete', reason: '' }; }`,
  });
  assert.equal(file.ok, false);
  assert.not.ok(existsSync(target), 'the file was not written');
  const db = new Database(finalPath, { readonly: true });
  assert.equal(db.prepare('SELECT stock FROM books').get(), { stock: 3 });
  db.close();
});

test('an endless loop and a memory blow-up end at the limits as verifier errors', async () => {
  const started = Date.now();
  const loop = await runCodeVerifier(sandbox, { ...base, code: 'function () { for (;;) {} }' }, { timeoutMs: 1500 });
  assert.equal(loop.ok ? '' : loop.fault, 'verifier');
  assert.ok(Date.now() - started < 5000, `stopped after ${Date.now() - started} ms`);
  const memory = await runCodeVerifier(
    sandbox,
    { ...base, code: 'function () { const a = []; for (;;) a.push(new Array(1e6).fill(1)); }' },
    { timeoutMs: 20_000, memoryMb: 96 },
  );
  assert.equal(memory.ok ? '' : memory.fault, 'verifier');
  assert.match(memory.ok ? '' : memory.message, /memory/);
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
