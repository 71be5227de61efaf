// One answer through the gauntlet: extract JSON → validate against the schema → the stage's check.
// Stops at the first step that fails, since later steps need the earlier ones to have passed. A
// cut-off answer (finish_reason: length) never gets here: the structured loop asks for it anew
// with more room, as closing its brackets would invent a shorter answer.
import type { CheckOutcome, ChatAnswer } from './types.js';
import { extractJson } from './json-extract.js';
import { schemaErrors } from './schema-errors.js';

export type Evaluation<T> =
  | { readonly stage: 'parse'; readonly errors: readonly string[]; readonly repairs: readonly string[] }
  | { readonly stage: 'validation'; readonly errors: readonly string[]; readonly repairs: readonly string[] }
  | {
      readonly stage: 'check';
      readonly value: T;
      readonly errors: readonly string[];
      readonly score: number | null;
      readonly repairs: readonly string[];
    }
  | {
      readonly stage: 'passed';
      readonly value: T;
      readonly warnings: readonly string[];
      readonly repairs: readonly string[];
    };

export async function evaluateAnswer<T>(
  answer: ChatAnswer,
  schema: object,
  check: ((value: T) => Promise<CheckOutcome> | CheckOutcome) | undefined,
): Promise<Evaluation<T>> {
  const extracted = extractJson(answer.text);
  if (!extracted.ok) return { stage: 'parse', errors: [extracted.error], repairs: [] };
  const { value, repairs } = extracted.value;
  const invalid = schemaErrors(schema, value);
  if (invalid.length > 0) return { stage: 'validation', errors: invalid, repairs };
  const outcome = check === undefined ? { ok: true as const } : await check(value as T);
  if (outcome.ok) return { stage: 'passed', value: value as T, warnings: outcome.warnings ?? [], repairs };
  const errors = outcome.errors.length > 0 ? outcome.errors : ["the stage's check failed without saying why"];
  return { stage: 'check', value: value as T, errors, score: outcome.score ?? null, repairs };
}
