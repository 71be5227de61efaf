// The parent's side of the SQL check entry: runs entries/sql-check.ts in the sandbox, typed. The
// schema and sample stages call this instead of building databases in awm's own process.
import { fileURLToPath } from 'node:url';
import type { SqlCheckInput, SqlCheckOutput } from './entries/sql-check.js';
import { err, ok, unreachable, type Result } from '../util/result.js';
import { describeSandboxOutcome } from './describe-sandbox-outcome.js';
import { runSandboxed, type SandboxOptions, type SandboxRunner } from './run-sandboxed.js';
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
): Promise<Result<SqlCheckOutput, SqlCheckFailure>> {
  const outcome = await run<SqlCheckOutput, SqlCheckInput>({ entry: SQL_CHECK_ENTRY, input });
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
