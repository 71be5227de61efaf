// The environment's tool surface (spec v2): one MCP tool per atomic operation, each with a JSON
// Schema for its input, example arguments (the env check later calls every tool with them), a
// JSON Schema of its success result, the error codes it can return (from one vocabulary) and the
// tables it touches. The LLM writes only this and the handlers; the host does the rest.
import { usableSchema } from '../src/sqlite/apply-schema.js';
import { llmStage, type CheckOutcome } from '../src/stage-api/index.js';
import { formatSchemaSql, formatTasks, readSchema, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { capErrors } from '../src/synthesis/feedback-text.js';
import { describeWorldClock } from '../src/synthesis/time-placeholder-guide.js';
import {
  ERROR_CODES,
  compileToolSchema,
  describeSchemaErrors,
  type ToolSpec,
  type ToolSpecFile,
} from '../src/synthesis/tool-spec.js';

export type { ToolSpec };
export type SpecAnswer = ToolSpecFile;

export interface SpecParams {
  readonly min_tools: number;
  readonly max_tools: number;
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
          'output_schema',
          'output_description',
          'errors',
          'tables_read',
          'tables_written',
        ],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          description: { type: 'string', minLength: 1 },
          input_schema: { type: 'object' },
          examples: { type: 'array', minItems: 1, items: { type: 'object' } },
          output_schema: { type: 'object' },
          output_description: { type: 'string', minLength: 1 },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['code', 'when'],
              additionalProperties: false,
              properties: { code: { enum: Object.keys(ERROR_CODES) }, when: { type: 'string', minLength: 1 } },
            },
          },
          tables_read: stringList,
          tables_written: stringList,
        },
      },
    },
  },
} as const;

/** How many tools the spec must have (a hard limit: the depth a capable model reaches). */
export interface ToolCountRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Every problem with the tool list, in words. `tableNames` are the schema's (usable) tables; a
 * table may be named in any letter case (SQLite names are case-insensitive), and every table
 * must be read by some tool, or the agent could never see its rows.
 */
export function checkSpec(
  spec: SpecAnswer,
  tableNames: readonly string[],
  count: ToolCountRange = { min: 1, max: Number.POSITIVE_INFINITY },
): CheckOutcome {
  const tables = new Map(tableNames.map((name) => [name.toLowerCase(), name]));
  const errors: string[] = [];
  if (spec.tools.length === 0) errors.push('there are no tools; give the tools an agent needs for every task');
  else if (spec.tools.length < count.min)
    errors.push(
      `there are ${spec.tools.length} tools; give at least ${count.min}, so that every table can be searched, read ` +
        'and changed the way the tasks and a real API need',
    );
  else if (spec.tools.length > count.max)
    errors.push(`there are ${spec.tools.length} tools; give at most ${count.max}, merging near-duplicates`);
  const seen = new Set<string>();
  for (const tool of spec.tools) {
    if (seen.has(tool.name)) errors.push(`tool ${tool.name}: the name is used twice; tool names must be unique`);
    seen.add(tool.name);
    errors.push(...toolProblems(tool, tables).map((problem) => `tool ${tool.name || '(unnamed)'}: ${problem}`));
  }
  errors.push(...unreadTables(spec, tables));
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
  problems.push(...inputSchemaProblems(tool), ...outputSchemaProblems(tool));
  const codes = tool.errors.map((error) => error.code);
  for (const code of new Set(codes.filter((code, index) => codes.indexOf(code) !== index)))
    problems.push(`lists error code ${code} twice; give each code once, with every case in its "when"`);
  for (const table of [...tool.tables_read, ...tool.tables_written]) {
    if (!tables.has(table.toLowerCase()))
      problems.push(`names table "${table}", which is not in the schema (tables: ${[...tables.values()].join(', ')})`);
  }
  return problems;
}

/** The input schema must compile, describe an object, and accept every example. */
function inputSchemaProblems(tool: ToolSpec): string[] {
  if (tool.input_schema['type'] !== 'object')
    return ['input_schema must have "type": "object" (tool arguments are a JSON object)'];
  const compiled = compileToolSchema(tool.input_schema);
  if (!compiled.ok) return [`input_schema: ${compiled.problem}`];
  const problems: string[] = [];
  tool.examples.forEach((example, index) => {
    if (!compiled.validate(example))
      problems.push(
        `example ${index + 1} ${JSON.stringify(example)} does not match input_schema: ` +
          describeSchemaErrors(compiled.validate.errors ?? [], '(arguments)'),
      );
  });
  return problems;
}

/** The output schema must compile and describe an object (the host sends results as JSON objects). */
function outputSchemaProblems(tool: ToolSpec): string[] {
  if (tool.output_schema['type'] !== 'object')
    return ['output_schema must have "type": "object" (a successful result is a JSON object)'];
  const compiled = compileToolSchema(tool.output_schema);
  return compiled.ok ? [] : [`output_schema: ${compiled.problem}`];
}

function unreadTables(spec: SpecAnswer, tables: ReadonlyMap<string, string>): string[] {
  if (spec.tools.length === 0) return [];
  const read = new Set(spec.tools.flatMap((tool) => tool.tables_read.map((table) => table.toLowerCase())));
  return [...tables]
    .filter(([lower]) => !read.has(lower))
    .map(
      ([, table]) =>
        `no tool reads table "${table}"; add a tool that lists or gets its rows, or name it in tables_read of the tool that does`,
    );
}

/** The spec as written: table names spelled as in the schema. */
export function normalizedSpec(spec: SpecAnswer, tableNames: readonly string[]): SpecAnswer {
  const tables = new Map(tableNames.map((name) => [name.toLowerCase(), name]));
  const spell = (names: readonly string[]): string[] => names.map((name) => tables.get(name.toLowerCase()) ?? name);
  return {
    tools: spec.tools.map((tool) => ({
      ...tool,
      tables_read: spell(tool.tables_read),
      tables_written: spell(tool.tables_written),
    })),
  };
}

/** The error vocabulary as the prompt lists it. */
function errorCodeList(): string {
  return Object.entries(ERROR_CODES)
    .map(([code, meaning]) => `- \`${code}\`: ${meaning}`)
    .join('\n');
}

export default llmStage<SpecParams, SpecAnswer>({
  description: "Asks for the environment's tools: input and output schemas, examples, errors, tables touched",
  usesWorldClock: true,
  llm: { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 },
  params: {
    min_tools: { type: 'integer', minimum: 1, default: 25, description: 'Fewest tools a spec may have' },
    max_tools: { type: 'integer', minimum: 1, default: 40, description: 'Most tools a spec may have' },
  },
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
        world_clock: describeWorldClock(context.worldClockInstant),
        min_tools: String(context.params.min_tools),
        max_tools: String(context.params.max_tools),
        error_codes: errorCodeList(),
      },
    ];
  },
  answer: specAnswerSchema,
  check: (answer, context) =>
    checkSpec(answer, tableNamesOf(context.inputs), { min: context.params.min_tools, max: context.params.max_tools }),
  failure: 'no usable tool specification',
  write: (answer, context) => context.outputs.writeJson('spec', normalizedSpec(answer, tableNamesOf(context.inputs))),
});

function tableNamesOf(inputs: Parameters<typeof readSchema>[0]): string[] {
  return usableSchema(readSchema(inputs)).tables.map((table) => table.name);
}
