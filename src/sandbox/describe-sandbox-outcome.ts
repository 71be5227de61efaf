// Sandbox outcomes in words, for feedback to an LLM or a message to the user. The outcome carries
// the data (sandbox-outcome.ts); this is the one place that words it, one case per kind.
import { unreachable } from '../util/result.js';
import type { SandboxEnding } from './sandbox-outcome.js';

/**
 * One sentence; `subject` names what ran (`the SQL check`, `tool handler "search"`). Takes any
 * outcome with these endings and a duration: a SandboxOutcome, and most of a worker's (describe-worker-outcome.ts).
 */
export function describeSandboxOutcome(
  outcome: SandboxEnding<unknown> & { readonly durationMs: number },
  subject = 'the sandboxed code',
): string {
  switch (outcome.kind) {
    case 'ok':
      return `${subject} finished in ${outcome.durationMs} ms`;
    case 'threw':
      if (outcome.phase === 'load') return `${subject} could not be loaded: ${outcome.name}: ${outcome.message}`;
      if (outcome.phase === 'return') return `${subject} returned a value that cannot be sent back: ${outcome.message}`;
      return `${subject} threw ${outcome.name}: ${outcome.message}`;
    case 'timeout':
      return `${subject} was stopped after ${outcome.limitMs} ms, its time limit; look for work that never ends, such as a recursive query without a bound`;
    case 'out-of-memory':
      return `${subject} was stopped by its ${outcome.limitMb} MB memory limit (${outcome.evidence}); look for work that grows without bound`;
    case 'crashed': {
      const how =
        outcome.signal !== null
          ? `was killed by ${outcome.signal}`
          : outcome.exitCode !== null
            ? `exited with code ${outcome.exitCode}`
            : 'could not start';
      const lastLine = outcome.stderrTail.trim().split('\n').pop() ?? '';
      return `${subject} ${how} without answering${lastLine === '' ? '' : `; it said: ${lastLine}`}`;
    }
    case 'cancelled':
      return `${subject} was cancelled`;
    case 'protocol':
      return `${subject} sent back something that is not a valid answer: ${outcome.message}`;
    default:
      return unreachable(outcome, 'sandbox outcome');
  }
}
