// Turns ajv's errors into diagnostics a user can act on: the place in the YAML (key or value), the
// thing named in words, what was found, and a hint from the schema's own `description`, so the
// editor (yaml-language-server) and the CLI explain a rule the same way.
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from './diagnostic.js';
import { closestMatch, didYouMeanHint } from './did-you-mean.js';
import { describeKeysOf, describeNameIn, describePath } from './place-names.js';
import type { PositionLookup, YamlPath } from './yaml-positions.js';

export interface SchemaErrorContext {
  readonly file: string;
  /** YAML path of the value the schema checked (the whole file, or a stage's params). */
  readonly basePath: YamlPath;
  readonly positionOf: PositionLookup;
  /** The schema the errors came from, to resolve local `$ref`s when looking up descriptions. */
  readonly rootSchema: object;
}

type SchemaNode = Record<string, unknown>;

export function schemaDiagnostics(errors: readonly ErrorObject[], context: SchemaErrorContext): Diagnostic[] {
  return errors.flatMap((error) => {
    // propertyNames repeats the inner error (which carries the offending name): report that one only.
    if (error.keyword === 'propertyNames') return [];
    const path = [...context.basePath, ...instancePathSegments(error.instancePath)];
    const parent = (error.parentSchema ?? {}) as SchemaNode;
    if (typeof error.propertyName === 'string') return [nameDiagnostic(error, path, parent, context)];
    if (error.keyword === 'additionalProperties') return [unknownKeyDiagnostic(error, path, parent, context)];
    if (error.keyword === 'required') return [missingKeyDiagnostic(error, path, parent, context)];
    return [valueDiagnostic(error, path, parent, context)];
  });
}

function unknownKeyDiagnostic(
  error: ErrorObject,
  path: YamlPath,
  parent: SchemaNode,
  context: SchemaErrorContext,
): Diagnostic {
  const key = String(error.params['additionalProperty']);
  const { noun, where, label } = describeKeysOf(path);
  const known = Object.keys((parent['properties'] ?? {}) as SchemaNode);
  const hint = known.length > 0 ? didYouMeanHint(key, known, label) : `remove it; ${describePath(path)} takes no keys`;
  return {
    file: context.file,
    position: context.positionOf([...path, key], 'key'),
    message: `unknown ${noun} "${key}"${where}`,
    hint,
  };
}

function missingKeyDiagnostic(
  error: ErrorObject,
  path: YamlPath,
  parent: SchemaNode,
  context: SchemaErrorContext,
): Diagnostic {
  const key = String(error.params['missingProperty']);
  const { noun, where } = describeKeysOf(path);
  const property = resolve(((parent['properties'] ?? {}) as SchemaNode)[key], context.rootSchema);
  const description = typeof property?.['description'] === 'string' ? ` ${property['description']}` : '';
  const position = path.length > 0 ? context.positionOf(path, 'key') : null;
  return {
    file: context.file,
    position,
    message: `missing required ${noun} "${key}"${where}`,
    hint: `add "${key}".${description}`,
  };
}

function nameDiagnostic(
  error: ErrorObject,
  path: YamlPath,
  parent: SchemaNode,
  context: SchemaErrorContext,
): Diagnostic {
  const name = String(error.propertyName);
  const rule =
    typeof parent['patternErrorMessage'] === 'string'
      ? parent['patternErrorMessage']
      : (error.message ?? 'is not allowed');
  return {
    file: context.file,
    position: context.positionOf([...path, name], 'key'),
    message: `${describeNameIn(path, name)} ${rule}`,
    hint: descriptionOf(parent),
  };
}

function valueDiagnostic(
  error: ErrorObject,
  path: YamlPath,
  parent: SchemaNode,
  context: SchemaErrorContext,
): Diagnostic {
  // "(got a mapping)" says nothing when a mapping is merely empty.
  const got =
    error.keyword === 'minProperties' || error.keyword === 'minItems' ? '' : ` (got ${showValue(error.data)})`;
  const message = `${describePath(path)} ${requirement(error, parent)}${got}`;
  let hint = descriptionOf(parent);
  if (error.keyword === 'enum' && typeof error.data === 'string') {
    const suggestion = closestMatch(error.data, (error.params['allowedValues'] as unknown[]).map(String));
    if (suggestion !== null) hint = `did you mean "${suggestion}"?${hint ? ` ${hint}` : ''}`;
  }
  return { file: context.file, position: context.positionOf(path, 'auto'), message, hint };
}

/** What the value must be, in words: `must be an integer`, `must be at least 1`. */
function requirement(error: ErrorObject, parent: SchemaNode): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params['type']).split(',').map(typeInWords).join(' or ')}`;
    case 'enum':
      return `must be ${orList((params['allowedValues'] as unknown[]).map(showValue))}`;
    case 'const':
      return `must be ${showValue(params['allowedValue'])}`;
    case 'pattern':
      return typeof parent['patternErrorMessage'] === 'string'
        ? parent['patternErrorMessage']
        : `must match the pattern ${String(params['pattern'])}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${comparisonWords[String(params['comparison'])] ?? String(params['comparison'])} ${String(params['limit'])}`;
    case 'minLength':
    case 'minProperties':
    case 'minItems':
      return params['limit'] === 1
        ? 'must not be empty'
        : `must have at least ${String(params['limit'])} ${error.keyword === 'minLength' ? 'characters' : 'entries'}`;
    default:
      return error.message ?? 'is not valid';
  }
}

const comparisonWords: Readonly<Record<string, string>> = {
  '>=': 'at least',
  '<=': 'at most',
  '>': 'greater than',
  '<': 'less than',
};

function typeInWords(type: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'empty',
  };
  return words[type] ?? type;
}

/** A YAML value as a user would recognise it in a message. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The schema's description of the value, as a hint that says what belongs there. */
function descriptionOf(node: SchemaNode): string | null {
  return typeof node['description'] === 'string' ? `expected: ${node['description']}` : null;
}

/** Follows a local `$ref` (`#/definitions/x`, `#/$defs/x`) so the referenced node's description is found. */
function resolve(node: unknown, root: object): SchemaNode | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const ref = (node as SchemaNode)['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node as SchemaNode;
  let target: unknown = root;
  for (const segment of instancePathSegments(ref.slice(1)))
    target = (target as SchemaNode | undefined)?.[String(segment)];
  return typeof target === 'object' && target !== null ? (target as SchemaNode) : undefined;
}

/** `/stages/tasks/params/count` → ['stages', 'tasks', 'params', 'count'] (JSON Pointer unescaped; list indexes as numbers). */
function instancePathSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment.replace(/~1/g, '/').replace(/~0/g, '~')));
}
