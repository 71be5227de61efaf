// Runs one verifier in the sandbox and says what it found, or why it could not be used: a verifier
// that throws, hangs, eats memory or returns the wrong shape is a `verifier_error` (never a verdict,
// never a crash or hang of the caller). Infrastructure trouble (the child crashed, was cancelled,
// answered garbage) is told apart, since it is no fault of the verifier.
import { fileURLToPath } from 'node:url';
import { describeSandboxOutcome } from '../sandbox/describe-sandbox-outcome.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { unreachable } from '../util/result.js';
import type { VerifierCase, VerifierInput, VerifierOutput } from './verifier-entry.js';

export type { VerifierCase, VerifierInput };

const ENTRY = fileURLToPath(new URL('./verifier-entry.js', import.meta.url));

export interface VerifierLimits {
  /** Wall clock of the whole run, the child's start included; default 10 000. */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
}

export interface Verdict {
  readonly result: 'complete' | 'others';
  readonly reason: string;
}

export type VerifierRun<T> =
  | { readonly ok: true; readonly value: T }
  /** `verifier`: the verifier's own fault (fed back to the LLM); `infrastructure`: not its fault. */
  | { readonly ok: false; readonly fault: 'verifier' | 'infrastructure'; readonly message: string };

interface OneCase {
  readonly code: string;
  readonly initialPath: string;
  readonly finalPath: string;
  readonly answer: string;
  readonly worldClock: string;
}

export async function runCodeVerifier(
  sandbox: SandboxRunner,
  input: OneCase,
  limits: VerifierLimits = {},
): Promise<VerifierRun<Verdict>> {
  const [only] = await runCodeVerifierCases(sandbox, input.code, [input], input.worldClock, limits);
  return only!;
}

/** Several cases in one sandboxed child (the limits are for the whole run). */
export async function runCodeVerifierCases(
  sandbox: SandboxRunner,
  code: string,
  cases: readonly VerifierCase[],
  worldClock: string,
  limits: VerifierLimits = {},
): Promise<VerifierRun<Verdict>[]> {
  return (await runVerifier(sandbox, { mode: 'code', code, cases, worldClock }, limits)) as VerifierRun<Verdict>[];
}

export async function runFactGatherer(
  sandbox: SandboxRunner,
  input: Omit<OneCase, 'answer'>,
  limits: VerifierLimits = {},
): Promise<VerifierRun<Record<string, unknown>>> {
  const [only] = await runVerifier(
    sandbox,
    { mode: 'sql', code: input.code, cases: [{ ...input, answer: '' }], worldClock: input.worldClock },
    limits,
  );
  return only as VerifierRun<Record<string, unknown>>;
}

async function runVerifier(
  sandbox: SandboxRunner,
  input: VerifierInput,
  limits: VerifierLimits,
): Promise<VerifierRun<unknown>[]> {
  const outcome = await sandbox<VerifierOutput[], VerifierInput>(
    { entry: ENTRY, input },
    { timeoutMs: limits.timeoutMs ?? 10_000, ...(limits.memoryMb === undefined ? {} : { memoryMb: limits.memoryMb }) },
  );
  const all = (run: VerifierRun<unknown>): VerifierRun<unknown>[] => input.cases.map(() => run);
  switch (outcome.kind) {
    case 'ok':
      if (!Array.isArray(outcome.value) || outcome.value.length !== input.cases.length)
        return all({ ok: false, fault: 'infrastructure', message: 'the verifier child answered out of protocol' });
      return outcome.value.map((one) =>
        one.ok ? { ok: true, value: one.value } : { ok: false, fault: 'verifier', message: one.problem },
      );
    case 'threw':
      // Opening the databases failed, or the entry itself: not the verifier's doing.
      return all({ ok: false, fault: 'infrastructure', message: describeSandboxOutcome(outcome, 'the verifier') });
    case 'timeout':
    case 'out-of-memory':
      return all({ ok: false, fault: 'verifier', message: describeSandboxOutcome(outcome, 'the verifier') });
    case 'crashed':
    case 'cancelled':
    case 'protocol':
      return all({ ok: false, fault: 'infrastructure', message: describeSandboxOutcome(outcome, 'the verifier') });
    default:
      return unreachable(outcome, 'sandbox outcome');
  }
}
