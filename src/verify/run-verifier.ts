// Runs one verifier in the sandbox and says what it found, or why it could not be used: a verifier
// that throws, hangs, eats memory or returns the wrong shape is a `verifier_error` (never a verdict,
// never a crash or hang of the caller). Infrastructure trouble (the child crashed, was cancelled,
// answered garbage) is told apart, since it is no fault of the verifier. Our verifiers are
// JavaScript (verifier-entry.ts); the reference pipeline's are Python (python-verifier-entry.ts),
// run by python3 in the same sandbox, with the same limits, and read the same way.
import { fileURLToPath } from 'node:url';
import { describeSandboxOutcome } from '../sandbox/describe-sandbox-outcome.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { unreachable } from '../util/result.js';
import { PYTHON_VERIFIER_ENTRY, type PythonVerifierInput } from './python-verifier-entry.js';
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

/**
 * What runs: JavaScript source (a function expression; plain text means this), or the reference
 * pipeline's Python: source defining `functionName`, run by `interpreter` (findPython).
 */
export type VerifierCode = string | PythonVerifierCode;

export interface PythonVerifierCode {
  readonly language: 'python';
  readonly source: string;
  readonly functionName: string;
  /** The real executable, absolute (python-interpreter.ts). */
  readonly interpreter: string;
}

interface OneCase {
  readonly code: VerifierCode;
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
  code: VerifierCode,
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
    {
      mode: 'sql',
      code: input.code,
      cases: [{ initialPath: input.initialPath, finalPath: input.finalPath, answer: '' }],
      worldClock: input.worldClock,
    },
    limits,
  );
  return only as VerifierRun<Record<string, unknown>>;
}

interface RunInput extends Omit<VerifierInput, 'code'> {
  readonly code: VerifierCode;
}

async function runVerifier(
  sandbox: SandboxRunner,
  { code, ...rest }: RunInput,
  limits: VerifierLimits,
): Promise<VerifierRun<unknown>[]> {
  const input: VerifierInput = { ...rest, code: typeof code === 'string' ? code : code.source };
  const request =
    typeof code === 'string'
      ? { entry: ENTRY, input }
      : {
          python: { interpreter: code.interpreter, entrySource: PYTHON_VERIFIER_ENTRY },
          input: { ...input, functionName: code.functionName } satisfies PythonVerifierInput,
        };
  const outcome = await sandbox<VerifierOutput[], VerifierInput>(request, {
    timeoutMs: limits.timeoutMs ?? 10_000,
    ...(limits.memoryMb === undefined ? {} : { memoryMb: limits.memoryMb }),
  });
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
