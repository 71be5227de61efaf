// How a call that went to the sandboxed handler worker ended, turned into the CallOutcome the host
// returns, for the runner the integrator builds on the sandbox's long-lived worker. The shape below
// is the one announced for `worker.call` (ok | threw | timeout | crashed | out-of-memory | protocol);
// align it with src/sandbox/sandboxed-worker.ts when that lands. The worker's answer comes from a
// process running LLM-written code, so it is checked, not trusted.
import { callFailed, type CallOutcome } from './call-outcome.js';
import { HOST_ERROR_CODES, type ToolErrorCode } from './tool-error-codes.js';
import { ERROR_CODES } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import { unreachable } from '../util/result.js';

export type WorkerCallOutcome =
  | { readonly kind: 'ok'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly message: string; readonly stack?: string | null }
  | { readonly kind: 'timeout'; readonly limitMs: number }
  | { readonly kind: 'out-of-memory'; readonly limitMb: number }
  | { readonly kind: 'crashed'; readonly exitCode: number | null; readonly signal: string | null }
  | { readonly kind: 'protocol'; readonly message: string };

export function callOutcomeOfWorker(outcome: WorkerCallOutcome): CallOutcome {
  switch (outcome.kind) {
    case 'ok':
      return checkedAnswer(outcome.value);
    case 'threw':
      // handle() turns every handler failure into an outcome; a throw is the entry's own bug.
      return callFailed('internal_error', `the tool failed: ${outcome.message}`, outcome.stack ?? undefined);
    case 'timeout':
      return callFailed(
        'timeout',
        `timeout: the call did not finish within ${outcome.limitMs} ms, its time limit; it was stopped and changed nothing`,
      );
    case 'out-of-memory':
      return callFailed(
        'unavailable',
        `the tool ran out of memory (limit ${outcome.limitMb} MB) and was stopped; it changed nothing`,
      );
    case 'crashed':
      return callFailed(
        'unavailable',
        `the process running the tools stopped (${outcome.signal ?? `exit code ${String(outcome.exitCode)}`}) and was restarted; the call changed nothing`,
      );
    case 'protocol':
      return callFailed('unavailable', `the process running the tools answered out of protocol: ${outcome.message}`);
    default:
      return unreachable(outcome, 'worker outcome');
  }
}

const KNOWN_CODES = new Set<string>([...Object.keys(ERROR_CODES), ...Object.keys(HOST_ERROR_CODES)]);

function checkedAnswer(value: unknown): CallOutcome {
  if (isRecord(value) && value['ok'] === true && isRecord(value['result']))
    return { ok: true, result: value['result'] };
  const error = isRecord(value) && value['ok'] === false ? value['error'] : undefined;
  if (isRecord(error) && KNOWN_CODES.has(String(error['code'])) && typeof error['message'] === 'string') {
    const stack = isRecord(value) && typeof value['stack'] === 'string' ? value['stack'] : undefined;
    return callFailed(error['code'] as ToolErrorCode, error['message'], stack);
  }
  return callFailed('unavailable', 'the process running the tools answered something that is not a call outcome');
}
