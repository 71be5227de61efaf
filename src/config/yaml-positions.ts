// Parses YAML keeping each node's place in the text, so every later diagnostic (schema, semantic,
// stage params) can point at the exact key or value the user has to change.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostic.js';
import { err, ok, type Result } from '../util/result.js';

export type YamlPath = readonly (string | number)[];
/** `auto` points at a scalar's value, or at the key of a mapping or list (a block spans many lines). */
export type PositionPart = 'key' | 'value' | 'auto';
export type PositionLookup = (path: YamlPath, part?: PositionPart) => SourcePosition | null;

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
  if (document.errors.length > 0) {
    return err(
      document.errors.map((error) =>
        syntaxDiagnostic(file, error.code, error.message, toPosition(error.pos[0], error.pos[1])),
      ),
    );
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // toJS refuses alias chains that would expand without bound ("billion laughs").
    return err([
      {
        file,
        position: null,
        message: `YAML error: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'use fewer aliases (*name)',
      },
    ]);
  }
  return ok({ value, positionOf: (path, part = 'auto') => locate(document, path, part, toPosition) });
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
