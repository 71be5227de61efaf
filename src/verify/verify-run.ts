// Verifies one agent run against its task's verifier — what `awm verify` and the episode server do:
//
//   code:  code verifier (initial.db, final.db, final answer) in the sandbox ─▶ complete | others
//   sql:   fact gatherer (initial.db, final.db) in the sandbox ─▶ facts
//          ─▶ LLM judge (task, steps, final answer, facts, the verifier's reasoning and criteria)
//          ─▶ complete | incomplete | server_error | agent_error
//
// ─▶ a reward from the table. A step that fails leaves the run unscorable (`reward: null`, and
// `error` says which step), never 0. Problems with what was asked (no trajectory, no verifier, the
// verifier of another task, no judge for sql mode) come back as a setup problem: nothing was run.
// So do a Python verifier (the reference pipeline's) without the mode asked for, or without python3.
import type { LlmSession } from '../llm/types.js';
import { findPython, type PythonChoice } from '../sandbox/python-interpreter.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { err, ok, type Result } from '../util/result.js';
import { askJudge } from './judge.js';
import type { JudgeBudget } from './judge-trajectory.js';
import { DEFAULT_REWARDS, rewardFor, type RewardTable, type UnscorableCode } from './rewards.js';
import { readRunFolder, type RunFiles, type RunFolderProblem } from './run-folder.js';
import {
  runCodeVerifier,
  runFactGatherer,
  type VerifierCode,
  type VerifierLimits,
  type VerifierRun,
} from './run-verifier.js';
import { readVerifierFile, type VerifierFile, type VerifierFileProblem } from './verifier-file.js';
import type { CodeVerifyResult, SqlVerifyResult, VerifyMode, VerifyResult } from './verify-result.js';

export interface VerifyRunInput {
  readonly mode: VerifyMode;
  /** The run folder, or the run's files as read already (readRunFolder) or held by an episode server. */
  readonly run: string | RunFiles;
  /** The task's verifier file (verifiers/<task>.json of the verifier stage). */
  readonly verifierPath: string;
  readonly sandbox: SandboxRunner;
  /** sql mode: the judge's LLM session. */
  readonly judge?: LlmSession;
  readonly rewards?: RewardTable;
  /** The verifier's (or fact gatherer's) time and memory limits; 10 s by default. */
  readonly limits?: VerifierLimits;
  readonly budget?: JudgeBudget;
  readonly signal?: AbortSignal;
  readonly clock?: () => Date;
  /** Python verifiers: which python3 runs them; `python3` on awm's PATH by default. */
  readonly python?: PythonChoice;
}

export interface VerifySetupProblem {
  readonly code:
    | RunFolderProblem['code']
    | VerifierFileProblem['code']
    | 'task-mismatch'
    | 'no-judge'
    | 'mode-unavailable'
    | 'no-python';
  readonly message: string;
}

export async function verifyRun(input: VerifyRunInput): Promise<Result<VerifyResult, VerifySetupProblem>> {
  const run = typeof input.run === 'string' ? readRunFolder(input.run) : ok(input.run);
  if (!run.ok) return run;
  const verifier = readVerifierFile(input.verifierPath);
  if (!verifier.ok) return verifier;
  const { trajectory } = run.value;
  if (trajectory.taskId !== null && trajectory.taskId !== verifier.value.taskId)
    return err({
      code: 'task-mismatch',
      message: `${input.verifierPath} verifies task ${verifier.value.taskId}, but the run is of task ${trajectory.taskId}`,
    });
  if (input.mode === 'sql' && input.judge === undefined)
    return err({ code: 'no-judge', message: 'sql mode needs an LLM judge, and none was given' });
  const code = await codeFor(verifier.value, input.mode, input.python);
  if (!code.ok) return code;
  const context: RunContext = {
    ...input,
    files: run.value,
    verifier: verifier.value,
    code: code.value,
    warnings: warningsOf(run.value, verifier.value),
  };
  return ok(input.mode === 'code' ? await verifyCode(context) : await verifySql(context, input.judge!));
}

/** What the mode runs: the JavaScript source, or the Python source with its function and interpreter. */
async function codeFor(
  verifier: VerifierFile,
  mode: VerifyMode,
  python: PythonChoice | undefined,
): Promise<Result<VerifierCode, VerifySetupProblem>> {
  const source = mode === 'code' ? verifier.codeVerifier : verifier.factGatherer;
  if (verifier.language === 'javascript') return ok(source);
  if (source === '') {
    const [field, other] = mode === 'code' ? ['code_verifier', 'sql'] : ['fact_gatherer', 'code'];
    return err({
      code: 'mode-unavailable',
      message: `${verifier.path} is a Python verifier without ${mode} mode (its "${field}" is empty); verify with --mode ${other}`,
    });
  }
  const interpreter = await findPython(python);
  if (!interpreter.ok) return err({ code: 'no-python', message: `${verifier.path}: ${interpreter.error}` });
  return ok({ language: 'python', source, functionName: verifier.functionName!, interpreter: interpreter.value.path });
}

interface RunContext extends VerifyRunInput {
  readonly files: RunFiles;
  readonly verifier: VerifierFile;
  readonly code: VerifierCode;
  readonly warnings: readonly string[];
}

type Databases = { readonly ok: true; readonly initialPath: string; readonly finalPath: string } | Unscorable;
type Unscorable = { readonly ok: false; readonly code: UnscorableCode; readonly message: string };

async function verifyCode(context: RunContext): Promise<CodeVerifyResult> {
  const databases = databasesOf(context.files);
  const verdict = databases.ok
    ? fromVerifierRun(
        'verifier_error',
        await runCodeVerifier(
          context.sandbox,
          {
            code: context.code,
            initialPath: databases.initialPath,
            finalPath: databases.finalPath,
            answer: context.files.trajectory.finalAnswer ?? '',
            worldClock: context.verifier.worldClock,
          },
          context.limits,
        ),
      )
    : databases;
  const reward = rewardFor(verdict.ok ? verdict.value.result : verdict.code, context.rewards ?? DEFAULT_REWARDS);
  return {
    ...head(context, 'code'),
    result: verdict.ok ? verdict.value.result : null,
    reason: verdict.ok ? verdict.value.reason : null,
    reward: reward.reward,
    reward_reason: reward.reason,
    error: verdict.ok ? null : { code: verdict.code, message: verdict.message },
    warnings: context.warnings,
    at: (context.clock ?? (() => new Date()))().toISOString(),
  };
}

async function verifySql(context: RunContext, judge: LlmSession): Promise<SqlVerifyResult> {
  const databases = databasesOf(context.files);
  const facts = databases.ok
    ? fromVerifierRun(
        'fact_gatherer_error',
        await runFactGatherer(
          context.sandbox,
          {
            code: context.code,
            initialPath: databases.initialPath,
            finalPath: databases.finalPath,
            worldClock: context.verifier.worldClock,
          },
          context.limits,
        ),
      )
    : databases;
  const judged = facts.ok
    ? await askJudge(
        judge,
        { trajectory: context.files.trajectory, verifier: context.verifier, facts: facts.value },
        {
          ...(context.budget ? { budget: context.budget } : {}),
          ...(context.signal ? { signal: context.signal } : {}),
        },
      )
    : null;
  const failure: Unscorable | null = !facts.ok
    ? facts
    : judged?.ok === false
      ? { ok: false, code: 'judge_error', message: `the judge gave no usable verdict: ${judged.message}` }
      : null;
  const answer = judged?.ok ? judged.answer : null;
  const reward = rewardFor(answer ? answer.classification : failure!.code, context.rewards ?? DEFAULT_REWARDS);
  return {
    ...head(context, 'sql'),
    classification: answer?.classification ?? null,
    confidence: answer?.confidence ?? null,
    judge: answer ? { reasoning: answer.reasoning, evidence: answer.evidence } : null,
    facts: facts.ok ? facts.value : null,
    judge_model: judged?.model ?? null,
    usage: judged?.usage ?? null,
    reward: reward.reward,
    reward_reason: reward.reason,
    error: failure ? { code: failure.code, message: failure.message } : null,
    warnings: context.warnings,
    at: (context.clock ?? (() => new Date()))().toISOString(),
  };
}

function head<M extends VerifyMode>(context: RunContext, mode: M) {
  return {
    format: 1 as const,
    mode,
    scenario: context.files.trajectory.scenario,
    task_id: context.files.trajectory.taskId ?? context.verifier.taskId,
    verifier: context.verifier.path,
    verifier_discriminates: context.verifier.discriminates,
  };
}

/** Both databases, or which is missing (and why, when the trajectory says). */
function databasesOf(files: RunFiles): Databases {
  const missing = [
    ...(files.initialPath === null ? ['initial.db (before the episode)'] : []),
    ...(files.finalPath === null ? ['final.db (after the episode)'] : []),
  ];
  if (missing.length === 0) return { ok: true, initialPath: files.initialPath!, finalPath: files.finalPath! };
  const note = files.trajectory.databaseNote;
  return {
    ok: false,
    code: 'missing_database',
    message: `the run has no ${missing.join(' and no ')}${note ? `; the trajectory says: ${note}` : ''}`,
  };
}

/** A verifier that failed is `failed` (its own fault) or the sandbox's (`sandbox_error`). */
function fromVerifierRun<T>(
  failed: 'verifier_error' | 'fact_gatherer_error',
  run: VerifierRun<T>,
): { readonly ok: true; readonly value: T } | Unscorable {
  if (run.ok) return run;
  return { ok: false, code: run.fault === 'verifier' ? failed : 'sandbox_error', message: run.message };
}

function warningsOf(files: RunFiles, verifier: VerifierFile): string[] {
  return [
    ...(verifier.discriminates === false
      ? ['this verifier did not pass its self-test when it was built, so its verdict may be wrong']
      : []),
    ...(files.trajectory.task.trim() !== verifier.task.trim()
      ? [`the run's task text differs from the verifier's (${JSON.stringify(verifier.task)})`]
      : []),
  ];
}
