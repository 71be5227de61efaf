// Validates a parsed answer against a stage's JSON Schema with ajv and words every error as one
// line the model can act on: `/tables/2/ddl: must be string`.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

// strictSchema catches typos in a stage's schema (a bug: ajv throws at compile time); formats are
// not checked because no format plugin is a dependency, and a silently ignored format is better
// than a build that cannot start.
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  validateFormats: false,
  logger: false,
});
const compiled = new WeakMap<object, ValidateFunction>();

/** Every way `value` breaks `schema`, one line each; empty when it conforms. */
export function schemaErrors(schema: object, value: unknown): readonly string[] {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return [...new Set((validate.errors ?? []).map(formatError))];
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(the whole answer)' : error.instancePath;
  return `${where}: ${error.message ?? 'is invalid'}${detail(error)}`;
}

/** ajv's messages leave out the one fact that says what to change. */
function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return ` ('${String(params['additionalProperty'])}')`;
    case 'enum':
      return `: ${(params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `: ${JSON.stringify(params['allowedValue'])}`;
    default:
      return '';
  }
}
