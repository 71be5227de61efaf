// A worker call's outcome in words. The endings a one-shot run also has are worded by
// describeSandboxOutcome, so the two never drift apart; this adds the worker's own two.
import { unreachable } from '../util/result.js';
import { describeSandboxOutcome } from './describe-sandbox-outcome.js';
import type { WorkerCallOutcome, WorkerStartFailure } from './worker-outcome.js';

/** One sentence; `subject` names what ran (`tool handler "search"`). */
export function describeWorkerOutcome(outcome: WorkerCallOutcome<unknown>, subject = 'the sandboxed call'): string {
  switch (outcome.kind) {
    case 'ok':
    case 'threw':
    case 'timeout':
    case 'out-of-memory':
    case 'crashed':
    case 'cancelled':
    case 'protocol':
      return describeSandboxOutcome(outcome, subject);
    case 'start-failed': {
      const then = outcome.givenUp
        ? `it failed to start ${outcome.failedStarts} times in a row and is not started again until it is closed`
        : 'the next call starts it again';
      return `${subject} did not run: its worker could not start: ${describeStartFailure(outcome.failure)}; ${then}`;
    }
    case 'closed':
      return `${subject} did not finish: its worker was closed`;
    default:
      return unreachable(outcome, 'worker call outcome');
  }
}

/** Why a worker's child could not start, as a clause about "it". */
export function describeStartFailure(failure: WorkerStartFailure): string {
  switch (failure.kind) {
    case 'threw':
      return failure.phase === 'load'
        ? `its module could not be loaded: ${failure.name}: ${failure.message}`
        : `its init threw ${failure.name}: ${failure.message}`;
    case 'timeout':
      return `it was not ready after ${failure.limitMs} ms, its start time limit`;
    case 'out-of-memory':
    case 'crashed':
    case 'protocol':
      return describeSandboxOutcome({ ...failure, durationMs: 0 }, 'it');
    default:
      return unreachable(failure, 'worker start failure');
  }
}
