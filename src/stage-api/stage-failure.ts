// How an LLM stage reports a repair loop that ran out of attempts: the kind of failure in the
// engine's terms, a message naming the last problems, and the best attempt for the instance log.
import type { StructuredResult } from '../llm/types.js';
import type { StageRunResult } from './stage.js';

type FailedStructured<T> = Extract<StructuredResult<T>, { ok: false }>;

const MAX_LISTED = 5;

export function stageFailure<T>(what: string, result: FailedStructured<T>): StageRunResult {
  const kind = result.failure === 'parse' ? 'validation' : result.failure;
  const errors = result.best?.errors ?? [];
  const listed = errors
    .slice(0, MAX_LISTED)
    .map((error) => `\n  - ${error}`)
    .join('');
  const more = errors.length > MAX_LISTED ? `\n  … and ${errors.length - MAX_LISTED} more` : '';
  return {
    status: 'failed',
    kind,
    message: `${what}: ${result.message}${listed}${more}`,
    ...(result.best ? { bestAttempt: result.best } : {}),
  };
}
