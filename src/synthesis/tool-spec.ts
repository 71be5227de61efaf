// The tool specification (spec v2) as the later stages read it: what each tool takes, what it
// returns on success, how it fails, and which tables it touches. The env host validates
// arguments and results against these schemas and returns failures as `{error: {code, message}}`
// with a code from ERROR_CODES; verifiers read the same semantics.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** The one vocabulary of business errors a tool may return, with what each means. */
export const ERROR_CODES = {
  not_found: 'a record named by an argument does not exist, or is not visible to the signed-in user',
  conflict: 'the change would duplicate something that must be unique or clash with an existing record',
  invalid_state: "the record's current state does not allow the action (e.g. cancelling a shipped order)",
  forbidden: 'the record belongs to someone else and the signed-in user may not act on it',
  limit_exceeded: 'a quantity, balance, capacity or quota would be exceeded (e.g. insufficient funds, out of stock)',
  invalid_value: 'an argument is well-formed but not acceptable (e.g. an end before its start, a date in the past)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ToolError {
  readonly code: ErrorCode;
  /** When the tool returns this code, in words. */
  readonly when: string;
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Record<string, unknown>;
  readonly examples: readonly Record<string, unknown>[];
  /** JSON Schema of a successful result (an object). */
  readonly output_schema: Record<string, unknown>;
  /** The result's shape for people, e.g. `{ orders: [{ id, status }] }`. */
  readonly output_description: string;
  readonly errors: readonly ToolError[];
  readonly tables_read: readonly string[];
  readonly tables_written: readonly string[];
}

export interface ToolSpecFile {
  readonly tools: readonly ToolSpec[];
}

// Meta-schemas whose keywords the 2020-12 validator understands for tool schemas; a model often
// writes draft-07's out of habit. The URI only names the dialect, so it is dropped before compiling.
const KNOWN_DIALECTS = /^https?:\/\/json-schema\.org\/(?:draft-0[4-7]\/schema|draft\/20(?:19-09|20-12)\/schema)#?$/;

export type CompiledSchema =
  { readonly ok: true; readonly validate: ValidateFunction } | { readonly ok: false; readonly problem: string };

/**
 * Compiles a tool's input or output schema the way the env host validates with it: ajv's 2020-12
 * dialect, formats not checked, unknown keywords ignored. A fresh ajv each time, since two tools
 * may carry the same `$id`.
 */
export function compileToolSchema(schema: Record<string, unknown>): CompiledSchema {
  const dialect = schema['$schema'];
  if (dialect !== undefined && (typeof dialect !== 'string' || !KNOWN_DIALECTS.test(dialect)))
    return {
      ok: false,
      problem: `"$schema" is ${JSON.stringify(dialect)}; leave it out, or name draft-07 or 2020-12`,
    };
  const { $schema: _dialect, ...body } = schema;
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, logger: false });
  try {
    return { ok: true, validate: ajv.compile(body) };
  } catch (error) {
    return { ok: false, problem: `not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** ajv's errors in one line: `/limit must be <= 50; (value) must have required property 'query'`. */
export function describeSchemaErrors(errors: readonly ErrorObject[], root: string): string {
  return errors
    .map((error) => `${error.instancePath || root} ${error.message ?? 'is invalid'}${detail(error)}`)
    .join('; ');
}

function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return ` ('${String(params['additionalProperty'])}')`;
  if (error.keyword === 'enum')
    return ` (${(params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')})`;
  return '';
}
