#!/usr/bin/env node
// Benchmark: how long the commands users run all the time (a no-op `awm build`, `awm status`,
// `awm check`) take on big projects, how that scales, and what memory they use.
//
//   node scripts/bench-noop.mjs [--sizes 100,1000,3000] [--real 1000] [--runs 7] [--keep]
//   quick: node scripts/bench-noop.mjs --sizes 100,1000 --real 100 --runs 3
//
// --sizes  scenarios of the synthetic projects (7 per-scenario stages, realistic artifact sizes,
//          a local fake stage; see bench/synthetic-project.mjs); 0 skips them
// --real   scenarios of the real project (awm's own stages with the offline demo provider, the
//          demo's recorded answers copied under varied ids; see bench/real-project.mjs); 0 skips it
// --runs   runs of each command per project, of which the median counts
// --keep   keep the temp projects (their folders are printed) instead of deleting them
//
// Each project is built once (the first build is timed), then built again (timed too: that first
// no-op re-hashes every output the build wrote, which settles the stat cache), then `awm --help`
// (the startup baseline), the no-op build, status and check run in rounds, each command once per
// round, so that machine noise affects all of them alike. Times are wall times of whole CLI
// processes, spawned without a shell. Peak memory is the child's max RSS, which it writes at exit
// from a one-line `--import` hook (`process.resourceUsage().maxRSS`; it agrees with GNU
// `/usr/bin/time -f %M` to 0.1 MiB and needs nothing installed); the median over the runs is
// reported, and the largest too, since a run's peak depends on when GC ran.
// A line fitted by least squares through the synthetic sizes splits each command's median into a
// fixed cost and a cost per instance. The script fails only when awm fails (or a no-op build
// builds something), never because a target is missed. LLM variables of the shell are not passed
// on, so every run is offline.
import { $, argv, fs, os, path } from 'zx';
import { performance } from 'node:perf_hooks';
import { AwmRunner, fitLine, measureInterleaved, median } from './bench/measure.mjs';
import { makeRealProject } from './bench/real-project.mjs';
import { makeSyntheticProject, syntheticInstances } from './bench/synthetic-project.mjs';
import { COMMANDS, ms, projectReport, scalingReport, summaryTable, targetsReport } from './bench/report.mjs';

const started = performance.now();
const loadAtStart = os.loadavg()[0];
const sizes = String(argv.sizes ?? '100,1000,3000')
  .split(',')
  .map(Number)
  .filter((size) => size > 0);
const realScenarios = Number(argv.real ?? 1000);
const runs = Number(argv.runs ?? 7);
const keep = Boolean(argv.keep);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'awm-bench-'));
const awm = new AwmRunner(path.join(repo, 'bin', 'awm.js'), scratch);

/** Runs `awm args` in the project; a failed command is an error of the benchmark. */
async function runOk(project, args) {
  const result = await awm.run(project.dir, args, project.env);
  if (result.code !== 0)
    throw new Error(
      `awm ${args.join(' ')} failed (exit ${result.code}) in ${project.dir}:\n${result.stderr}${result.stdout}`,
    );
  return result;
}

/** The build summary line's counts, e.g. `awm: built 7001, fresh 0, failed 0, skipped 0 in 12s`. */
function builtCounts(stdout) {
  const match = /built (\d+), fresh (\d+), failed (\d+)/.exec(stdout);
  if (!match) throw new Error(`no build summary in the output:\n${stdout}`);
  return { built: Number(match[1]), fresh: Number(match[2]), failed: Number(match[3]) };
}

async function measureProject(project) {
  const firstArgs = project.kind === 'synthetic' ? ['build', '--jobs', '8'] : ['build'];
  process.stdout.write(`building the ${project.kind} project of ${project.scenarios} scenarios in ${project.dir} … `);
  const first = await runOk(project, firstArgs);
  const instances = builtCounts(first.stdout).built;
  console.log(`${ms(first.ms)}`);
  // The first build hashes its outputs as it writes them, too close to their mtime to be trusted
  // later ("racy"), so the first no-op after it re-hashes them all (SQLite files by a dump): timed
  // apart, since it settles the stat cache for the runs that follow.
  const settling = await runOk(project, ['build']);
  await $({ nothrow: true, quiet: true })`sync`; // so that writing back the first build's files does not slow the timed runs
  const samples = await measureInterleaved(
    COMMANDS,
    runs,
    (args) => runOk(project, args),
    (name, result) => {
      if (name === 'build' && builtCounts(result.stdout).built !== 0)
        throw new Error(`the no-op build built something:\n${result.stdout}`);
    },
  );
  const helpMs = median(samples.help.ms);
  const commands = Object.fromEntries(
    COMMANDS.map(({ name }) => {
      const medianMs = median(samples[name].ms);
      const rss = samples[name].maxRssMiB;
      return [name, { medianMs, ratioToHelp: medianMs / helpMs, peakMiB: median(rss), worstPeakMiB: Math.max(...rss) }];
    }),
  );
  return {
    ...project,
    instances,
    runs,
    firstBuild: { args: firstArgs, ms: first.ms, maxRssMiB: first.maxRssMiB },
    settling: { ms: settling.ms, maxRssMiB: settling.maxRssMiB },
    commands,
  };
}

async function withProject(kind, scenarios, make) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `awm-bench-${kind}-`));
  try {
    const env = (await make(dir)) ?? {};
    const title = kind === 'synthetic' ? 'synthetic project' : 'real project (awm stages, offline demo provider)';
    const measured = await measureProject({ kind, title, scenarios, dir, env });
    console.log(`${projectReport(measured)}\n`);
    return measured;
  } finally {
    if (keep) console.log(`project kept in ${dir}`);
    else await fs.remove(dir);
  }
}

try {
  const synthetic = [];
  for (const scenarios of sizes) {
    const measured = await withProject('synthetic', scenarios, (dir) => makeSyntheticProject(dir, scenarios));
    if (measured.instances !== syntheticInstances(scenarios))
      throw new Error(`expected ${syntheticInstances(scenarios)} instances, built ${measured.instances}`);
    synthetic.push(measured);
  }
  let fits = null;
  if (synthetic.length >= 2) {
    fits = Object.fromEntries(
      COMMANDS.map(({ name }) => [
        name,
        fitLine(synthetic.map((project) => ({ x: project.instances, y: project.commands[name].medianMs }))),
      ]),
    );
    console.log(`${scalingReport(synthetic, fits)}\n`);
  }
  const real =
    realScenarios > 0
      ? [await withProject('real', realScenarios, (dir) => makeRealProject(dir, realScenarios, repo))]
      : [];
  const cpus = os.cpus();
  console.log(
    `summary (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim()})`,
  );
  console.log(summaryTable([...synthetic, ...real]));
  console.log('targets of the issue (for reading; never the exit code):');
  console.log(targetsReport([...synthetic, ...real], fits));
  console.log(`wall time of the benchmark: ${ms(performance.now() - started)}`);
  // Other work on the machine slows every figure; the interleaving only keeps the ratios fair.
  console.log(
    `1-minute load average: ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end, on ${os.cpus().length} CPUs`,
  );
} catch (error) {
  console.error(`\nbench-noop: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await fs.remove(scratch);
}
