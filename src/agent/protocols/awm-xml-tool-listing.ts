// What `list_tools` answers under the awm-xml protocol: every env tool as text, named with the
// `mcp_tool_` prefix the Arctic-AWM models saw in training, its description, and each parameter
// with its type, whether it is required, its description, default, allowed values and bounds;
// parameters of nested objects are listed under them.
import { isRecord } from '../../util/is-record.js';
import type { AgentTool } from '../agent-tools.js';

export const LISTED_NAME_PREFIX = 'mcp_tool_';

export function toolListingText(tools: readonly AgentTool[]): string {
  const entries = tools.map((tool, index) => {
    const lines = [`${index + 1}. ${LISTED_NAME_PREFIX}${tool.name}`];
    for (const line of tool.description.split('\n')) if (line.trim() !== '') lines.push(`   ${line.trim()}`);
    const parameters = parameterLines(tool.inputSchema, 5);
    lines.push(parameters.length === 0 ? '   Parameters: none' : '   Parameters:', ...parameters);
    return lines.join('\n');
  });
  return [`The application's tools (${tools.length}):`, ...entries].join('\n\n');
}

function parameterLines(schema: Readonly<Record<string, unknown>>, indent: number): string[] {
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const property = isRecord(value) ? value : {};
    const description = typeof property['description'] === 'string' ? `: ${property['description']}` : '';
    lines.push(`${pad}- ${name} (${typeOf(property)}, ${required.has(name) ? 'required' : 'optional'})${description}`);
    const details = detailsOf(property);
    if (details.length > 0) lines.push(`${pad}  ${details.join('; ')}`);
    if (isRecord(property['properties'])) lines.push(...parameterLines(property, indent + 4));
  }
  return lines;
}

function typeOf(schema: Readonly<Record<string, unknown>>): string {
  const type = schema['type'];
  if (Array.isArray(type)) return type.map(String).join(' or ');
  if (type === 'array' && isRecord(schema['items'])) return `array of ${typeOf(schema['items'])}`;
  if (typeof type === 'string') return type;
  if (Array.isArray(schema['enum'])) return 'one of the allowed values';
  return 'any';
}

function detailsOf(schema: Readonly<Record<string, unknown>>): string[] {
  const details: string[] = [];
  if (Array.isArray(schema['enum'])) details.push(`allowed values: ${schema['enum'].map(show).join(', ')}`);
  if (schema['default'] !== undefined) details.push(`default: ${show(schema['default'])}`);
  for (const [key, words] of [
    ['minimum', 'minimum'],
    ['maximum', 'maximum'],
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
  ] as const)
    if (typeof schema[key] === 'number') details.push(`${words} ${schema[key]}`);
  if (typeof schema['format'] === 'string') details.push(`format: ${schema['format']}`);
  return details;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}
