// Prompt templates: `{{name}}` placeholders filled by the stage, `{{! … }}` comments dropped. The
// fingerprint holds the rendered text, so editing a comment changes no request and rebuilds nothing.
import type { PromptTemplate } from './stage.js';

/** A comment alone on its line(s) goes with its line; elsewhere just the comment; then placeholders. */
const comment = String.raw`\{\{!(?:(?!\}\})[\s\S])*\}\}`;
const tokenPattern = new RegExp(
  String.raw`^[ \t]*${comment}[ \t]*(?:\r?\n|$)|${comment}|\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`,
  'gm',
);

type Segment =
  { readonly text: string } | { readonly placeholder: string; readonly line: number; readonly col: number };

export interface ParsedPromptTemplate extends PromptTemplate {
  /** Placeholder names in order of first use, without repeats. */
  readonly placeholders: readonly string[];
}

export function parsePromptTemplate(file: string, text: string): ParsedPromptTemplate {
  const segments = templateSegments(text);
  const placeholders = [
    ...new Set(segments.flatMap((segment) => ('placeholder' in segment ? [segment.placeholder] : []))),
  ];
  return {
    file,
    placeholders,
    render(values) {
      return segments.map((segment) => ('text' in segment ? segment.text : valueFor(segment, values, file))).join('');
    },
  };
}

function templateSegments(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(tokenPattern)) {
    const start = match.index ?? 0;
    if (start > last) segments.push({ text: text.slice(last, start) });
    const name = match[1];
    if (name !== undefined) segments.push({ placeholder: name, ...lineAndColumn(text, start) });
    last = start + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** A value the stage did not pass is a bug in the stage (its `render` and its template disagree). */
function valueFor(
  segment: { placeholder: string; line: number; col: number },
  values: Readonly<Record<string, string>>,
  file: string,
): string {
  if (Object.hasOwn(values, segment.placeholder)) return values[segment.placeholder]!;
  const given = Object.keys(values);
  throw new Error(
    `${file}:${segment.line}:${segment.col}: placeholder {{${segment.placeholder}}} has no value; the stage passed ${given.length > 0 ? given.join(', ') : 'no values'}`,
  );
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}
