// Parses YAML keeping each node's place in the text, so every later diagnostic (schema, semantic,
// stage params) can point at the exact key or value the user has to change.
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostic.js';
import { err, ok, type Result } from '../util/result.js';

export type YamlPath = readonly (string | number)[];
/** `auto` points at a scalar's value, or at the key of a mapping or list (a block spans many lines). */
export type PositionPart = 'key' | 'value' | 'auto';
export type PositionLookup = (path: YamlPath, part?: PositionPart) => SourcePosition | null;

/**
 * How deep mappings and lists may nest. The pipeline needs about six levels; a params value may
 * need more, but nothing sensible needs this many, and deeper text would exhaust the stack of the
 * code that walks it (a stack trace instead of a message).
 */
export const MAX_YAML_DEPTH = 64;

export interface ParsedYaml {
  /** The document as plain data. */
  readonly value: unknown;
  /** Where a path is written; for a path that is not there, its nearest written ancestor's key. */
  readonly positionOf: PositionLookup;
}

export function parseYaml(file: string, text: string): Result<ParsedYaml, Diagnostic[]> {
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *defaults`) let stages share settings; yaml-language-server understands them too.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const toPosition = (start: number, end: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(start);
    return { line, col, length: Math.max(1, end - start) };
  };
  // Text nested deep enough to exhaust the parser's stack gives one such error and many follow-ups.
  const overflow = document.errors.find((error) => /call stack/i.test(error.message));
  if (overflow) return err([tooDeep(file, toPosition(overflow.pos[0], overflow.pos[1]))]);
  if (document.errors.length > 0) {
    return err(
      document.errors.map((error) =>
        syntaxDiagnostic(file, error.code, error.message, toPosition(error.pos[0], error.pos[1])),
      ),
    );
  }
  const deepest = nodeDeeperThan(document, MAX_YAML_DEPTH);
  if (deepest) return err([tooDeep(file, rangeOf(deepest, toPosition))]);
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    return err([aliasProblem(file, document, error, toPosition)]);
  }
  return ok({ value, positionOf: (path, part = 'auto') => locate(document, path, part, toPosition) });
}

function tooDeep(file: string, position: SourcePosition | null): Diagnostic {
  return {
    file,
    position,
    message: `YAML error: mappings and lists nest more than ${MAX_YAML_DEPTH} levels deep here`,
    hint: 'flatten the value: awm reads at most that many levels',
  };
}

/** The first collection nested deeper than `limit`, found without recursion. */
function nodeDeeperThan(document: Document, limit: number): Node | null {
  let found: Node | null = null;
  visit(document, {
    Collection(_key, node, path) {
      const depth = path.filter((step) => isCollection(step)).length + 1;
      if (depth <= limit) return undefined;
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** An alias naming no anchor before it, placed at the alias; or too many aliases expanded. */
function aliasProblem(file: string, document: Document, error: unknown, toPosition: ToPosition): Diagnostic {
  let unresolved: Node | null = null;
  visit(document, {
    Alias(_key, node) {
      if (node.resolve(document) !== undefined) return undefined;
      unresolved = node;
      return visit.BREAK;
    },
  });
  if (unresolved) {
    const name = isAlias(unresolved) ? (unresolved as { source: string }).source : '';
    return {
      file,
      position: rangeOf(unresolved, toPosition),
      message: `YAML error: the alias *${name} names no anchor`,
      hint: `define the anchor (&${name}) on a value above this line, or write the value here`,
    };
  }
  // toJS refuses alias chains that would expand without bound ("billion laughs").
  return {
    file,
    position: null,
    message: `YAML error: ${error instanceof Error ? error.message : String(error)}`,
    hint: 'use fewer aliases (*name)',
  };
}

function syntaxDiagnostic(file: string, code: string, message: string, position: SourcePosition): Diagnostic {
  return { file, position, message: `YAML syntax error: ${message}`, hint: syntaxHint(code) };
}

function syntaxHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear only once in a mapping; remove or rename one of them';
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs for indentation';
    default:
      return 'check the indentation and that each key is followed by ": "; quote values that contain ": " or start with a special character';
  }
}

type ToPosition = (start: number, end: number) => SourcePosition;

function locate(document: Document, path: YamlPath, part: PositionPart, toPosition: ToPosition): SourcePosition | null {
  let node: unknown = document.contents;
  let lastPair: Pair | null = null;
  let endsAtPair = false;
  for (const segment of path) {
    const child = childOf(node, segment);
    if (child === undefined) return lastPair ? rangeOf(lastPair.key, toPosition) : null;
    if (child.pair) lastPair = child.pair;
    endsAtPair = child.pair !== null;
    node = child.node;
  }
  const keyPosition = lastPair && endsAtPair ? rangeOf(lastPair.key, toPosition) : null;
  const valuePosition = rangeOf(node, toPosition);
  if (part === 'key') return keyPosition ?? valuePosition;
  if (part === 'value') return valuePosition ?? keyPosition;
  return isScalar(node) ? (valuePosition ?? keyPosition) : (keyPosition ?? valuePosition);
}

function childOf(node: unknown, segment: string | number): { node: unknown; pair: Pair | null } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return pair ? { node: pair.value, pair } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    return segment < node.items.length ? { node: node.items[segment], pair: null } : undefined;
  }
  return undefined;
}

/** An empty value (`key:` with nothing after it) has no place of its own: null, so the key is used. */
function rangeOf(node: unknown, toPosition: ToPosition): SourcePosition | null {
  const range = (node as Node | null | undefined)?.range;
  return range && range[1] > range[0] ? toPosition(range[0], range[1]) : null;
}
