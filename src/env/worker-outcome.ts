// How a call that went to the sandboxed handler worker ended (src/sandbox/worker-outcome.ts), turned
// into the CallOutcome the host returns. The worker's answer comes from a process running
// LLM-written code, so it is checked, not trusted. A child that was stopped or died took its
// transaction with it: SQLite's rollback journal undoes it when the file is next opened.
import type { WorkerCallOutcome } from '../sandbox/worker-outcome.js';
import { ERROR_CODES } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import { unreachable } from '../util/result.js';
import { callFailed, type CallOutcome } from './call-outcome.js';
import { HOST_ERROR_CODES, type ToolErrorCode } from './tool-error-codes.js';

export function callOutcomeOfWorker(outcome: WorkerCallOutcome<unknown>): CallOutcome {
  switch (outcome.kind) {
    case 'ok':
      return checkedAnswer(outcome.value);
    case 'threw':
      // handle() turns every handler failure into an outcome; a throw is the entry's own bug.
      return callFailed('internal_error', `the tool failed: ${outcome.message}`, outcome.stack ?? undefined);
    case 'timeout':
      return callFailed(
        'timeout',
        `the call did not finish within ${outcome.limitMs} ms, its time limit; it was stopped and changed nothing`,
      );
    case 'out-of-memory':
      return callFailed(
        'unavailable',
        `the tool ran out of memory (limit ${outcome.limitMb} MB) and was stopped; it changed nothing`,
      );
    case 'crashed':
      return callFailed(
        'unavailable',
        `the process running the tools stopped (${outcome.signal ?? `exit code ${String(outcome.exitCode)}`}) and will be restarted; the call changed nothing`,
      );
    case 'protocol':
      return callFailed('unavailable', `the process running the tools answered out of protocol: ${outcome.message}`);
    case 'cancelled':
      return callFailed('unavailable', 'the call was cancelled (the host is stopping); it changed nothing');
    case 'closed':
      return callFailed('unavailable', 'the host closed before the call ran');
    case 'start-failed':
      return callFailed('unavailable', `the tools could not be started: ${startFailure(outcome.failure)}`);
    default:
      return unreachable(outcome, 'worker outcome');
  }
}

function startFailure(failure: Extract<WorkerCallOutcome<unknown>, { kind: 'start-failed' }>['failure']): string {
  switch (failure.kind) {
    case 'threw':
      return failure.message;
    case 'timeout':
      return `loading them took longer than ${failure.limitMs} ms`;
    case 'out-of-memory':
      return `loading them ran out of memory (limit ${failure.limitMb} MB)`;
    case 'crashed':
      return `their process ended while loading (${failure.signal ?? `exit code ${String(failure.exitCode)}`})${failure.stderrTail ? `: ${failure.stderrTail.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
    case 'protocol':
      return `their process answered out of protocol: ${failure.message}`;
    default:
      return unreachable(failure, 'start failure');
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
