// The environment's tool surface (spec v2): one MCP tool per atomic operation, each with a JSON
// Schema for its input, example arguments (the env check later calls every tool with them), a
// JSON Schema of its success result, the error codes it can return (from one vocabulary) and the
// tables it touches. The LLM writes only this and the handlers; the host does the rest.
import { usableSchema } from '../src/sqlite/apply-schema.js';
import { llmStage } from '../src/stage-api/index.js';
import { checkSpec } from '../src/synthesis/spec-check.js';
import { formatSchemaSql, formatTasks, readSchema, readScenario, readTasks } from '../src/synthesis/artifacts.js';
import { describeWorldClock } from '../src/synthesis/time-placeholder-guide.js';
import { ERROR_CODES, type ToolSpec, type ToolSpecFile } from '../src/synthesis/tool-spec.js';

export type { ToolSpec };
export type SpecAnswer = ToolSpecFile;
export { checkSpec, type ToolCountRange } from '../src/synthesis/spec-check.js';

export interface SpecParams {
  readonly min_tools: number;
  readonly max_tools: number;
}

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
