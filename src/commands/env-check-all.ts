// `awm env check-all [--jobs N] [--scenarios GLOB]`: every built env (or those whose scenario
// matches GLOB) served and exercised over MCP (served-env-check.ts), N at a time (default: one per
// CPU, at most one per env), then a pass/fail table. Exit 1 when any env fails. A scenario whose env
// is not built is named and skipped, not failed; an env whose build check failed is failed here too.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { globToRegExp } from '../engine/targets.js';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import { Semaphore } from '../util/semaphore.js';
import { builtEnv, envFiles, openEnvProject, type EnvProject } from './built-env.js';
import { exitWith, jobsOption, stringOption } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { checkServedEnv, type ServedEnvCheck } from './served-env-check.js';

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  if (request.positionals.length > 0)
    return exitWith(
      io,
      `\`awm env check-all\` takes only options; to pick scenarios use --scenarios GLOB (got "${request.positionals.join(' ')}")`,
      2,
    );
  const opened = await openEnvProject(request.root);
  if (!opened.ok) return exitWith(io, opened.error, 2);
  const project = opened.value;
  if (project.scenarios === null) return exitWith(io, 'nothing is built yet; run `awm build` first', 1);
  const glob = stringOption(request.values, 'scenarios');
  const pattern = glob === undefined ? null : globToRegExp(glob);
  const matched = project.scenarios.filter((scenario) => pattern === null || pattern.test(scenario));
  if (matched.length === 0)
    return exitWith(io, `--scenarios ${glob} matches no scenario; the scenarios: ${project.scenarios.join(', ')}`, 2);
  const unbuilt = matched.filter((scenario) => !existsSync(envFiles(project, scenario).report));
  const candidates = matched.filter((scenario) => !unbuilt.includes(scenario));
  if (unbuilt.length > 0)
    io.stdout.write(`awm: not built, skipped: ${unbuilt.join(', ')} (\`awm build\` builds their envs)\n`);
  if (candidates.length === 0) return exitWith(io, 'no env is built yet; run `awm build` first', 1);
  const jobs = jobsOption(request.values, Math.min(availableParallelism(), candidates.length));
  if (!jobs.ok) return exitWith(io, jobs.error, 2);

  io.stdout.write(
    `awm: checking ${candidates.length} env${candidates.length === 1 ? '' : 's'}, ${jobs.value} at a time\n`,
  );
  const checks = await checkAll(project, candidates, jobs.value, io, signal);
  io.stdout.write(formatTable(checks));
  const failing = checks.filter((check) => check.problems.length > 0);
  for (const check of failing)
    for (const problem of check.problems.slice(0, 10)) io.stdout.write(`  ${check.scenario}: ${problem}\n`);
  if (signal.aborted) return exitWith(io, 'interrupted; the envs not yet checked are left out', 130);
  io.stdout.write(
    failing.length === 0
      ? `awm: ${checks.length === 1 ? 'the env passes' : `all ${checks.length} envs pass`}\n`
      : `awm: ${failing.length} of ${checks.length} envs fail: ${failing.map((check) => check.scenario).join(', ')}\n`,
  );
  return failing.length === 0 ? 0 : 1;
}

async function checkAll(
  project: EnvProject,
  scenarios: readonly string[],
  jobs: number,
  io: CliIo,
  signal: AbortSignal,
): Promise<ServedEnvCheck[]> {
  const slots = new Semaphore(jobs);
  const told = new Set<string>();
  const onNotice = (notice: Parameters<typeof describeSandboxNotice>[0]): void => {
    const message = describeSandboxNotice(notice);
    if (!told.has(message)) io.stderr.write(`awm: ${message}\n`);
    told.add(message);
  };
  const results = await Promise.all(
    scenarios.map(async (scenario): Promise<ServedEnvCheck | null> => {
      const release = await slots.acquire(signal);
      if (release === null) return null;
      try {
        const env = builtEnv(project, scenario);
        if (!env.ok) return notServed(scenario, env.error);
        return await checkServedEnv(env.value, { signal, onNotice });
      } finally {
        release();
      }
    }),
  );
  return results.filter((result): result is ServedEnvCheck => result !== null);
}

function notServed(scenario: string, problem: string): ServedEnvCheck {
  return { scenario, listed: null, ok: 0, business: 0, failed: 0, withoutExample: 0, ms: 0, problems: [problem] };
}

const HEADERS = ['scenario', 'tools listed', 'examples ok', 'business error', 'failed', 'ms', 'result'] as const;

/** The table, columns aligned: text left, numbers right. */
export function formatTable(checks: readonly ServedEnvCheck[]): string {
  const rows = checks.map((check) => [
    check.scenario,
    check.listed === null ? '-' : String(check.listed),
    String(check.ok),
    String(check.business),
    String(check.failed),
    String(check.ms),
    check.problems.length === 0 ? 'pass' : 'FAIL',
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(HEADERS), ...rows.map(line)].map((text) => `${text}\n`).join('');
}
