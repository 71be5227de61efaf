// The rows of the reference system's JSONL files, as we read them: one JSON Schema per file, so a
// field of the wrong type is reported with its path (ajv, through the spec's schema compiler).
import { compileToolSchema, describeSchemaErrors } from '../synthesis/tool-spec.js';

export const REFERENCE_FILES = [
  'gen_scenario.jsonl',
  'gen_tasks.jsonl',
  'gen_db.jsonl',
  'gen_sample.jsonl',
  'gen_spec.jsonl',
  'gen_envs.jsonl',
  'gen_verifier.jsonl',
  'gen_verifier.pure_code.jsonl',
] as const;

export type ReferenceFileName = (typeof REFERENCE_FILES)[number];

export interface ReferenceScenario {
  readonly name: string;
  readonly description: string;
  readonly awm?: unknown;
}

export interface ReferenceTasks {
  readonly scenario: string;
  readonly tasks: readonly string[];
  readonly awm?: unknown;
}

export interface ReferenceDb {
  readonly scenario: string;
  readonly db_schema: { readonly tables: readonly { name: string; ddl: string; indexes?: string[] }[] };
  readonly db_path?: string;
}

export interface ReferenceSampleTable {
  readonly table_name: string;
  readonly reasoning?: string;
  readonly insert_statements: readonly string[];
}

export interface ReferenceSample {
  readonly scenario: string;
  readonly tables_count?: number;
  readonly inserts_count?: number;
  readonly sample_data: { readonly tables: readonly ReferenceSampleTable[] };
  readonly awm?: unknown;
}

export interface ReferenceParam {
  readonly type?: string;
  readonly param_type?: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly example?: unknown;
}

export interface ReferenceField {
  readonly type?: string;
  readonly description?: string;
  readonly example?: unknown;
  readonly items?: unknown;
}

export interface ReferenceEndpoint {
  readonly path?: string;
  readonly method?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly operation_id: string;
  readonly tags?: readonly string[];
  readonly request_params?: Readonly<Record<string, ReferenceParam>>;
  readonly response?: Readonly<Record<string, unknown>>;
  readonly required_tables?: readonly string[];
  readonly required_fields?: Readonly<Record<string, readonly string[]>>;
}

export interface ReferenceSpec {
  readonly scenario: string;
  readonly api_spec: {
    readonly api_groups: readonly { readonly group_name?: string; readonly endpoints: readonly ReferenceEndpoint[] }[];
  };
  readonly awm?: unknown;
}

export interface ReferenceEnv {
  readonly scenario: string;
  readonly db_path?: string;
  readonly full_code: string;
}

export interface ReferenceVerifier {
  readonly scenario: string;
  readonly task_idx: number;
  readonly task: string;
  readonly verification: { readonly code: string; readonly raw_response?: string; readonly language?: string };
  readonly awm?: unknown;
}

const text = { type: 'string' } as const;
const texts = { type: 'array', items: text } as const;
const scenarioKey = { type: 'string', minLength: 1 } as const;

const ROW_SCHEMAS: Readonly<Record<ReferenceFileName, Record<string, unknown>>> = {
  'gen_scenario.jsonl': {
    type: 'object',
    required: ['name', 'description'],
    properties: { name: scenarioKey, description: text },
  },
  'gen_tasks.jsonl': {
    type: 'object',
    required: ['scenario', 'tasks'],
    properties: { scenario: scenarioKey, tasks: texts },
  },
  'gen_db.jsonl': {
    type: 'object',
    required: ['scenario', 'db_schema'],
    properties: {
      scenario: scenarioKey,
      db_path: text,
      db_schema: {
        type: 'object',
        required: ['tables'],
        properties: {
          tables: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'ddl'],
              properties: { name: text, ddl: text, indexes: texts },
            },
          },
        },
      },
    },
  },
  'gen_sample.jsonl': {
    type: 'object',
    required: ['scenario', 'sample_data'],
    properties: {
      scenario: scenarioKey,
      sample_data: {
        type: 'object',
        required: ['tables'],
        properties: {
          tables: {
            type: 'array',
            items: {
              type: 'object',
              required: ['table_name', 'insert_statements'],
              properties: { table_name: text, reasoning: text, insert_statements: texts },
            },
          },
        },
      },
    },
  },
  'gen_spec.jsonl': {
    type: 'object',
    required: ['scenario', 'api_spec'],
    properties: {
      scenario: scenarioKey,
      api_spec: {
        type: 'object',
        required: ['api_groups'],
        properties: {
          api_groups: {
            type: 'array',
            items: {
              type: 'object',
              required: ['endpoints'],
              properties: {
                group_name: text,
                endpoints: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['operation_id'],
                    properties: {
                      operation_id: text,
                      path: text,
                      method: text,
                      summary: text,
                      description: text,
                      tags: texts,
                      request_params: {
                        type: 'object',
                        additionalProperties: {
                          type: 'object',
                          properties: {
                            type: text,
                            param_type: text,
                            required: { type: 'boolean' },
                            description: text,
                          },
                        },
                      },
                      response: { type: 'object' },
                      required_tables: texts,
                      required_fields: { type: 'object', additionalProperties: texts },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  'gen_envs.jsonl': {
    type: 'object',
    required: ['scenario', 'full_code'],
    properties: { scenario: scenarioKey, db_path: text, full_code: text },
  },
  'gen_verifier.jsonl': verifierRowSchema(),
  'gen_verifier.pure_code.jsonl': verifierRowSchema(),
};

function verifierRowSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['scenario', 'task_idx', 'verification'],
    properties: {
      scenario: scenarioKey,
      task_idx: { type: 'integer', minimum: 0 },
      task: text,
      verification: {
        type: 'object',
        required: ['code'],
        properties: { code: text, raw_response: text, language: text },
      },
    },
  };
}

const compiled = new Map<ReferenceFileName, (row: unknown) => string | null>();

/** What is wrong with one row's fields, in one line (null when it has the shape its file needs). */
export function rowShapeProblem(file: ReferenceFileName, row: unknown): string | null {
  let check = compiled.get(file);
  if (!check) {
    const schema = compileToolSchema(ROW_SCHEMAS[file]);
    if (!schema.ok) throw new Error(`internal error: the row schema of ${file}: ${schema.problem}`);
    check = (value) => (schema.validate(value) ? null : describeSchemaErrors(schema.validate.errors ?? [], '(row)'));
    compiled.set(file, check);
  }
  return check(row);
}

/** The field naming a row's scenario: `name` in gen_scenario, `scenario` elsewhere. */
export function scenarioField(file: ReferenceFileName): 'name' | 'scenario' {
  return file === 'gen_scenario.jsonl' ? 'name' : 'scenario';
}
