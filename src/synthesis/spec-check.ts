// The spec stage's check of a tool list against the schema's tables, in words: names, schemas that
// compile and accept their examples, error codes, tables that exist, and every table read by some
// tool. Here (not in stages/spec.ts) so that `awm import` reports it on the reference's converted specs.
import type { CheckOutcome } from '../stage-api/index.js';
import { capErrors } from './feedback-text.js';
import { compileToolSchema, describeSchemaErrors, type ToolSpec, type ToolSpecFile } from './tool-spec.js';

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
// Only unmistakable words: `register_for_event`, `book_session` and `create_account` (a bank's) are fine.
const AUTH_TOOL =
  /(?:^|_)(?:login|logout|log_in|log_out|signin|signup|sign_in|sign_up|sign_out|authenticate|password|otp|mfa|2fa)(?:_|$)/;

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
  spec: ToolSpecFile,
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

function unreadTables(spec: ToolSpecFile, tables: ReadonlyMap<string, string>): string[] {
  if (spec.tools.length === 0) return [];
  const read = new Set(spec.tools.flatMap((tool) => tool.tables_read.map((table) => table.toLowerCase())));
  return [...tables]
    .filter(([lower]) => !read.has(lower))
    .map(
      ([, table]) =>
        `no tool reads table "${table}"; add a tool that lists or gets its rows, or name it in tables_read of the tool that does`,
    );
}
