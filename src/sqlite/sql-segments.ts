// Splits SQL text into code, string literals, quoted identifiers and comments, so that checks
// looking for keywords (CURRENT_TIMESTAMP) or placeholders ('{{now}}') know where they stand.
// A lexer, not a parser: it only has to get quoting right.

export type SqlSegmentKind = 'code' | 'string' | 'identifier' | 'comment';

export interface SqlSegment {
  readonly kind: SqlSegmentKind;
  /** The segment's text including its quotes or comment markers. */
  readonly text: string;
}

const CLOSERS: Readonly<Record<string, { readonly close: string; readonly kind: SqlSegmentKind }>> = {
  "'": { close: "'", kind: 'string' },
  '"': { close: '"', kind: 'identifier' },
  '`': { close: '`', kind: 'identifier' },
  '[': { close: ']', kind: 'identifier' },
};

export function splitSql(sql: string): SqlSegment[] {
  const segments: SqlSegment[] = [];
  let codeStart = 0;
  let index = 0;
  const flushCode = (end: number): void => {
    if (end > codeStart) segments.push({ kind: 'code', text: sql.slice(codeStart, end) });
  };
  while (index < sql.length) {
    const end = quotedEnd(sql, index) ?? commentEnd(sql, index);
    if (end === null) {
      index += 1;
      continue;
    }
    flushCode(index);
    segments.push({ kind: segmentKind(sql, index), text: sql.slice(index, end) });
    index = end;
    codeStart = end;
  }
  flushCode(sql.length);
  return segments;
}

/** The text of a string literal segment without its quotes, with `''` unescaped. */
export function stringLiteralValue(segment: SqlSegment): string {
  return segment.text
    .slice(1, segment.text.endsWith("'") && segment.text.length > 1 ? -1 : undefined)
    .replace(/''/g, "'");
}

function segmentKind(sql: string, index: number): SqlSegmentKind {
  const opener = CLOSERS[sql[index] ?? ''];
  return opener ? opener.kind : 'comment';
}

/** End (exclusive) of a quoted run starting at `index`; doubled quotes escape. Unterminated runs to the end. */
function quotedEnd(sql: string, index: number): number | null {
  const opener = CLOSERS[sql[index] ?? ''];
  if (!opener) return null;
  let cursor = index + 1;
  while (cursor < sql.length) {
    if (sql[cursor] === opener.close) {
      if (opener.close !== ']' && sql[cursor + 1] === opener.close) cursor += 2;
      else return cursor + 1;
    } else cursor += 1;
  }
  return sql.length;
}

function commentEnd(sql: string, index: number): number | null {
  if (sql.startsWith('--', index)) {
    const newline = sql.indexOf('\n', index);
    return newline === -1 ? sql.length : newline + 1;
  }
  if (sql.startsWith('/*', index)) {
    const close = sql.indexOf('*/', index + 2);
    return close === -1 ? sql.length : close + 2;
  }
  return null;
}
