// The reference's REST endpoints as our tools, and back. An endpoint's request_params become the
// tool's input schema (float → number, an optional parameter may be null, param_type kept as
// `x-param-type`), its response skeleton the output schema, and its path, method, group, tags and
// required_fields an `x-reference-endpoint` annotation on the input schema (ajv ignores it), so
// export writes the endpoint back as it was. The reference does not split reads from writes and
// lists no errors: every table a non-GET endpoint names counts as written, and a path parameter
// gives a `not_found` error.
import type { ToolError, ToolSpec, ToolSpecFile } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import type { ReferenceEndpoint, ReferenceParam, ReferenceSpec } from './reference-rows.js';

const TYPES: Readonly<Record<string, string>> = {
  string: 'string',
  integer: 'integer',
  float: 'number',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
  object: 'object',
};

interface EndpointAnnotation {
  readonly group_name: string;
  readonly path: string;
  readonly method: string;
  readonly tags: readonly string[];
  readonly required_fields: Readonly<Record<string, readonly string[]>>;
}

export interface ConvertedSpec {
  readonly spec: ToolSpecFile;
  readonly lost: readonly string[];
}

export function toolsFromEndpoints(apiSpec: ReferenceSpec['api_spec']): ConvertedSpec {
  const lost = new Set<string>();
  const tools = apiSpec.api_groups.flatMap((group) =>
    group.endpoints.map((endpoint) => toolFromEndpoint(endpoint, group.group_name ?? '', lost)),
  );
  lost.add(
    'spec: tables_written = required_tables of every non-GET endpoint (the reference does not split reads and writes)',
  );
  lost.add('spec: errors derived only from path parameters (not_found); the reference lists none');
  lost.add('spec: output_schema has no required fields (the response skeleton does not say which are always present)');
  return { spec: { tools }, lost: [...lost] };
}

function toolFromEndpoint(endpoint: ReferenceEndpoint, group: string, lost: Set<string>): ToolSpec {
  const params = Object.entries(endpoint.request_params ?? {});
  const properties = Object.fromEntries(params.map(([name, param]) => [name, paramSchema(param, name, lost)]));
  const required = params.filter(([, param]) => param.required === true).map(([name]) => name);
  const annotation: EndpointAnnotation = {
    group_name: group,
    path: endpoint.path ?? '',
    method: (endpoint.method ?? 'POST').toUpperCase(),
    tags: endpoint.tags ?? [],
    required_fields: endpoint.required_fields ?? {},
  };
  const example = Object.fromEntries(
    params.filter(([, param]) => param.example !== undefined).map(([name, param]) => [name, param.example]),
  );
  const tables = endpoint.required_tables ?? [];
  const pathParams = params.filter(([, param]) => param.param_type === 'path').map(([name]) => name);
  const errors: ToolError[] =
    pathParams.length === 0 ? [] : [{ code: 'not_found', when: `no record matches ${pathParams.join(', ')}` }];
  return {
    name: endpoint.operation_id,
    description: [endpoint.summary ?? '', endpoint.description ?? ''].filter((part) => part !== '').join('\n\n'),
    input_schema: {
      type: 'object',
      properties,
      required,
      additionalProperties: false,
      'x-reference-endpoint': annotation,
    },
    examples: [example],
    output_schema: { type: 'object', properties: fieldsSchema(endpoint.response ?? {}, lost) },
    output_description: skeleton(endpoint.response ?? {}),
    errors,
    tables_read: [...tables],
    tables_written: annotation.method === 'GET' ? [] : [...tables],
  };
}

function paramSchema(param: ReferenceParam, name: string, lost: Set<string>): Record<string, unknown> {
  const type = typeOf(param.type, `parameter ${name}`, lost);
  const schema: Record<string, unknown> = {};
  if (type !== null) schema['type'] = param.required === true ? type : [type, 'null'];
  if (param.description !== undefined) schema['description'] = param.description;
  if (param.param_type !== undefined) schema['x-param-type'] = param.param_type;
  return schema;
}

function typeOf(type: string | undefined, what: string, lost: Set<string>): string | null {
  if (type === undefined) return null;
  const mapped = TYPES[type.toLowerCase()];
  if (mapped === undefined) lost.add(`spec: ${what} has type "${type}", which JSON Schema lacks; left untyped`);
  return mapped ?? null;
}

/** The response skeleton `{field: {type, description, example, items?}}` as JSON Schema properties. */
function fieldsSchema(fields: Readonly<Record<string, unknown>>, lost: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, fieldSchema(field, name, lost)]));
}

function fieldSchema(field: unknown, name: string, lost: Set<string>): Record<string, unknown> {
  if (!isRecord(field)) return {};
  const schema: Record<string, unknown> = {};
  const type = typeof field['type'] === 'string' ? typeOf(field['type'], `response field ${name}`, lost) : null;
  if (type !== null) schema['type'] = type;
  if (typeof field['description'] === 'string') schema['description'] = field['description'];
  if (field['example'] !== undefined) schema['examples'] = [field['example']];
  const items = field['items'];
  if (isRecord(items)) {
    schema['items'] =
      typeof items['type'] === 'string'
        ? fieldSchema(items, `${name}[]`, lost)
        : { type: 'object', properties: fieldsSchema(items, lost) };
  }
  return schema;
}

/** `{ id, name, programs: [{ id, name }] }` */
function skeleton(fields: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(fields).map(([name, field]) => {
    const items = isRecord(field) ? field['items'] : undefined;
    if (isRecord(items) && typeof items['type'] !== 'string') return `${name}: [${skeleton(items)}]`;
    return name;
  });
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

/** Our tools as one api group of endpoints; an imported tool's annotation puts it back where it was. */
export function endpointsFromTools(spec: ToolSpecFile): ReferenceSpec['api_spec'] {
  const groups = new Map<string, ReferenceEndpoint[]>();
  for (const tool of spec.tools) {
    const annotation = annotationOf(tool);
    const group = annotation?.group_name ?? 'tools';
    groups.set(group, [...(groups.get(group) ?? []), endpointFromTool(tool, annotation)]);
  }
  return { api_groups: [...groups].map(([group_name, endpoints]) => ({ group_name, endpoints })) };
}

function annotationOf(tool: ToolSpec): EndpointAnnotation | null {
  const value = tool.input_schema['x-reference-endpoint'];
  return isRecord(value) ? (value as unknown as EndpointAnnotation) : null;
}

function endpointFromTool(tool: ToolSpec, annotation: EndpointAnnotation | null): ReferenceEndpoint {
  const split = tool.description.indexOf('\n\n');
  const properties = isRecord(tool.input_schema['properties']) ? tool.input_schema['properties'] : {};
  const required = new Set(Array.isArray(tool.input_schema['required']) ? tool.input_schema['required'] : []);
  const example = tool.examples[0] ?? {};
  const request_params = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [
      name,
      referenceParam(schema, required.has(name), example[name]),
    ]),
  );
  const outputProperties = isRecord(tool.output_schema['properties']) ? tool.output_schema['properties'] : {};
  return {
    path: annotation?.path ?? `/tools/${tool.name}`,
    method: annotation?.method ?? 'POST',
    summary: split < 0 ? tool.description : tool.description.slice(0, split),
    description: split < 0 ? '' : tool.description.slice(split + 2),
    operation_id: tool.name,
    tags: annotation?.tags ?? [],
    request_params,
    response: referenceFields(outputProperties),
    required_tables: [...new Set([...tool.tables_read, ...tool.tables_written])],
    required_fields: annotation?.required_fields ?? {},
  };
}

function referenceParam(schema: unknown, required: boolean, example: unknown): ReferenceParam {
  const record = isRecord(schema) ? schema : {};
  const types = Array.isArray(record['type']) ? record['type'] : [record['type']];
  const type = types.find((value) => typeof value === 'string' && value !== 'null') as string | undefined;
  return {
    type: type === 'number' ? 'float' : (type ?? 'string'),
    param_type: typeof record['x-param-type'] === 'string' ? record['x-param-type'] : 'body',
    required,
    description: typeof record['description'] === 'string' ? record['description'] : '',
    ...(example === undefined ? {} : { example }),
  };
}

function referenceFields(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, referenceField(schema)]));
}

function referenceField(schema: unknown): Record<string, unknown> {
  const record = isRecord(schema) ? schema : {};
  const type = typeof record['type'] === 'string' ? record['type'] : 'string';
  const field: Record<string, unknown> = { type: type === 'number' ? 'float' : type };
  if (typeof record['description'] === 'string') field['description'] = record['description'];
  if (Array.isArray(record['examples']) && record['examples'].length > 0) field['example'] = record['examples'][0];
  const items = record['items'];
  if (isRecord(items))
    field['items'] =
      items['type'] === 'object' && isRecord(items['properties'])
        ? referenceFields(items['properties'])
        : referenceField(items);
  return field;
}
