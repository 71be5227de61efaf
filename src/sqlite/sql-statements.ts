// SQL text cut into statements of tokens, for checks that must know what a statement *is* (the
// statement guard) rather than only where its quotes are. Built on splitSql, so a keyword inside a
// string literal or a comment is never mistaken for code. A lexer, not a parser: it knows SQLite's
// token shapes (words, quoted names, strings, numbers, parameters) and that `;` ends a statement.
import { splitSql } from './sql-segments.js';

export type SqlTokenKind = 'word' | 'identifier' | 'string' | 'number' | 'parameter' | 'punctuation';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** Words in lower case, quoted names and strings without quotes (doubled quotes undone), the rest as written. */
  readonly value: string;
}

export interface SqlStatement {
  /** 0-based position among the non-empty statements of the text. */
  readonly index: number;
  /** The statement as written, comments included, without its `;`, trimmed. */
  readonly text: string;
  /** Comments are dropped: SQLite treats them as white space. */
  readonly tokens: readonly SqlToken[];
}

// SQLite's identifier characters include every non-ASCII character; `$` may follow the first.
const CODE_TOKEN =
  /([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)|(\d[A-Za-z0-9_.]*|\.\d[A-Za-z0-9_]*)|([?:@$][A-Za-z0-9_$\u0080-\uffff]*)|(\S)/g;

/** The statements of `sql` in order; empty ones (`;;`, a lone comment) are left out. */
export function sqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let text = '';
  let tokens: SqlToken[] = [];
  const finish = (): void => {
    if (tokens.length > 0) statements.push({ index: statements.length, text: text.trim(), tokens });
    text = '';
    tokens = [];
  };
  for (const segment of splitSql(sql)) {
    if (segment.kind === 'comment') {
      text += segment.text;
    } else if (segment.kind === 'code') {
      let start = 0;
      for (const match of segment.text.matchAll(CODE_TOKEN)) {
        if (match[0] !== ';') continue;
        tokens.push(...codeTokens(segment.text.slice(start, match.index)));
        text += segment.text.slice(start, match.index);
        finish();
        start = (match.index ?? 0) + 1;
      }
      tokens.push(...codeTokens(segment.text.slice(start)));
      text += segment.text.slice(start);
    } else {
      tokens.push({ kind: segment.kind, value: unquote(segment.text) });
      text += segment.text;
    }
  }
  finish();
  return statements;
}

function codeTokens(code: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  for (const [all, word, number, parameter] of code.matchAll(CODE_TOKEN)) {
    if (word !== undefined) tokens.push({ kind: 'word', value: word.toLowerCase() });
    else if (number !== undefined) tokens.push({ kind: 'number', value: number });
    else if (parameter !== undefined) tokens.push({ kind: 'parameter', value: parameter });
    else tokens.push({ kind: 'punctuation', value: all });
  }
  return tokens;
}

/** `'it''s'` → `it's`, `"a ""b"""` → `a "b"`, `[x]` → `x`; an unterminated quote runs to the end. */
function unquote(text: string): string {
  const open = text[0] ?? '';
  const close = open === '[' ? ']' : open;
  const body = text.length > 1 && text.endsWith(close) ? text.slice(1, -1) : text.slice(1);
  return open === '[' ? body : body.split(open + open).join(open);
}

/** The keyword `word` (given in lower case). */
export function isWord(token: SqlToken | undefined, word: string): boolean {
  return token?.kind === 'word' && token.value === word;
}

/** The punctuation mark `mark`. */
export function isPunctuation(token: SqlToken | undefined, mark: string): boolean {
  return token?.kind === 'punctuation' && token.value === mark;
}
