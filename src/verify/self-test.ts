// The verifier self-test: does a verifier tell done from not done? On fresh copies of the seed,
// through the env host (handlers sandboxed) and the verifier sandbox:
//
//   untouched seed, no answer                         → others
//   untouched seed, the near miss's wrong answer        → others   (questions)
//   the reference solution replayed (+ its answer)      → complete
//   the same after unrelated noise rows shifted new ids → complete (a verifier hard-coding ids fails)
//   the near miss replayed (+ its answer)               → others
//   the fact gatherer on the solution's states          → a JSON object
//
// A solution that fails or calls a missing tool, and a change task whose solution changes nothing
// (the seed already satisfies it), are problems too. Every problem is said so it can be fed back.
// A Python verifier (the reference pipeline's: `language: 'python'` and its `function_name`) takes
// the same checks, run by python3; an empty `code_verifier` or `fact_gatherer` skips that mode's.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EnvSessions } from '../env/sessions.js';
import { SandboxedRunner } from '../env/sandboxed-runner.js';
import { findPython, type PythonChoice } from '../sandbox/python-interpreter.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { hashDatabaseFile } from '../sqlite/canonical-dump.js';
import type { TaskKind } from '../synthesis/artifacts.js';
import type { ToolSpec } from '../synthesis/tool-spec.js';
import { addNoiseRows, tablesThatGrew, type Noise } from './noise.js';
import { replayCalls, type ReplayCall } from '../env/replay.js';
import { runCodeVerifierCases, runFactGatherer, type VerifierCase, type VerifierCode } from './run-verifier.js';

export interface VerifierAnswer {
  readonly reasoning: string;
  readonly solution: { readonly calls: readonly ReplayCall[]; readonly answer: string | null };
  readonly near_miss: { readonly calls: readonly ReplayCall[]; readonly answer: string | null; readonly why: string };
  readonly code_verifier: string;
  readonly fact_gatherer: string;
  readonly success_criteria: string;
  readonly failure_criteria: string;
  /** Absent: JavaScript (function expressions). `python`: the reference pipeline's, defining `function_name`. */
  readonly language?: 'javascript' | 'python';
  readonly function_name?: string;
}

export interface SelfTestInput {
  readonly answer: VerifierAnswer;
  readonly kind: TaskKind;
  readonly tools: readonly ToolSpec[];
  readonly specPath: string;
  /** The env's tool module (tools.mjs). */
  readonly modulePath: string;
  readonly seedPath: string;
  readonly worldClock: string;
  /** Runs the verifiers (one child per batch of cases). */
  readonly sandbox: SandboxRunner;
  /** Scratch space for the replays (made if missing). */
  readonly workDir: string;
  readonly callTimeoutMs: number;
  readonly verifierTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** Python verifiers: which python3 runs them; `python3` on awm's PATH by default. */
  readonly python?: PythonChoice;
}

export interface SelfTestCheck {
  readonly name: string;
  readonly expected: 'complete' | 'others';
  /** The verdict, or `verifier_error`. */
  readonly got: 'complete' | 'others' | 'verifier_error';
  readonly reason: string;
}

export interface SelfTestReport {
  readonly discriminates: boolean;
  readonly checks: readonly SelfTestCheck[];
  /** Everything wrong, in words (fed back to the LLM). */
  readonly problems: readonly string[];
  readonly noise: Noise | null;
}

export async function selfTest(input: SelfTestInput): Promise<SelfTestReport> {
  mkdirSync(input.workDir, { recursive: true });
  const problems: string[] = [];
  const { answer } = input;
  const programs = await programsOf(answer, input.python);
  const known = new Set(input.tools.map((tool) => tool.name));
  for (const [label, calls] of [
    ['the solution', answer.solution.calls],
    ['the near miss', answer.near_miss.calls],
  ] as const)
    for (const call of calls)
      if (!known.has(call.tool)) problems.push(`${label} calls ${call.tool}, which is not a tool of the spec`);
  if (problems.length > 0) return { discriminates: false, checks: [], problems, noise: null };

  const solutionDb = join(input.workDir, 'solution.db');
  const nearMissDb = join(input.workDir, 'near-miss.db');
  const replayed = await withSessions(input, input.seedPath, 'plain', async (sessions) => {
    const clean = await sessions.createSession('solution');
    const solution = await replayCalls(sessions, clean, answer.solution.calls);
    await sessions.saveFinal(clean, solutionDb);
    const near = await sessions.createSession('near-miss');
    await replayCalls(sessions, near, answer.near_miss.calls, false);
    await sessions.saveFinal(near, nearMissDb);
    return solution.failed;
  });
  if (replayed !== null) problems.push(`the reference solution fails: ${replayed.message}`);
  else if (input.kind !== 'question' && hashDatabaseFile(solutionDb) === hashDatabaseFile(input.seedPath))
    problems.push(
      'the reference solution changes nothing: either the seed already satisfies the task or the solution leaves out its change',
    );

  let noise: Noise | null = null;
  const noisySeed = join(input.workDir, 'noisy-seed.db');
  const noisyFinal = join(input.workDir, 'noisy-solution.db');
  const grew = replayed === null ? tablesThatGrew(input.seedPath, solutionDb) : [];
  if (grew.length > 0) {
    copyFileSync(input.seedPath, noisySeed);
    noise = addNoiseRows(noisySeed, grew);
    const failed = await withSessions(input, noisySeed, 'noisy', async (sessions) => {
      const session = await sessions.createSession('solution');
      const again = await replayCalls(sessions, session, answer.solution.calls);
      await sessions.saveFinal(session, noisyFinal);
      return again.failed;
    });
    if (failed !== null)
      problems.push(
        `the reference solution fails once other rows were added first (new ids shift): ${failed.message}; ` +
          'refer to a row an earlier call created with { "$result": N, "path": "…" }, not its id',
      );
  }

  const cases: { name: string; expected: 'complete' | 'others'; case: VerifierCase }[] = [
    { name: 'untouched seed, no answer', expected: 'others', case: pair(input.seedPath, input.seedPath, '') },
  ];
  if (input.kind === 'question' && answer.near_miss.answer)
    cases.push({
      name: 'untouched seed, the near miss’s wrong answer',
      expected: 'others',
      case: pair(input.seedPath, input.seedPath, answer.near_miss.answer),
    });
  if (replayed === null)
    cases.push({
      name: 'the reference solution',
      expected: 'complete',
      case: pair(input.seedPath, solutionDb, answer.solution.answer ?? ''),
    });
  if (noise !== null && noise.shifted.length > 0 && problems.every((problem) => !problem.includes('once other rows')))
    cases.push({
      name: `the reference solution after noise rows (new ids in ${noise.shifted.join(', ')} shifted)`,
      expected: 'complete',
      case: pair(noisySeed, noisyFinal, answer.solution.answer ?? ''),
    });
  cases.push({
    name: `the near miss (${answer.near_miss.why})`,
    expected: 'others',
    case: pair(input.seedPath, nearMissDb, answer.near_miss.answer ?? ''),
  });

  const verdicts =
    programs.code === null
      ? []
      : await runCodeVerifierCases(
          input.sandbox,
          programs.code,
          cases.map((entry) => entry.case),
          input.worldClock,
          { timeoutMs: input.verifierTimeoutMs },
        );
  const checks: SelfTestCheck[] = (programs.code === null ? [] : cases).map((entry, index) => {
    const verdict = verdicts[index]!;
    if (!verdict.ok) {
      if (verdict.fault === 'infrastructure') throw new Error(`the verifier could not be run: ${verdict.message}`);
      return { name: entry.name, expected: entry.expected, got: 'verifier_error', reason: verdict.message };
    }
    return { name: entry.name, expected: entry.expected, got: verdict.value.result, reason: verdict.value.reason };
  });
  for (const check of checks)
    if (check.got !== check.expected)
      problems.push(
        check.got === 'verifier_error'
          ? `code_verifier failed on "${check.name}": ${check.reason}`
          : `code_verifier says ${check.got} for "${check.name}", where it must say ${check.expected} (its reason: ${check.reason})`,
      );

  if (replayed === null && programs.facts !== null) {
    const facts = await runFactGatherer(
      input.sandbox,
      { code: programs.facts, initialPath: input.seedPath, finalPath: solutionDb, worldClock: input.worldClock },
      { timeoutMs: input.verifierTimeoutMs },
    );
    if (!facts.ok) {
      if (facts.fault === 'infrastructure') throw new Error(`the fact gatherer could not be run: ${facts.message}`);
      problems.push(`fact_gatherer failed on the reference solution's states: ${facts.message}`);
    }
  }
  return { discriminates: problems.length === 0, checks, problems, noise };
}

/** What each mode runs; null for a Python verifier without that mode. Throws when python3 is missing (no fault of the verifier). */
async function programsOf(
  answer: VerifierAnswer,
  choice: PythonChoice | undefined,
): Promise<{ code: VerifierCode | null; facts: VerifierCode | null }> {
  if (answer.language !== 'python') return { code: answer.code_verifier, facts: answer.fact_gatherer };
  const python = await findPython(choice);
  if (!python.ok) throw new Error(python.error);
  const program = (source: string): VerifierCode | null =>
    source.trim() === ''
      ? null
      : { language: 'python', source, functionName: answer.function_name ?? '', interpreter: python.value.path };
  return { code: program(answer.code_verifier), facts: program(answer.fact_gatherer) };
}

function pair(initialPath: string, finalPath: string, answer: string): VerifierCase {
  return { initialPath, finalPath, answer };
}

/** An env host over `snapshot` for the duration of `work`, its files under the work folder. */
async function withSessions<T>(
  input: SelfTestInput,
  snapshot: string,
  name: string,
  work: (sessions: EnvSessions) => Promise<T>,
): Promise<T> {
  const folder = join(input.workDir, name);
  mkdirSync(folder, { recursive: true });
  const runner = await SandboxedRunner.start({
    init: { modulePath: input.modulePath, specPath: input.specPath, worldClock: input.worldClock },
    scratchDir: folder,
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });
  const sessions = new EnvSessions({
    tools: input.tools,
    snapshotPath: snapshot,
    sessionsDir: join(folder, 'sessions'),
    runner,
    callLogPath: join(folder, 'calls.jsonl'),
    timeoutMs: input.callTimeoutMs,
  });
  try {
    return await work(sessions);
  } finally {
    await sessions.close();
  }
}
