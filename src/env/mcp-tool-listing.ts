// A spec tool as MCP lists it: plain JSON Schema (no zod), in the spec's order, with what it
// returns and how it fails appended to the description, since many agent harnesses show the model
// only the description and the input schema (the reference's listing carried the response shape
// the same way, and agents used it).
//
// The output schema is advertised only in a form the SDK's own Client accepts and checks exactly as
// the host does. Client.callTool validates structuredContent with one draft-07 ajv that checks
// formats and caches validators by `$id`; the host validates with compileToolSchema (2020-12,
// formats not checked). So the copy sent drops every `format` (a result with `2026-03-02 09:00:00`
// under `format: date-time` passes the host and would fail the client) and the root `$id` (two tools
// sharing one would be checked with the first tool's schema). Each copy is then compiled, in listing
// order, into one validator as the Client does; one that still does not compile is left out rather
// than sent, since a single bad schema makes the Client's listTools fail for every tool.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { ToolSpec } from '../synthesis/tool-spec.js';

export function mcpToolListing(tools: readonly ToolSpec[]): Tool[] {
  const clientValidator = new AjvJsonSchemaValidator();
  return tools.map((tool) => {
    const outputSchema = advertisedOutputSchema(tool.output_schema, clientValidator);
    return {
      name: tool.name,
      description: describedTool(tool),
      inputSchema: tool.input_schema as Tool['inputSchema'],
      ...(outputSchema === null ? {} : { outputSchema }),
    };
  });
}

function describedTool(tool: ToolSpec): string {
  const lines = [tool.description, '', `Returns: ${tool.output_description}`];
  if (tool.errors.length > 0)
    lines.push(`Errors: ${tool.errors.map((error) => `${error.code} (${error.when})`).join('; ')}`);
  return lines.join('\n');
}

function advertisedOutputSchema(
  schema: Record<string, unknown>,
  clientValidator: AjvJsonSchemaValidator,
): Tool['outputSchema'] | null {
  const { $id: _id, ...body } = schema;
  const advertised = withoutFormats(body) as Record<string, unknown>;
  if (advertised['type'] !== 'object') return null;
  try {
    clientValidator.getValidator(advertised);
  } catch {
    return null;
  }
  return advertised as Tool['outputSchema'];
}

/** Keywords whose values are data, not schemas: a `format` key inside them is left alone. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example']);

function withoutFormats(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutFormats);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'format' && typeof value === 'string'))
      .map(([key, value]) => [key, DATA_KEYWORDS.has(key) ? value : withoutFormats(value)]),
  );
}
