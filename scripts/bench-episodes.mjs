#!/usr/bin/env node
// Benchmark: the episode server (`awm serve`) under many concurrent OpenEnv sessions (WS /ws), and
// episodes made ready by it against one `awm env start` process per episode (the reference's design).
// It prints figures; nothing here is a test, and no figure fails the run (failures are counted).
//
//   npm run build && npx awm build && node scripts/bench-episodes.mjs [--episodes 1024] [--ready 64]
//     [--max-episodes 2048] [--skip episodes,ready] [--timeout 1200]
//
// 1. --episodes concurrent episodes over ws://127.0.0.1:PORT/ws, spread over every (scenario, task)
//    pair of the demo: each socket connects and resets; when all are reset (a barrier: all of them
//    are live at once) the server's memory is read; then each sends list_tools, its task's reference
//    solution (demo/solutions, `{$result, path}` resolved from earlier tool_results), verify, and
//    close. Failures, rewards, episodes/s over the whole batch, step latency, memory per live episode.
// 2. --ready episodes made ready: through the running server (connect, reset, list_tools; all at
//    once) against --ready `awm env start --port 0` processes spawned at once, each ready when it has
//    printed its URL and answered an MCP tools/list. The processes are stopped (SIGTERM) afterwards.
//
// The server is `node bin/awm.js serve --port 0` in this project, a child of this script, stopped
// with SIGTERM at the end (killed if it does not stop); so are the env start processes. Memory is
// VmRSS from /proc: the server's process and, apart, its sandboxed workers (its descendants).
// The server's folder (outputs/servers/<time>_serve: server.log, each scenario's calls.jsonl with
// every call's time) is kept for reading; the env start processes' run folders are removed.
// A default run takes 3 to 6 minutes on 2 cores: most of it the verifier's sandboxed process per
// verify (~0.1 core-second each) and the 64 env start processes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { argv } from 'zx';
import WebSocket from 'ws';
import { count, mib, ms, table, times } from './bench/report.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin', 'awm.js');
/** Linux's USER_HZ, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;
const SERVING_LINE = /^awm: serving (\d+) scenarios at (http:\/\/\S+)/m;
const FOLDER_LINE = /folder (\S+); Ctrl-C/;
const ENV_LINE = /^awm: env (\S+) at (http:\/\/\S+)/m;
const RUN_FOLDER_LINE = /run folder (\S+) \(server\.log/;
/** How long an env start process may take to print its URL (64 starting at once on 2 busy cores are slow). */
const ENV_START_WAIT_MS = 600_000;

/** Every process this script started, stopped at the end whatever happens. */
const children = new Set();

const options = {
  episodes: Number(argv.episodes ?? 1024),
  ready: Number(argv.ready ?? 64),
  maxEpisodes: Number(argv['max-episodes'] ?? 2048),
  timeoutSeconds: Number(argv.timeout ?? 1200),
  skip: new Set(
    String(argv.skip ?? '')
      .split(',')
      .filter(Boolean),
  ),
};

process.on('exit', () => {
  for (const child of children) killTree(child.pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    console.error(`\nbench-episodes: ${signal}; stopping the processes it started`);
    void stopAll().finally(() => process.exit(130));
  });
const watchdog = setTimeout(() => {
  console.error(`\nbench-episodes: still running after ${options.timeoutSeconds} s (--timeout); stopping`);
  void stopAll().finally(() => process.exit(1));
}, options.timeoutSeconds * 1000);
watchdog.unref();

async function main() {
  for (const path of [join(REPO, 'dist/src/cli.js'), join(REPO, 'artifacts/scenarios.json')])
    if (!existsSync(path)) {
      console.error(`bench-episodes: ${path} is missing; run \`npm run build\` and \`npx awm build\` first`);
      process.exit(2);
    }
  const { resolveReferences } = await import(pathToFileURL(join(REPO, 'dist/src/env/replay.js')).href);
  const pairs = solutionPairs();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `episode server benchmark: node ${process.version}, ${countCores()} cores, load average ${load}; ` +
      `${pairs.length} (scenario, task) pairs with reference solutions`,
  );
  const server = await startServer();
  console.log(`server: pid ${server.pid}, ${server.scenarios} scenarios at ${server.url}, folder ${server.folder}`);
  const summary = [];
  if (!options.skip.has('episodes')) summary.push(...(await concurrentEpisodes(server, pairs, resolveReferences)));
  if (!options.skip.has('ready')) summary.push(...(await readiness(server, pairs)));
  await stopProcess(server.child, 'the server');
  console.log(
    `\nserver stopped (SIGTERM) ${server.exit.code === 0 ? 'cleanly, exit 0' : `with ${server.exit.text}`}; ` +
      `its folder ${server.folder} is kept (server.log, calls.jsonl per scenario)`,
  );
  printSummary(summary);
  const loadNow = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `load average at the end: ${loadNow} (any other processes on the machine share its cores with the figures)`,
  );
}

// ─── 1. concurrent episodes ──────────────────────────────────────────────────────────────────────

async function concurrentEpisodes(server, pairs, resolveReferences) {
  const total = options.episodes;
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
  console.log(
    `\n1. ${count(total)} concurrent episodes over ${wsUrl}: connect + reset all, barrier, then list_tools, ` +
      `the reference calls, verify (a question's final_answer: the reference answer), close`,
  );
  const plans = Array.from({ length: total }, (_, index) => pairs[index % pairs.length]);
  const before = processMemory(server.pid);
  const cpu = cpuSnapshot(server.pid);
  const started = performance.now();

  const episodes = await Promise.all(plans.map((plan) => openEpisode(wsUrl, plan)));
  const resetMs = performance.now() - started;
  const live = episodes.filter((episode) => episode.resetOk).length;
  const atBarrier = processMemory(server.pid);
  const disk = folderBytes(join(REPO, server.folder));
  const health = await fetchJson(`${server.url}/health`);
  console.log(
    `  all reset in ${ms(resetMs)}: ${count(live)} live (the server's /health: ${JSON.stringify(health)}); ` +
      `session files on disk ${mib(disk / 2 ** 20)}`,
  );

  const stepsStarted = performance.now();
  await Promise.all(episodes.map((episode) => runEpisode(episode, resolveReferences)));
  const stepsMs = performance.now() - stepsStarted;
  const afterSteps = processMemory(server.pid);
  await Promise.all(episodes.map((episode) => closeEpisode(episode)));
  const wall = performance.now() - started;
  const used = cpuSince(cpu, server.pid);
  await sleep(500);
  const afterClose = processMemory(server.pid);

  const perEpisode = (atBarrier.server - before.server) / total;
  const workersPerEpisode = (atBarrier.workers - before.workers) / total;
  const steppedPerEpisode = (afterSteps.server - before.server) / total;
  const steppedWorkersPerEpisode = (afterSteps.workers - before.workers) / total;
  console.log(
    `  steps (list_tools … verify) of all in ${ms(stepsMs)}; close of all; whole batch ${ms(wall)} ` +
      `→ ${fixed((total / wall) * 1000, 1)} episodes/s`,
  );
  printFailures(episodes);
  printRewards(episodes);
  const latency = printLatency(episodes);
  console.log('  memory (VmRSS; workers = the sandboxed processes under the server: unshare, sh, node)');
  console.log(
    table([
      ['', 'server process', `workers (${atBarrier.workerCount} processes)`],
      ['before any episode', mib(before.server / 2 ** 20), mib(before.workers / 2 ** 20)],
      [`${count(total)} live, after reset`, mib(atBarrier.server / 2 ** 20), mib(atBarrier.workers / 2 ** 20)],
      [`${count(total)} live, after their steps`, mib(afterSteps.server / 2 ** 20), mib(afterSteps.workers / 2 ** 20)],
      ['all closed (+0.5 s)', mib(afterClose.server / 2 ** 20), mib(afterClose.workers / 2 ** 20)],
      ['per live episode (after reset − before) / N', kib(perEpisode), kib(workersPerEpisode)],
      ['per live episode (after steps − before) / N', kib(steppedPerEpisode), kib(steppedWorkersPerEpisode)],
    ]),
  );
  console.log(
    "  (the server's RSS moves with its garbage collector by more than 1,024 small episodes add: a negative or tiny\n" +
      '  figure means "below that noise"; the workers keep at most 128 session databases open each, least recently\n' +
      '  used closed first, so their share stops growing past 128 live episodes per scenario)',
  );
  console.log(`  session files on disk with all live: ${kib(disk / total)} per episode (a copy of initial.db each)`);
  const cores = countCores();
  const busy = used.client + used.server + used.workers + used.reaped;
  console.log(
    `  CPU over the batch (${fixed(wall / 1000, 1)} s wall, ${cores} cores = ${fixed((wall / 1000) * cores, 1)} core·s): ` +
      `server ${fixed(used.server, 1)} s (${percent(used.server / (wall / 1000))} of a core), ` +
      `its scenario workers ${fixed(used.workers, 1)} s, its ended children ${fixed(used.reaped, 1)} s ` +
      `(${count(total)} verifier processes, ${fixed((used.reaped / total) * 1000, 0)} ms each, and any worker killed), ` +
      `this client ${fixed(used.client, 1)} s (${percent(used.client / (wall / 1000))} of a core); ` +
      `${percent(busy / ((wall / 1000) * cores))} of the machine; the whole machine was ${percent(used.machine)} busy`,
  );
  console.log(`  what limits the figure: ${limitingFactor(used, wall, cores)}`);
  const failed = episodes.filter((episode) => episode.failures.length > 0).length;
  return [
    { figure: `failed episodes of ${count(total)}`, value: count(failed), target: '0', met: failed === 0 },
    { figure: 'episodes/s (whole batch, wall clock)', value: fixed((total / wall) * 1000, 1), target: '—', met: null },
    {
      figure: 'step latency p50 / p99',
      value: `${msFine(latency.p50)} / ${msFine(latency.p99)}`,
      target: '—',
      met: null,
    },
    {
      figure: 'memory per live episode, server / workers (after reset)',
      value: `${kib(perEpisode)} / ${kib(workersPerEpisode)}`,
      target: '—',
      met: null,
    },
    {
      figure: 'memory per live episode, server / workers (after steps)',
      value: `${kib(steppedPerEpisode)} / ${kib(steppedWorkersPerEpisode)}`,
      target: '—',
      met: null,
    },
    { figure: 'session files on disk per live episode', value: kib(disk / total), target: '—', met: null },
    {
      figure: 'episodes per GiB (server + workers RSS, after steps)',
      value: count(2 ** 30 / Math.max(steppedPerEpisode + steppedWorkersPerEpisode, 1)),
      target: '—',
      met: null,
      sizing: {
        perGiB: 2 ** 30 / Math.max(steppedPerEpisode + steppedWorkersPerEpisode, 1),
        diskPerEpisode: disk / total,
        perSecondPerCore: ((total / wall) * 1000) / (busy / (wall / 1000)),
        perSecondMachine: (total / wall) * 1000,
        fixed: before.server + before.workers,
        workersGrowth: afterSteps.workers - before.workers,
        total,
        cores,
      },
    },
  ];
}

/** A socket connected and its episode reset; failures are recorded on the episode, never thrown. */
async function openEpisode(url, plan) {
  const episode = {
    plan,
    socket: null,
    resetOk: false,
    failures: [],
    latencies: [],
    reward: undefined,
    rewardType: null,
  };
  try {
    episode.socket = await EpisodeSocket.connect(url);
  } catch (error) {
    episode.failures.push({ kind: 'socket error', detail: `connect: ${error.message}` });
    return episode;
  }
  const reset = await frame(episode, 'reset', {
    type: 'reset',
    data: { scenario: plan.scenario, task_idx: plan.taskIndex },
  });
  episode.resetOk = reset?.data.observation.reward_type === 'reset_ok';
  return episode;
}

/** list_tools, the reference calls in order, verify. */
async function runEpisode(episode, resolveReferences) {
  if (!episode.resetOk) return;
  const listed = await frame(episode, 'list_tools', { type: 'step', data: { type: 'list_tools' } });
  if (listed === null) return;
  const steps = [];
  for (const [index, call] of episode.plan.calls.entries()) {
    const resolved = resolveReferences(call.arguments, steps);
    if (!resolved.ok) {
      episode.failures.push({ kind: 'unresolvable reference', detail: `call ${index + 1}: ${resolved.problem}` });
      return;
    }
    const reply = await frame(episode, 'call_tool', {
      type: 'step',
      data: { type: 'call_tool', tool_name: call.tool, arguments: resolved.value },
    });
    if (reply === null) return;
    const { observation } = reply.data;
    steps.push({
      tool: call.tool,
      arguments: resolved.value,
      outcome:
        observation.error === undefined
          ? { ok: true, result: observation.tool_result }
          : { ok: false, error: observation.tool_result?.error },
    });
  }
  const verified = await frame(episode, 'verify', {
    type: 'step',
    data: { type: 'call_tool', tool_name: 'verify', arguments: verifyArguments(episode.plan) },
  });
  if (verified === null) return;
  episode.reward = verified.data.reward;
  episode.rewardType = verified.data.observation.reward_type;
  if (verified.data.reward === null)
    episode.failures.push({
      kind: 'verify reward null',
      detail: JSON.stringify(verified.data.observation).slice(0, 300),
    });
}

/** A question is answered as its reference solution states it (an agent's final answer); a change needs none. */
function verifyArguments(plan) {
  return plan.answer === undefined ? {} : { final_answer: plan.answer };
}

async function closeEpisode(episode) {
  if (episode.socket === null) return;
  try {
    await episode.socket.close();
  } catch (error) {
    episode.failures.push({ kind: 'socket error', detail: `close: ${error.message}` });
  }
}

/**
 * One frame and its reply, its round trip recorded. An error frame, an observation with `error` and
 * a socket error are failures; returns null when there is no observation to go on.
 */
async function frame(episode, kind, message) {
  if (episode.socket === null) return null;
  let answer;
  try {
    answer = await episode.socket.request(message);
  } catch (error) {
    episode.failures.push({ kind: 'socket error', detail: `${kind}: ${error.message}` });
    return null;
  }
  episode.latencies.push({ kind, ms: answer.ms });
  const { reply } = answer;
  if (reply.type === 'error') {
    episode.failures.push({ kind: 'error frame', detail: `${kind}: ${JSON.stringify(reply.data).slice(0, 300)}` });
    return null;
  }
  const observation = reply.data?.observation;
  if (reply.type !== 'observation' || observation === undefined) {
    episode.failures.push({ kind: 'unexpected reply', detail: `${kind}: ${JSON.stringify(reply).slice(0, 300)}` });
    return null;
  }
  if (observation.error !== undefined)
    episode.failures.push({
      kind: 'observation with error',
      detail: `${kind}${message.data?.tool_name ? ` ${message.data.tool_name}` : ''}: ${String(observation.error).slice(0, 300)}`,
    });
  return reply;
}

/** A WebSocket speaking /ws: one request frame, one reply, in order (so a FIFO pairs them). */
class EpisodeSocket {
  #socket;
  #waiting = [];
  #closed = null;
  #problem = null;

  constructor(socket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('message', (data) => {
      const waiting = this.#waiting.shift();
      if (waiting === undefined) return;
      waiting.resolve({ reply: JSON.parse(data.toString()), ms: performance.now() - waiting.started });
    });
    socket.on('error', (error) => (this.#problem = error));
    socket.on('close', (code) => {
      this.#problem ??= new Error(`the socket closed (${code})`);
      for (const waiting of this.#waiting.splice(0)) waiting.reject(this.#problem);
    });
  }

  static connect(url) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('open', () => resolve(new EpisodeSocket(socket)));
      socket.once('error', reject);
    });
  }

  request(message) {
    if (this.#socket.readyState !== WebSocket.OPEN)
      return Promise.reject(this.#problem ?? new Error('the socket is not open'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject, started: performance.now() });
      this.#socket.send(JSON.stringify(message));
    });
  }

  /** Sends {type:"close"} and waits for the server to close the socket (its episode closed first). */
  async close() {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ type: 'close' }));
    const code = await Promise.race([this.#closed, sleep(30_000).then(() => 'timeout')]);
    if (code === 'timeout') {
      this.#socket.terminate();
      throw new Error('no close from the server within 30 s');
    }
    if (code !== 1000) throw new Error(`closed with code ${code}`);
  }
}

function printFailures(episodes) {
  const failures = episodes.flatMap((episode) =>
    episode.failures.map((failure) => ({ ...failure, where: `${episode.plan.scenario}/${episode.plan.taskId}` })),
  );
  const failed = episodes.filter((episode) => episode.failures.length > 0).length;
  console.log(
    `  failures: ${count(failed)} episodes of ${count(episodes.length)} (${count(failures.length)} failures)`,
  );
  if (failures.length === 0) return;
  const kinds = tally(failures.map((failure) => failure.kind));
  console.log(table([...kinds].map(([kind, number]) => [`    ${kind}`, count(number)])));
  const seen = new Set();
  for (const failure of failures) {
    const key = `${failure.where} ${failure.kind} ${failure.detail.replace(/[0-9a-f-]{36}/g, '…')}`;
    if (seen.has(key) || seen.size >= 12) continue;
    seen.add(key);
    console.log(`    e.g. ${failure.where}: ${failure.kind}: ${failure.detail}`);
  }
}

function printRewards(episodes) {
  const verified = episodes.filter((episode) => episode.reward !== undefined);
  const rewards = tally(verified.map((episode) => `reward ${JSON.stringify(episode.reward)} (${episode.rewardType})`));
  console.log(
    `  rewards of the ${count(verified.length)} verified episodes: ` +
      [...rewards].map(([reward, number]) => `${reward} × ${count(number)}`).join(', '),
  );
  const notOne = new Map();
  for (const episode of verified)
    if (episode.reward !== 1) notOne.set(`${episode.plan.scenario}/${episode.plan.taskId}`, episode.reward);
  if (notOne.size > 0)
    console.log(
      `    tasks whose reference solution did not get 1: ${[...notOne].map(([task, reward]) => `${task} (${reward})`).join(', ')}`,
    );
}

function printLatency(episodes) {
  const all = episodes.flatMap((episode) => episode.latencies);
  const rows = [['frame round trip', 'frames', 'p50', 'p99', 'max']];
  const line = (label, values) => {
    const sorted = values.sort((a, b) => a - b);
    rows.push([
      label,
      count(sorted.length),
      msFine(quantile(sorted, 0.5)),
      msFine(quantile(sorted, 0.99)),
      msFine(sorted.at(-1) ?? NaN),
    ]);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  };
  const steps = line(
    'steps (list_tools, call_tool, verify)',
    all.filter((latency) => latency.kind !== 'reset').map((latency) => latency.ms),
  );
  for (const kind of ['reset', 'list_tools', 'call_tool', 'verify'])
    line(
      `  ${kind}`,
      all.filter((latency) => latency.kind === kind).map((latency) => latency.ms),
    );
  console.log(
    '  latency: from send to its reply, with every other episode in flight (queueing in the server included)',
  );
  console.log(table(rows, '    '));
  return steps;
}

function limitingFactor(used, wall, cores) {
  const seconds = wall / 1000;
  const parts = [];
  if (used.server / seconds > 0.85) parts.push(`the server's one thread (${percent(used.server / seconds)} of a core)`);
  const ours = (used.client + used.server + used.workers + used.reaped) / (seconds * cores);
  if (ours > 0.85) parts.push(`the machine's ${cores} cores (shared by the server, its workers and this client)`);
  if (used.client / seconds > 0.5)
    parts.push(`this client takes ${percent(used.client / seconds)} of a core from them`);
  if (used.reaped > used.server + used.workers)
    parts.push(
      `the verifier's sandboxed process per verify (${percent(used.reaped / (used.client + used.server + used.workers + used.reaped))} of the benchmark's CPU)`,
    );
  if (used.machine > 0.85 && used.machine - ours > 0.25)
    parts.push(
      `the machine's cores, ${percent(used.machine)} busy, ${percent(used.machine - ours)} of it by processes outside ` +
        'this benchmark: the figures are lower than on a quiet machine',
    );
  return parts.length === 0 ? 'no CPU saturated: waiting (I/O, queues in the server)' : parts.join('; ');
}

// ─── 2. ready: server vs one process per episode ─────────────────────────────────────────────────

async function readiness(server, pairs) {
  const total = options.ready;
  console.log(
    `\n2. ${count(total)} episodes made ready: by the running server vs by ${count(total)} \`awm env start\` processes`,
  );
  const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
  const plans = Array.from({ length: total }, (_, index) => pairs[index % pairs.length]);

  const started = performance.now();
  const episodes = await Promise.all(
    plans.map(async (plan) => {
      const episode = await openEpisode(wsUrl, plan);
      if (episode.resetOk) await frame(episode, 'list_tools', { type: 'step', data: { type: 'list_tools' } });
      return episode;
    }),
  );
  const serverMs = performance.now() - started;
  await Promise.all(episodes.map((episode) => closeEpisode(episode)));
  const serverFailed = episodes.filter((episode) => episode.failures.length > 0).length;
  console.log(
    `  server: ${count(total)} at once (connect, reset, list_tools) in ${ms(serverMs)}` +
      (serverFailed === 0
        ? ''
        : `; ${count(serverFailed)} FAILED: ${episodes.find((e) => e.failures.length)?.failures[0].detail}`),
  );

  const scenarios = plans.map((plan) => plan.scenario);
  const processes = [];
  const spawnStarted = performance.now();
  const ready = await Promise.all(scenarios.map((scenario) => startEnvProcess(scenario, spawnStarted, processes)));
  const processMs = performance.now() - spawnStarted;
  const alive = processes.filter((child) => child.exitCode === null && child.signalCode === null).length;
  const memory = processes.reduce(
    (sum, child) => {
      const tree = processMemory(child.pid);
      return { server: sum.server + tree.server, workers: sum.workers + tree.workers };
    },
    { server: 0, workers: 0 },
  );
  const stopStarted = performance.now();
  const exits = await Promise.all(processes.map((child) => stopProcess(child, 'an env start process')));
  const stopMs = performance.now() - stopStarted;
  const readyOnes = ready.filter((entry) => entry.ok);
  for (const entry of ready.filter((entry) => !entry.ok).slice(0, 5))
    console.log(`    FAILED: ${entry.problem.trim()}`);
  for (const entry of ready) if (entry.runFolder) rmSync(join(REPO, entry.runFolder), { recursive: true, force: true });
  const readyTimes = readyOnes.map((entry) => entry.ms).sort((a, b) => a - b);
  // The time the last of them was ready; one that failed to start is not ready at all (counted apart).
  const envMs = readyTimes.at(-1) ?? processMs;
  const readyLabel = readyOnes.length === total ? count(total) : `${count(readyOnes.length)} of ${count(total)}`;
  const perEnvEpisode = (memory.server + memory.workers) / Math.max(1, alive);
  console.log(
    `  env start: ${count(total)} processes spawned at once, ${count(readyOnes.length)} ready (URL printed, tools/list answered) ` +
      `in ${ms(envMs)}; each ready after median ${ms(quantile(readyTimes, 0.5))}, first ${ms(readyTimes[0] ?? NaN)}, last ${ms(readyTimes.at(-1) ?? NaN)}`,
  );
  console.log(
    `  their memory with all ready: ${mib(memory.server / 2 ** 20)} in the env start processes + ` +
      `${mib(memory.workers / 2 ** 20)} in their sandboxed workers = ${mib(perEnvEpisode / 2 ** 20)} per process (${count(alive)} running)`,
  );
  console.log(
    `  stopped (SIGTERM, final.db written) in ${ms(stopMs)}; exit codes ${[...tally(exits.map((exit) => exit.text))].map(([text, n]) => `${text} × ${n}`).join(', ')}; their run folders removed`,
  );
  const ratio = envMs / serverMs;
  console.log(
    `  ratio: env start processes / server = ${times(ratio)} (the server's resets are that much faster)` +
      (readyOnes.length === total ? '' : `; ${count(total - readyOnes.length)} env start processes never got ready`),
  );
  return [
    { figure: `${count(total)} ready through the server`, value: ms(serverMs), target: '—', met: null },
    { figure: `${readyLabel} ready as env start processes`, value: ms(envMs), target: '—', met: null },
    {
      figure: 'ratio env start / server',
      value: times(ratio),
      target: '—',
      met: readyOnes.length === total ? null : false,
    },
    {
      figure: 'memory per episode as env start processes',
      value: mib(perEnvEpisode / 2 ** 20),
      target: '—',
      met: null,
    },
  ];
}

/** One `awm env start --port 0`: ready once it printed its URL and answered tools/list. */
async function startEnvProcess(scenario, spawnStarted, processes) {
  const child = track(
    spawn(process.execPath, [BIN, 'env', 'start', '--scenario', scenario, '--port', '0'], {
      cwd: REPO,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  processes.push(child);
  const output = collect(child);
  const line = await output.waitFor(ENV_LINE, ENV_START_WAIT_MS);
  if (line === null) {
    const how =
      child.exitCode === null ? `still running after ${ENV_START_WAIT_MS / 1000} s` : `exit ${child.exitCode}`;
    return { ok: false, problem: `env start ${scenario} printed no URL (${how}): ${output.text().trim().slice(-400)}` };
  }
  const url = line[2];
  const folder = (await output.waitFor(RUN_FOLDER_LINE, 5_000))?.[1];
  const listed = await fetchJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const tools = listed?.result?.tools?.length ?? 0;
  if (tools === 0)
    return {
      ok: false,
      runFolder: folder,
      problem: `env start ${scenario}: tools/list answered ${JSON.stringify(listed).slice(0, 300)}`,
    };
  return { ok: true, runFolder: folder, ms: performance.now() - spawnStarted };
}

// ─── the server and other processes ──────────────────────────────────────────────────────────────

async function startServer() {
  const child = track(
    spawn(process.execPath, [BIN, 'serve', '--port', '0', '--max-episodes', String(options.maxEpisodes)], {
      cwd: REPO,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const output = collect(child);
  const serving = await output.waitFor(SERVING_LINE, 120_000);
  if (serving === null) throw new Error(`the server printed no URL:\n${output.text().slice(-1000)}`);
  const folder = (await output.waitFor(FOLDER_LINE, 5_000))?.[1] ?? '(unknown)';
  const exit = { code: null, text: 'still running' };
  child.once('exit', (code, signal) => {
    exit.code = code;
    exit.text = signal === null ? `exit ${code}` : `signal ${signal}`;
  });
  await sleep(3000); // let start-up garbage settle before the memory baseline
  return { child, pid: child.pid, scenarios: Number(serving[1]), url: serving[2], folder, exit, output };
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Keeps reading a child's stdout and stderr (a full pipe would stall it); waits for a line. */
function collect(child) {
  let text = '';
  const waiters = [];
  const onData = (chunk) => {
    text += chunk;
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(text);
      if (match !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  child.once('exit', () => {
    for (const waiter of waiters.splice(0)) waiter.resolve(null);
  });
  return {
    text: () => text,
    waitFor(pattern, timeoutMs) {
      const match = pattern.exec(text);
      if (match !== null) return Promise.resolve(match);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(null);
      return new Promise((resolve) => {
        const waiter = { pattern, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          if (waiters.includes(waiter)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(null);
          }
        }, timeoutMs).unref();
      });
    },
  };
}

/** SIGTERM, then SIGKILL to it and its descendants after 20 s; resolves with how it ended. */
async function stopProcess(child, what) {
  if (child.exitCode !== null || child.signalCode !== null) return exitOf(child);
  const descendants = descendantsOf(child.pid);
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
  if (!inTime) {
    console.error(`bench-episodes: ${what} (pid ${child.pid}) did not stop within 20 s of SIGTERM; killing it`);
    killTree(child.pid, 'SIGKILL');
    await exited;
  }
  // Its sandboxed workers end with it; any left behind would be a finding, and is killed.
  await sleep(200);
  const left = descendants.filter((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid));
  if (left.length > 0) {
    console.error(`bench-episodes: ${what} left ${left.length} processes behind (${left.join(', ')}); killing them`);
    for (const pid of left) signalPid(pid, 'SIGKILL');
  }
  return exitOf(child);
}

async function stopAll() {
  await Promise.all([...children].map((child) => stopProcess(child, `pid ${child.pid}`)));
}

function exitOf(child) {
  return {
    code: child.exitCode,
    text: child.signalCode === null ? `exit ${child.exitCode}` : `signal ${child.signalCode}`,
  };
}

function killTree(pid, signal) {
  for (const descendant of descendantsOf(pid)) signalPid(descendant, signal);
  signalPid(pid, signal);
}

function signalPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

// ─── /proc ───────────────────────────────────────────────────────────────────────────────────────

/** VmRSS in bytes of the process, and summed over its descendants (the sandboxed workers). */
function processMemory(pid) {
  const workers = descendantsOf(pid);
  return {
    server: rssOf(pid),
    workers: workers.reduce((sum, child) => sum + rssOf(child), 0),
    workerCount: workers.length,
  };
}

function rssOf(pid) {
  const status = readOrEmpty(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

function descendantsOf(pid) {
  const found = [];
  const visit = (parent) => {
    for (const task of listOrEmpty(`/proc/${parent}/task`))
      for (const child of readOrEmpty(`/proc/${parent}/task/${task}/children`).split(' ').filter(Boolean)) {
        found.push(Number(child));
        visit(child);
      }
  };
  visit(pid);
  return found;
}

/** CPU seconds: this process, the server's main process, and its workers (alive ones, and reaped ones via cutime). */
function cpuSnapshot(pid) {
  return { client: process.cpuUsage(), server: cpuTicks(pid), alive: aliveTicks(pid), machine: machineTicks() };
}

function cpuSince(snapshot, pid) {
  const client = process.cpuUsage(snapshot.client);
  const now = cpuTicks(pid);
  const aliveNow = aliveTicks(pid);
  const machine = machineTicks();
  return {
    /** The fraction of all cores' time that was busy (anyone's processes). */
    machine:
      (machine.busy - snapshot.machine.busy) /
      Math.max(1, machine.busy + machine.idle - snapshot.machine.busy - snapshot.machine.idle),
    client: (client.user + client.system) / 1e6,
    server: (now.own - snapshot.server.own) / CLOCK_TICKS_PER_SECOND,
    // The long-lived scenario workers are alive at the end; reaped children count in the server's
    // cutime: each verify's sandboxed verifier, and any worker killed (a call past its time limit).
    workers: (aliveNow - snapshot.alive) / CLOCK_TICKS_PER_SECOND,
    reaped: (now.reaped - snapshot.server.reaped) / CLOCK_TICKS_PER_SECOND,
  };
}

function aliveTicks(pid) {
  return descendantsOf(pid).reduce((sum, child) => sum + cpuTicks(child).own, 0);
}

function cpuTicks(pid) {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state(0) … utime(11) stime(12) cutime(13) cstime(14).
  return {
    own: Number(fields[11] ?? 0) + Number(fields[12] ?? 0),
    reaped: Number(fields[13] ?? 0) + Number(fields[14] ?? 0),
  };
}

/** All cores' ticks from /proc/stat: idle (idle + iowait) and busy (the rest). */
function machineTicks() {
  const fields = readOrEmpty('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, busy: fields.reduce((sum, value) => sum + value, 0) - idle };
}

function isZombie(pid) {
  return /^State:\s+Z/m.test(readOrEmpty(`/proc/${pid}/status`));
}

function countCores() {
  return (readOrEmpty('/proc/cpuinfo').match(/^processor\s/gm) ?? []).length || 1;
}

function folderBytes(dir) {
  let total = 0;
  for (const name of listOrEmpty(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    total += stat.isDirectory() ? folderBytes(path) : stat.size;
  }
  return total;
}

function readOrEmpty(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function listOrEmpty(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// ─── the demo's reference solutions ──────────────────────────────────────────────────────────────

/** Every (scenario, task) of the built demo with its reference calls, task_idx as in the built tasks.json. */
function solutionPairs() {
  const scenarios = JSON.parse(readFileSync(join(REPO, 'artifacts/scenarios.json'), 'utf8'));
  const pairs = [];
  for (const { id: scenario } of scenarios) {
    const solutionsPath = join(REPO, 'demo/solutions', `${scenario}.json`);
    if (!existsSync(solutionsPath)) continue;
    const tasks = JSON.parse(readFileSync(join(REPO, 'artifacts', scenario, 'tasks.json'), 'utf8'));
    for (const task of JSON.parse(readFileSync(solutionsPath, 'utf8')).tasks) {
      const taskIndex = tasks.findIndex((built) => built.id === task.id);
      if (taskIndex >= 0) pairs.push({ scenario, taskId: task.id, taskIndex, calls: task.calls, answer: task.answer });
    }
  }
  if (pairs.length === 0) throw new Error('no built task has a reference solution in demo/solutions');
  return pairs;
}

// ─── output ──────────────────────────────────────────────────────────────────────────────────────

function printSummary(rows) {
  if (rows.length === 0) return;
  console.log('\nsummary');
  console.log(
    table(rows.map((row) => [row.figure, row.value, row.target, row.met === null ? '' : row.met ? 'met' : 'MISSED'])),
  );
  const sizing = rows.find((row) => row.sizing)?.sizing;
  if (sizing === undefined) return;
  const memory =
    sizing.perGiB > 1e6
      ? 'memory per live episode below the noise of RSS'
      : `${count(sizing.perGiB)} live episodes per GiB of RSS at ${count(sizing.total)} live (server + workers, after ` +
        `their steps; the workers' ${mib(sizing.workersGrowth / 2 ** 20)} of it is capped by 128 open databases per scenario)`;
  console.log(
    `\nsizing: ${memory} on top of ${mib(sizing.fixed / 2 ** 20)} with none (server + 3 scenario workers), ` +
      `plus ${kib(sizing.diskPerEpisode)} of session file per live episode on disk;`,
  );
  console.log(
    `sizing: ${fixed(sizing.perSecondMachine, 1)} whole episodes/s on this ${sizing.cores}-core machine as measured, ` +
      `${fixed(sizing.perSecondPerCore, 1)} episodes/s per core-second the benchmark's processes used ` +
      `(server, its workers and verifier children, this client).`,
  );
}

async function fetchJson(url, init) {
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    const data = text.startsWith('event:') || text.includes('\ndata: ') ? text.split('data: ')[1] : text;
    return JSON.parse(data);
  } catch (error) {
    return { fetchError: error.message };
  }
}

function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}

/** Nearest rank on sorted values. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function sleep(ms_) {
  return new Promise((resolve) => setTimeout(resolve, ms_));
}

function fixed(value, digits) {
  return value.toFixed(digits);
}

function percent(fraction) {
  return `${Math.round(fraction * 100)}%`;
}

function kib(bytes) {
  return `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;
}

function msFine(value) {
  return value < 10 ? `${value.toFixed(2)} ms` : ms(value);
}

// Last: the classes above must be initialised before main() uses them.
try {
  await main();
} catch (error) {
  console.error(`bench-episodes: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
