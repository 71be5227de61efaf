// The long-lived sandboxed worker against real child processes: state between calls, every way a
// call can end and what happens to the child after it, start failures that do not loop, the empty
// environment, writes outside the scratch folder, close() leaving nothing behind, and two workers
// not waiting on each other. Assertions that need namespaces print a note and pass without them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namespaceSupport } from '../src/sandbox/namespace-support.js';
import { describeWorkerOutcome } from '../src/sandbox/describe-worker-outcome.js';
import {
  startSandboxedWorker,
  type SandboxedWorker,
  type SandboxedWorkerOptions,
} from '../src/sandbox/sandboxed-worker.js';
import type { WorkerCallOutcome } from '../src/sandbox/worker-outcome.js';
import { LineSplitter } from '../src/sandbox/worker-protocol.js';
import type { TestWorkerInit, TestWorkerRequest } from './support/sandbox-worker-test-entry.js';

const ENTRY = fileURLToPath(new URL('./support/sandbox-worker-test-entry.js', import.meta.url));
const namespaces = await namespaceSupport(process.execPath);
const isolation = namespaces.available ? 'namespaces' : 'none';
/** Slack for a kill and the parent's timer on a busy machine (other builds share its two cores). */
const MARGIN_MS = 1_000;

type TestWorker = SandboxedWorker<TestWorkerRequest, unknown>;

async function withWorker(
  options: Partial<SandboxedWorkerOptions<TestWorkerInit>>,
  body: (worker: TestWorker, scratchDir: string) => Promise<void>,
): Promise<void> {
  const scratchDir = mkdtempSync(join(tmpdir(), 'awm-worker-test-'));
  const worker = startSandboxedWorker<TestWorkerInit, TestWorkerRequest, unknown>({
    entry: ENTRY,
    init: {},
    scratchDir,
    ...options,
  });
  try {
    await body(worker, scratchDir);
  } finally {
    await worker.close();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

function call(worker: TestWorker, request: TestWorkerRequest, timeoutMs = 5_000): Promise<WorkerCallOutcome<unknown>> {
  return worker.call(request, { timeoutMs });
}

/** The outcome without its timing, for exact comparison. */
function settled(outcome: WorkerCallOutcome<unknown>): Record<string, unknown> {
  const { durationMs: _durationMs, ...rest } = outcome;
  return rest;
}

function valueOf(outcome: WorkerCallOutcome<unknown>): unknown {
  return outcome.kind === 'ok' ? outcome.value : outcome;
}

/** Whether any process is left in the group `pid` led. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function needsNamespaces(what: string): boolean {
  if (namespaces.available) return true;
  console.log(`  note: skipped "${what}": no namespaces here (${namespaces.reason})`);
  return false;
}

test('state lives between calls; a handler that throws is `threw` and the same child answers the next call', async () => {
  await withWorker({}, async (worker) => {
    assert.equal(settled(await call(worker, { mode: 'count' })), { kind: 'ok', value: 1 });
    assert.equal(settled(await call(worker, { mode: 'count' })), { kind: 'ok', value: 2 });
    const threw = await call(worker, { mode: 'throw', message: 'no such order: 42' });
    assert.equal(threw.kind === 'threw' ? [threw.phase, threw.name, threw.message] : threw, [
      'run',
      'RangeError',
      'no such order: 42',
    ]);
    assert.match(threw.kind === 'threw' ? (threw.stack ?? '') : '', /sandbox-worker-test-entry\.js/);
    assert.equal(settled(await call(worker, { mode: 'count' })), { kind: 'ok', value: 3 });
    assert.equal({ ...worker.stats(), pid: null }, { starts: 1, calls: 4, kills: 0, isolation, pid: null });
  });
});

test("an answer that came while awm's own thread was busy past the limit is not a timeout", async () => {
  await withWorker({}, async (worker) => {
    assert.equal(settled(await call(worker, { mode: 'count' })), { kind: 'ok', value: 1 }); // the child is up
    const pending = call(worker, { mode: 'count' }, 300);
    // The child answers at once; this thread is blocked well past the call's limit meanwhile.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      // busy
    }
    assert.equal(settled(await pending), { kind: 'ok', value: 2 });
    assert.is(worker.stats().kills, 0);
  });
});

test('calls queue first in, first out, on one child', async () => {
  await withWorker({}, async (worker) => {
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => call(worker, { mode: 'count' })));
    assert.equal(outcomes.map(valueOf), [1, 2, 3, 4, 5]);
    assert.equal([worker.stats().starts, worker.stats().calls], [1, 5]);
  });
});

test('an endless JavaScript loop is a `timeout` within its limit, and the next call gets a fresh child', async () => {
  await withWorker({}, async (worker) => {
    await call(worker, { mode: 'count' });
    const outcome = await call(worker, { mode: 'spin' }, 1_000);
    assert.equal(settled(outcome), { kind: 'timeout', limitMs: 1_000 });
    assert.ok(outcome.durationMs >= 1_000 && outcome.durationMs < 1_000 + MARGIN_MS, `after ${outcome.durationMs} ms`);
    assert.equal(valueOf(await call(worker, { mode: 'count' })), 1, 'a fresh child, init run again');
    assert.equal([worker.stats().starts, worker.stats().kills], [2, 1]);
  });
});

test('a runaway SQLite query in the handler is a `timeout`, and the next call works', async () => {
  await withWorker({}, async (worker) => {
    const outcome = await call(worker, { mode: 'endless-cte' }, 1_000);
    assert.equal(settled(outcome), { kind: 'timeout', limitMs: 1_000 });
    assert.equal(valueOf(await call(worker, { mode: 'echo', value: 'after' })), 'after');
    assert.equal([worker.stats().starts, worker.stats().kills], [2, 1]);
  });
});

test('process.exit in a handler is `crashed` with its exit code, and the next call works', async () => {
  await withWorker({}, async (worker) => {
    assert.equal(settled(await call(worker, { mode: 'exit', code: 3 })), {
      kind: 'crashed',
      exitCode: 3,
      signal: null,
      stderrTail: '',
    });
    assert.equal(valueOf(await call(worker, { mode: 'count' })), 1);
    assert.equal([worker.stats().starts, worker.stats().kills], [2, 0]);
  });
});

test('running out of memory is `out-of-memory`, and the next call works', async () => {
  await withWorker({ memoryMb: 64 }, async (worker) => {
    const outcome = await call(worker, { mode: 'allocate' }, 10_000);
    assert.equal([outcome.kind, outcome.kind === 'out-of-memory' ? outcome.limitMb : null], ['out-of-memory', 64]);
    assert.equal(valueOf(await call(worker, { mode: 'count' })), 1);
  });
});

test('an oversized or forged answer is `protocol`, and the child is replaced', async () => {
  await withWorker({ maxResponseBytes: 1_000 }, async (worker) => {
    assert.equal(valueOf(await call(worker, { mode: 'answer-bytes', length: 900 })), 'x'.repeat(900));
    assert.equal(settled(await call(worker, { mode: 'answer-bytes', length: 5_000 })), {
      kind: 'protocol',
      problem: 'oversized',
      message: 'the answer is larger than the 1000 bytes allowed',
    });
    assert.equal(settled(await call(worker, { mode: 'forge-line' })), {
      kind: 'protocol',
      problem: 'malformed',
      message: `the answer is not JSON (Unexpected token 'o', "not a frame" is not valid JSON)`,
    });
    assert.equal(valueOf(await call(worker, { mode: 'count' })), 1);
    assert.equal([worker.stats().starts, worker.stats().kills], [3, 2]);
  });
});

test('an init that throws fails calls with the start failure, and after 3 in a row the worker stops trying', async () => {
  await withWorker({ init: { failInit: 'the database is missing' } }, async (worker) => {
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => call(worker, { mode: 'count' })));
    const failure = { kind: 'threw', phase: 'init', name: 'Error', message: 'the database is missing' };
    assert.equal(
      outcomes.map((outcome) => {
        if (outcome.kind !== 'start-failed') return outcome;
        const { stack: _stack, ...rest } = outcome.failure as typeof outcome.failure & { stack: unknown };
        return [rest, outcome.failedStarts, outcome.givenUp];
      }),
      [
        [failure, 1, false],
        [failure, 2, false],
        [failure, 3, true],
        [failure, 3, true],
      ],
    );
    const later = await call(worker, { mode: 'count' });
    assert.is(later.kind, 'start-failed');
    assert.ok(later.durationMs < 50, `failed at once, after ${later.durationMs} ms`);
    assert.is(worker.stats().starts, 3);
    assert.is(
      describeWorkerOutcome(later, 'tool handler "search"'),
      'tool handler "search" did not run: its worker could not start: its init threw Error: the database is missing; ' +
        'it failed to start 3 times in a row and is not started again until it is closed',
    );
  });
});

test('a start that does not finish hits the start time limit', async () => {
  await withWorker({ init: { hangInit: true }, startTimeoutMs: 500 }, async (worker) => {
    const outcome = await call(worker, { mode: 'count' });
    assert.equal(settled(outcome), {
      kind: 'start-failed',
      failure: { kind: 'timeout', limitMs: 500 },
      failedStarts: 1,
      givenUp: false,
    });
    assert.equal([worker.stats().starts, worker.stats().kills], [1, 1]);
    assert.is(
      describeWorkerOutcome(outcome),
      'the sandboxed call did not run: its worker could not start: it was not ready after 500 ms, its start time limit; the next call starts it again',
    );
  });
});

test("the child finds no OPENAI_API_KEY or any other of the parent's variables", async () => {
  const before = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = 'sk-must-not-leak';
  try {
    for (const mode of ['auto', 'off'] as const) {
      await withWorker({ namespaces: mode, env: { GIVEN_ON_PURPOSE: 'yes' } }, async (worker) => {
        assert.equal(valueOf(await call(worker, { mode: 'environment' })), {
          openAiKey: null,
          names: ['GIVEN_ON_PURPOSE', 'HOME', 'PWD', 'SQLITE_TMPDIR', 'TMPDIR', 'TZ'],
        });
      });
    }
  } finally {
    if (before === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = before;
  }
});

test('writes outside the scratch folder fail: JavaScript always, native SQLite with namespaces', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'awm-worker-outside-'));
  try {
    await withWorker({}, async (worker, scratchDir) => {
      const script = await call(worker, { mode: 'write-file', path: join(outside, 'a.txt') });
      assert.equal(valueOf(script) instanceof Object && (valueOf(script) as { ran: boolean }).ran, false);
      assert.equal(valueOf(await call(worker, { mode: 'write-file', path: join(scratchDir, 'a.txt') })), {
        ran: true,
        error: null,
      });
      assert.is(existsSync(join(outside, 'a.txt')), false);
      if (!needsNamespaces('SQLite writes outside the scratch folder')) return;
      const attach = `ATTACH DATABASE '${join(outside, 'x.db')}' AS x; CREATE TABLE x.t(a)`;
      assert.equal(valueOf(await call(worker, { mode: 'raw-sql', sql: attach })), {
        ran: false,
        error: `unable to open database: ${outside}/x.db`,
      });
      assert.is(existsSync(join(outside, 'x.db')), false);
    });
    if (!namespaces.available) return;
    // Control: without namespaces the same statement does write outside.
    await withWorker({ namespaces: 'off' }, async (worker) => {
      const attach = `ATTACH DATABASE '${join(outside, 'x.db')}' AS x; CREATE TABLE x.t(a)`;
      assert.equal(valueOf(await call(worker, { mode: 'raw-sql', sql: attach })), { ran: true, error: null });
      assert.is(existsSync(join(outside, 'x.db')), true);
    });
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('close() leaves no process behind, idle or in the middle of a call; later calls are `closed`', async () => {
  await withWorker({}, async (worker) => {
    await call(worker, { mode: 'count' });
    const pid = worker.stats().pid;
    assert.ok(pid !== null && groupAlive(pid), 'the child runs');
    await worker.close();
    assert.is(groupAlive(pid!), false, 'the idle child is gone after close()');
    assert.equal(settled(await call(worker, { mode: 'count' })), { kind: 'closed' });
  });
  await withWorker({}, async (worker) => {
    await call(worker, { mode: 'count' });
    const pid = worker.stats().pid!;
    const running = call(worker, { mode: 'sleep', ms: 60_000 });
    const queued = call(worker, { mode: 'count' });
    await worker.close();
    assert.equal([settled(await running), settled(await queued)], [{ kind: 'closed' }, { kind: 'closed' }]);
    assert.is(groupAlive(pid), false, 'the busy child is gone after close()');
  });
});

test('an aborted call: a queued one is dropped, a running one takes its child with it', async () => {
  await withWorker({}, async (worker) => {
    await call(worker, { mode: 'count' });
    const controller = new AbortController();
    const running = worker.call({ mode: 'spin' }, { timeoutMs: 20_000, signal: controller.signal });
    const queuedController = new AbortController();
    const queued = worker.call({ mode: 'count' }, { timeoutMs: 5_000, signal: queuedController.signal });
    queuedController.abort();
    assert.equal(settled(await queued), { kind: 'cancelled' });
    setTimeout(() => controller.abort(), 200);
    const outcome = await running;
    assert.equal(settled(outcome), { kind: 'cancelled' });
    assert.ok(outcome.durationMs < 200 + MARGIN_MS, `after ${outcome.durationMs} ms`);
    assert.equal(valueOf(await call(worker, { mode: 'count' })), 1);
    assert.equal([worker.stats().calls, worker.stats().kills], [3, 1]);
  });
});

test('two workers run independently: a hung call in one does not delay the other', async () => {
  await withWorker({}, async (hung) => {
    await withWorker({}, async (free) => {
      await Promise.all([call(hung, { mode: 'count' }), call(free, { mode: 'count' })]);
      const started = performance.now();
      const hanging = call(hung, { mode: 'spin' }, 2_000);
      const answered: unknown[] = [];
      for (let index = 0; index < 50; index += 1) answered.push(valueOf(await call(free, { mode: 'count' })));
      const freeMs = performance.now() - started;
      assert.equal(
        answered,
        Array.from({ length: 50 }, (_, index) => index + 2),
      );
      assert.ok(freeMs < 1_500, `the free worker took ${Math.round(freeMs)} ms for 50 calls`);
      assert.is((await hanging).kind, 'timeout');
    });
  });
});

test('no timer is left behind after calls, a timeout and close()', async () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
  const before = timers();
  await withWorker({}, async (worker) => {
    for (let index = 0; index < 20; index += 1) await call(worker, { mode: 'count' });
    assert.is(timers(), before, 'after 20 answered calls');
    await call(worker, { mode: 'throw', message: 'x' });
    assert.is(timers(), before, 'after a call that threw');
  });
  assert.is(timers(), before, 'after close()');
});

test('outcomes in words', () => {
  assert.is(
    describeWorkerOutcome({ kind: 'timeout', limitMs: 2_000, durationMs: 2_001 }, 'tool handler "search"'),
    'tool handler "search" was stopped after 2000 ms, its time limit; look for work that never ends, such as a recursive query without a bound',
  );
  assert.is(
    describeWorkerOutcome({ kind: 'closed', durationMs: 3 }),
    'the sandboxed call did not finish: its worker was closed',
  );
  assert.is(
    describeWorkerOutcome({
      kind: 'start-failed',
      failure: { kind: 'threw', phase: 'load', name: 'SyntaxError', message: 'Unexpected token', stack: null },
      failedStarts: 1,
      givenUp: false,
      durationMs: 90,
    }),
    'the sandboxed call did not run: its worker could not start: its module could not be loaded: SyntaxError: Unexpected token; the next call starts it again',
  );
  assert.is(
    describeWorkerOutcome({
      kind: 'start-failed',
      failure: { kind: 'crashed', exitCode: 1, signal: null, stderrTail: 'Error: boom\n' },
      failedStarts: 2,
      givenUp: false,
      durationMs: 90,
    }),
    'the sandboxed call did not run: its worker could not start: it exited with code 1 without answering; it said: Error: boom; the next call starts it again',
  );
});

test('lines are cut where the newlines are, however the bytes arrive, and a long line is refused as it grows', () => {
  const lines: string[] = [];
  let oversized = 0;
  const splitter = new LineSplitter(
    10,
    (line) => lines.push(line),
    () => (oversized += 1),
  );
  const bytes = Buffer.from('abc\ndé\n\nxyz\n1234567');
  // Cut inside "abc", right after the first byte of "é", after the empty line, inside "1234567".
  for (const [start, end] of [
    [0, 2],
    [2, 6],
    [6, 9],
    [9, 15],
    [15, bytes.length],
  ] as const)
    splitter.push(bytes.subarray(start, end));
  assert.equal([lines, oversized], [['abc', 'dé', '', 'xyz'], 0]);
  splitter.push(Buffer.from('8901'));
  assert.equal([lines.length, oversized], [4, 1]);
  splitter.push(Buffer.from('\nlate\n'));
  assert.equal([lines.length, oversized], [4, 1], 'nothing after the refusal');
});

test.run();
