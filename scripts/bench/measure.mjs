// Runs the awm CLI as a child process and measures it: wall time around the whole process, and
// its peak memory (max RSS), read inside the child by a tiny `--import` hook at exit. The child is
// spawned without a shell, so neither a shell's startup nor zx's own bookkeeping is in the figures.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

// `process.resourceUsage().maxRSS` is the process's high-water mark in KiB (ru_maxrss on Linux).
const RSS_HOOK = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.AWM_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`;

/** LLM settings of the caller's shell would change what awm loads and fingerprints: the bench runs offline. */
const LLM_VARIABLES = /^(OPENAI_|AZURE_|EMBEDDING_|AWM_SYN_)/;

export class AwmRunner {
  #bin;
  #hook;
  #rssFile;

  /** `scratch` is a folder for the hook file and the RSS figure it writes. */
  constructor(bin, scratch) {
    this.#bin = bin;
    this.#hook = join(scratch, 'rss-hook.mjs');
    this.#rssFile = join(scratch, 'max-rss.txt');
    writeFileSync(this.#hook, RSS_HOOK);
  }

  /** One `awm …` in `cwd`: { ms, maxRssMiB, code, stdout, stderr }. */
  run(cwd, args, extraEnv = {}) {
    const env = { ...withoutLlmVariables(process.env), CI: '1', AWM_BENCH_RSS_FILE: this.#rssFile, ...extraEnv };
    const argv = ['--import', pathToFileURL(this.#hook).href, this.#bin, ...args];
    rmSync(this.#rssFile, { force: true });
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        const ms = performance.now() - start;
        resolve({ ms, maxRssMiB: this.#readRssMiB(), code, stdout, stderr });
      });
    });
  }

  #readRssMiB() {
    try {
      return Number(readFileSync(this.#rssFile, 'utf8')) / 1024;
    } catch {
      return Number.NaN;
    }
  }
}

function withoutLlmVariables(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !LLM_VARIABLES.test(name)));
}

/**
 * Runs every command once per round, `runs` rounds, starting each round one command later so that
 * no command always follows the same one. `check(name, result)` throws when a run went wrong.
 * Returns { [name]: { ms: number[], maxRssMiB: number[] } }.
 */
export async function measureInterleaved(commands, runs, runOne, check) {
  const samples = Object.fromEntries(commands.map(({ name }) => [name, { ms: [], maxRssMiB: [] }]));
  for (let round = 0; round < runs; round += 1) {
    for (let step = 0; step < commands.length; step += 1) {
      const command = commands[(round + step) % commands.length];
      const result = await runOne(command.args);
      check(command.name, result);
      samples[command.name].ms.push(result.ms);
      samples[command.name].maxRssMiB.push(result.maxRssMiB);
    }
  }
  return samples;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Least squares line y = intercept + slope·x through the points [{ x, y }]. */
export function fitLine(points) {
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length;
  const spread = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  const slope = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0) / spread;
  return { intercept: meanY - slope * meanX, slope };
}
