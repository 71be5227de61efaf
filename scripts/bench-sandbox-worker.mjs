#!/usr/bin/env node
// Benchmark: what a sandboxed worker costs (src/sandbox/sandboxed-worker.ts), the figures the env
// host is planned around.
//
//   npm run build && node scripts/bench-sandbox-worker.mjs [--starts 15] [--seconds 3] [--workers 1,2]
//
// --starts   fresh workers started per isolation; the median counts
// --seconds  how long each throughput run lasts
// --workers  worker counts of the throughput runs; each worker's calls are sequential (one in
//            flight per worker), the workers run side by side
//
// Start time is from call() on a fresh worker to its first answer: spawn, the namespace setup,
// Node's start-up, importing the entry and its init. The namespace probe (once per process) is paid
// before timing starts. The modes alternate, so machine noise affects both alike. Throughput runs
// use namespaces where available (the default) and a trivial echo handler, so they measure the
// worker's own overhead: a round trip on fd 3, one frame each way. Parent CPU per call is this
// process's user + system time over the calls it made. Nothing is asserted; the load average is
// printed because other work on the machine moves every figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandboxedWorker } from '../dist/src/sandbox/sandboxed-worker.js';
import { namespaceSupport } from '../dist/src/sandbox/namespace-support.js';

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1,2' },
  },
});
const starts = Number(values.starts);
const seconds = Number(values.seconds);
const workerCounts = values.workers.split(',').map(Number);
const ENTRY = fileURLToPath(new URL('./bench/echo-worker-entry.mjs', import.meta.url));
const REQUEST = { tool: 'search_orders', arguments: { query: 'late deliveries', limit: 10 } };
const CALL = { timeoutMs: 5_000 };

const scratchDir = mkdtempSync(join(tmpdir(), 'awm-bench-worker-'));
const support = await namespaceSupport(process.execPath);
const modes = support.available ? ['auto', 'off'] : ['off'];

function worker(namespaces) {
  return startSandboxedWorker({ entry: ENTRY, init: null, scratchDir, namespaces });
}

async function expectOk(promise) {
  const outcome = await promise;
  if (outcome.kind !== 'ok') throw new Error(`a call failed: ${JSON.stringify(outcome)}`);
  return outcome;
}

async function startTime(namespaces) {
  const fresh = worker(namespaces);
  try {
    const started = performance.now();
    await expectOk(fresh.call(REQUEST, CALL));
    return performance.now() - started;
  } finally {
    await fresh.close();
  }
}

/** Each worker calls sequentially until the time is up; the workers run side by side. */
async function throughput(count) {
  const workers = Array.from({ length: count }, () => worker('auto'));
  try {
    await Promise.all(workers.map((each) => expectOk(each.call(REQUEST, CALL))));
    const latencies = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      workers.map(async (each) => {
        while (performance.now() < deadline) {
          const sent = performance.now();
          await expectOk(each.call(REQUEST, CALL));
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    return {
      isolation: workers[0].stats().isolation,
      perSecond: latencies.length / elapsed,
      calls: latencies.length,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      parentCpuUs: (cpu.user + cpu.system) / latencies.length,
      starts: workers.reduce((sum, each) => sum + each.stats().starts, 0),
    };
  } finally {
    await Promise.all(workers.map((each) => each.close()));
  }
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const ms = (value) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

try {
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(2)} at start` +
      (support.available ? '' : `; no namespaces here (${support.reason})`),
  );
  await startTime(modes[0]); // the namespace probe and a first start, not timed
  const times = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let round = 0; round < starts; round += 1) for (const mode of modes) times[mode].push(await startTime(mode));
  console.log(`\nstart, spawn to first answer (${starts} fresh workers each; median, min–max):`);
  for (const mode of modes) {
    const sorted = times[mode].sort((a, b) => a - b);
    const label = mode === 'auto' ? 'with namespaces' : 'without namespaces';
    console.log(
      `  ${label.padEnd(20)} ${ms(quantile(sorted, 0.5)).padStart(7)}   (${ms(sorted[0])}–${ms(sorted.at(-1))})`,
    );
  }
  console.log(`\nround trips, trivial echo handler, sequential calls per worker, ${seconds} s each:`);
  for (const count of workerCounts) {
    const result = await throughput(count);
    console.log(
      `  ${`${count} worker${count === 1 ? '' : 's'}`.padEnd(10)} ${Math.round(result.perSecond)
        .toString()
        .padStart(6)} calls/s   p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, ` +
        `parent CPU ${Math.round(result.parentCpuUs)} µs/call   (${result.calls} calls, isolation ${result.isolation}, ${result.starts} starts)`,
    );
  }
  console.log(`\nload average ${loadavg()[0].toFixed(2)} at the end`);
} finally {
  rmSync(scratchDir, { recursive: true, force: true });
}
