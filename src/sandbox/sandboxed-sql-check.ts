// The parent's side of the SQL check entry: runs entries/sql-check.ts in the sandbox, typed. The
// schema and sample stages call this instead of building databases in awm's own process.
import { fileURLToPath } from 'node:url';
import type { SqlCheckInput, SqlCheckOutput } from './entries/sql-check.js';
import { runSandboxed, type SandboxOptions } from './run-sandboxed.js';
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
