// Structural validation of awm.pipeline.yaml against the published JSON Schema (the same file the
// editor uses through the yaml-language-server comment), so editor and CLI agree on the rules.
import { readFileSync } from 'node:fs';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostic.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import type { PositionLookup } from './yaml-positions.js';
import { ValidationMemo } from './validation-memo.js';

/** Shipped with awm at the package root; from dist/src/config/ that is three folders up. */
const schemaUrl = new URL('../../../awm.pipeline.schema.json', import.meta.url);

let compiled: { readonly schema: object; readonly validate: ValidateFunction } | null = null;
let schemaText: string | null = null;

/** An ajv that knows the editor-only keywords our schemas use for messages (loaded on demand). */
export async function createAjv(options: Options = {}): Promise<Ajv> {
  const { Ajv: AjvClass } = await import('ajv');
  const ajv = new AjvClass({ allErrors: true, verbose: true, ...options });
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  return ajv;
}

export interface StructureCheck {
  readonly diagnostics: Diagnostic[];
  /** Paths of values the schema rejected (not missing or unknown keys): later checks skip them. */
  readonly invalidValues: readonly (readonly string[])[];
}

export async function validatePipelineStructure(
  value: unknown,
  file: string,
  positionOf: PositionLookup,
  memo: ValidationMemo | null = null,
): Promise<StructureCheck> {
  const key = memo ? ValidationMemo.key(readSchemaText(), value) : null;
  if (key && memo?.passed(key)) return { diagnostics: [], invalidValues: [] };
  const { schema, validate } = await pipelineValidator();
  if (validate(value)) {
    if (key) memo?.remember(key, true);
    return { diagnostics: [], invalidValues: [] };
  }
  const errors = validate.errors ?? [];
  const invalidValues = errors
    .filter(
      (error) =>
        !['required', 'additionalProperties', 'propertyNames'].includes(error.keyword) &&
        error.propertyName === undefined,
    )
    .map((error) =>
      error.instancePath
        .split('/')
        .slice(1)
        .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~')),
    );
  return {
    diagnostics: schemaDiagnostics(errors, { file, basePath: [], positionOf, rootSchema: schema }),
    invalidValues,
  };
}

function readSchemaText(): string {
  schemaText ??= readFileSync(schemaUrl, 'utf8');
  return schemaText;
}

async function pipelineValidator(): Promise<{ readonly schema: object; readonly validate: ValidateFunction }> {
  if (compiled === null) {
    const schema = JSON.parse(readSchemaText()) as object;
    compiled = { schema, validate: (await createAjv()).compile(schema) };
  }
  return compiled;
}
