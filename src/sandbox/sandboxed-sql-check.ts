// The parent's side of the SQL check entry: runs entries/sql-check.ts in the sandbox, typed. The
// schema and sample stages call this instead of building databases in awm's own process.
import { fileURLToPath } from 'node:url';
import type { SqlCheckInput, SqlCheckOutput } from './entries/sql-check.js';
import { err, ok, unreachable, type Result } from '../util/result.js';
import { describeSandboxOutcome } from './describe-sandbox-outcome.js';
import { runSandboxed, SANDBOX_DEFAULTS, type SandboxOptions, type SandboxRunner } from './run-sandboxed.js';
import type { SandboxOutcome } from './sandbox-outcome.js';

export type { SqlCheckInput, SqlCheckOutput };

export const SQL_CHECK_ENTRY = fileURLToPath(new URL('./entries/sql-check.js', import.meta.url));

/** The check's findings on `ok`; any other outcome means the SQL could not be checked (say so with describeSandboxOutcome). */
export function sandboxedSqlCheck(
  input: SqlCheckInput,
  options: SandboxOptions = {},
): Promise<SandboxOutcome<SqlCheckOutput>> {
  return runSandboxed<SqlCheckOutput, SqlCheckInput>({ entry: SQL_CHECK_ENTRY, input }, options);
}

/**
 * The `check_time_limit_s` param of the stages that run the SQL check: how long one run may take
 * before the sandbox stops it and the answer goes back to the LLM as never finishing.
 */
export const checkTimeLimitParam = {
  type: 'number',
  minimum: 1,
  maximum: 3600,
  default: SANDBOX_DEFAULTS.timeoutMs / 1000,
  description: "Seconds one run of the SQL check may take (the child's start-up included) before it is stopped",
} as const;

/** Why the SQL check has no findings: the SQL ran away (`answer`, to feed back), or the check could not run. */
export interface SqlCheckFailure {
  readonly fault: 'answer' | 'infrastructure';
  readonly message: string;
}

/**
 * The SQL check through a stage's sandbox runner. A time or memory limit, or the SQL throwing, is
 * the answer's fault and goes back to the LLM; a crash, a garbled answer or a cancelled run is not,
 * and the caller must not count it against the answer.
 */
export async function runSqlCheck(
  run: SandboxRunner,
  input: SqlCheckInput,
  timeLimitSeconds: number = checkTimeLimitParam.default,
): Promise<Result<SqlCheckOutput, SqlCheckFailure>> {
  const outcome = await run<SqlCheckOutput, SqlCheckInput>(
    { entry: SQL_CHECK_ENTRY, input },
    { timeoutMs: Math.round(timeLimitSeconds * 1000) },
  );
  switch (outcome.kind) {
    case 'ok':
      return ok(outcome.value);
    case 'timeout':
    case 'out-of-memory':
      return err({ fault: 'answer', message: describeSandboxOutcome(outcome, 'running the SQL') });
    case 'threw':
      return err({
        fault: outcome.phase === 'run' ? 'answer' : 'infrastructure',
        message: describeSandboxOutcome(outcome, 'running the SQL'),
      });
    case 'crashed':
    case 'protocol':
    case 'cancelled':
      return err({ fault: 'infrastructure', message: describeSandboxOutcome(outcome, 'the sandboxed SQL check') });
    default:
      return unreachable(outcome, 'sandbox outcome');
  }
}
