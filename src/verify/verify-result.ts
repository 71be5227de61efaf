// What verifying one run found: `verify.<mode>.json` in the run folder (format 1). A verdict with
// its reward, or why there is none (`reward: null`, `error` saying which step failed and how). The
// fields are in a fixed order, the same in every file, so two files diff line by line.
import { join } from 'node:path';
import { atomicWriteFile } from '../util/atomic-write.js';
import type { JudgeAnswer, JudgeClass, JudgeUsage } from './judge.js';
import type { RewardReason, UnscorableCode } from './rewards.js';

export type VerifyMode = 'code' | 'sql';

interface VerifyResultBase {
  readonly format: 1;
  readonly mode: VerifyMode;
  readonly scenario: string | null;
  readonly task_id: string | null;
  /** The verifier file used. */
  readonly verifier: string;
  /** Whether that verifier passed its self-test when it was built (null: the file does not say). */
  readonly verifier_discriminates: boolean | null;
  readonly reward: number | null;
  /** The verdict the reward comes from, or why there is none. */
  readonly reward_reason: RewardReason;
  /** What kept a verdict from being reached; null when one was. */
  readonly error: { readonly code: UnscorableCode; readonly message: string } | null;
  /** Things to know that did not stop the verdict (a verifier that failed its self-test, …). */
  readonly warnings: readonly string[];
  /** When it was verified (ISO 8601). */
  readonly at: string;
}

export interface CodeVerifyResult extends VerifyResultBase {
  readonly mode: 'code';
  /** The code verifier's verdict; null when it gave none. */
  readonly result: 'complete' | 'others' | null;
  /** The verifier's own words for it. */
  readonly reason: string | null;
}

export interface SqlVerifyResult extends VerifyResultBase {
  readonly mode: 'sql';
  readonly classification: JudgeClass | null;
  readonly confidence: JudgeAnswer['confidence'] | null;
  readonly judge: { readonly reasoning: string; readonly evidence: JudgeAnswer['evidence'] } | null;
  /** What the fact gatherer read from the databases; null when it failed or did not run. */
  readonly facts: Readonly<Record<string, unknown>> | null;
  readonly judge_model: string | null;
  readonly usage: JudgeUsage | null;
}

export type VerifyResult = CodeVerifyResult | SqlVerifyResult;

export function verifyResultFile(mode: VerifyMode): string {
  return `verify.${mode}.json`;
}

/** Writes `verify.<mode>.json` into the run folder (whole or not at all); returns its path. */
export function writeVerifyResult(runDir: string, result: VerifyResult): string {
  const path = join(runDir, verifyResultFile(result.mode));
  atomicWriteFile(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
