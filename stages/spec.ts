// The environment's tool surface: one MCP tool per atomic operation, each with a JSON Schema for
// its input, example arguments (the env check later calls every tool with them) and the tables it
// touches. The LLM writes only this and the handlers; the host does the rest.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { usableSchema } from '../src/sqlite/apply-schema.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatSchemaSql, formatTasks, readSchema, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors } from '../src/synthesis/feedback-text.js';

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Record<string, unknown>;
  readonly examples: readonly Record<string, unknown>[];
  readonly output_description: string;
  readonly tables_read: readonly string[];
  readonly tables_written: readonly string[];
}

export interface SpecAnswer {
  readonly tools: readonly ToolSpec[];
}

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
// Only unmistakable words: `register_for_event`, `book_session` and `create_account` (a bank's) are fine.
const AUTH_TOOL =
  /(?:^|_)(?:login|logout|log_in|log_out|signin|signup|sign_in|sign_up|sign_out|authenticate|password|otp|mfa|2fa)(?:_|$)/;
const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const specAnswerSchema = {
  type: 'object',
  required: ['tools'],
  additionalProperties: false,
  properties: {
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'name',
          'description',
          'input_schema',
          'examples',
          'output_description',
          'tables_read',
          'tables_written',
        ],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          description: { type: 'string', minLength: 1 },
          input_schema: { type: 'object' },
          examples: { type: 'array', minItems: 1, items: { type: 'object' } },
          output_description: { type: 'string', minLength: 1 },
          tables_read: stringList,
          tables_written: stringList,
        },
      },
    },
  },
} as const;

/** Every problem with the tool list, in words; `tableNames` are the schema's (usable) tables. */
export function checkSpec(spec: SpecAnswer, tableNames: readonly string[]): CheckOutcome {
  const tables = new Map(tableNames.map((name) => [name.toLowerCase(), name]));
  const errors: string[] =
    spec.tools.length === 0 ? ['there are no tools; give the tools an agent needs for every task'] : [];
  const seen = new Set<string>();
  for (const tool of spec.tools) {
    if (seen.has(tool.name)) errors.push(`tool ${tool.name}: the name is used twice; tool names must be unique`);
    seen.add(tool.name);
    errors.push(...toolProblems(tool, tables).map((problem) => `tool ${tool.name || '(unnamed)'}: ${problem}`));
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors: capErrors(errors), score: errors.length };
}

function toolProblems(tool: ToolSpec, tables: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  if (!TOOL_NAME.test(tool.name))
    problems.push(
      'the name must be snake_case: a lower-case letter, then lower-case letters, digits or _ (at most 64)',
    );
  if (AUTH_TOOL.test(tool.name))
    problems.push('authentication tools do not belong here; the agent acts as the signed-in user 1');
  problems.push(...inputSchemaProblems(tool));
  for (const table of [...tool.tables_read, ...tool.tables_written]) {
    if (!tables.has(table.toLowerCase()))
      problems.push(`names table "${table}", which is not in the schema (tables: ${[...tables.values()].join(', ')})`);
    else if (tables.get(table.toLowerCase()) !== table)
      problems.push(`names table "${table}"; the schema spells it "${tables.get(table.toLowerCase()) ?? ''}"`);
  }
  return problems;
}

/** The input schema must compile, describe an object, and accept every example. */
function inputSchemaProblems(tool: ToolSpec): string[] {
  if (tool.input_schema['type'] !== 'object')
    return ['input_schema must have "type": "object" (tool arguments are a JSON object)'];
  // A fresh ajv per tool: two tools may carry the same $id.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, logger: false });
  let validate;
  try {
    validate = ajv.compile(tool.input_schema);
  } catch (error) {
    return [`input_schema is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems: string[] = [];
  tool.examples.forEach((example, index) => {
    if (!validate(example))
      problems.push(
        `example ${index + 1} ${JSON.stringify(example)} does not match input_schema: ${describeErrors(validate.errors ?? [])}`,
      );
  });
  return problems;
}

function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => `${error.instancePath || '(arguments)'} ${error.message ?? 'is invalid'}${detail(error)}`)
    .join('; ');
}

function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return ` ('${String(params['additionalProperty'])}')`;
  if (error.keyword === 'enum')
    return ` (${(params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')})`;
  return '';
}

export default llmStage<object, SpecAnswer>({
  description: "Asks for the environment's tools: names, input schemas, examples, tables touched",
  llm: { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    const schema = formatSchemaSql(usableSchema(readSchema(context.inputs)));
    return [
      'spec',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        tasks: formatTasks(readTasks(context.inputs)),
        schema,
      },
    ];
  },
  answer: specAnswerSchema,
  check: (answer, context) =>
    checkSpec(
      answer,
      usableSchema(readSchema(context.inputs)).tables.map((table) => table.name),
    ),
  failure: 'no usable tool specification',
  write: (answer, context) => context.outputs.writeJson('spec', answer),
});
