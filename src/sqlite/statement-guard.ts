// LLM-written SQL (schemas, sample rows, later tool handlers and verifiers) may only touch the one
// database it is given. SQLite itself can reach further: ATTACH opens or creates any file,
// VACUUM INTO writes a copy anywhere, load_extension() runs native code, and a few pragmas write
// outside the database or switch off its protections. This guard refuses those statements before
// anything runs. It reads tokens (sql-statements.ts), so `'ATTACH me'` in a string or a comment
// passes, while `aTtAcH/**/database`, `PRAGMA "writable_schema" = 1` and `VACUUM\n INTO` do not.
// It is a first line that gives a useful message; the sandbox's mount namespace is the boundary.
import { err, ok, type Result } from '../util/result.js';
import { isPunctuation, isWord, sqlStatements, type SqlStatement, type SqlToken } from './sql-statements.js';

export type RefusedConstruct = 'attach' | 'detach' | 'vacuum-into' | 'load-extension' | 'pragma';

export interface StatementRefusal {
  /** 0-based position of the statement within the text. */
  readonly statementIndex: number;
  /** The statement as written (trimmed, without its `;`). */
  readonly statement: string;
  readonly construct: RefusedConstruct;
  /** The pragma's name (lower case) when `construct` is `pragma`. */
  readonly pragma: string | null;
  /** Names the statement, says why it is refused and what to write instead. */
  readonly message: string;
}

interface PragmaRule {
  /** Whether an assignment of `value` (lower case, unquoted) is refused; reading a pragma never is. */
  readonly refuses: (value: string) => boolean;
  readonly why: string;
}

const anyValue = (): boolean => true;
const isOn = (value: string): boolean => ['1', 'on', 'yes', 'true'].includes(value);
const isOff = (value: string): boolean => ['0', 'off', 'no', 'false'].includes(value);

/**
 * Pragmas whose assignment is refused. Everything else is allowed: journal_mode, synchronous,
 * mmap_size, cache_size, temp_store and the like change speed or durability, not what the
 * statement can reach, and a memory limit bounds what they can cost.
 */
export const REFUSED_PRAGMAS: Readonly<Record<string, PragmaRule>> = {
  writable_schema: {
    refuses: anyValue,
    why: 'lets statements edit sqlite_schema directly, which can corrupt the database',
  },
  schema_version: { refuses: anyValue, why: 'setting the schema version by hand corrupts the database' },
  temp_store_directory: { refuses: anyValue, why: "moves SQLite's temporary files to another folder" },
  data_store_directory: { refuses: anyValue, why: "moves SQLite's data files to another folder" },
  trusted_schema: { refuses: isOn, why: 'lets views and triggers call functions with side effects' },
  query_only: { refuses: isOff, why: 'would make a read-only connection writable' },
  ignore_check_constraints: { refuses: isOn, why: "lets rows bypass the schema's CHECK constraints" },
  foreign_keys: { refuses: isOff, why: 'lets rows break foreign keys' },
};

/** Ok when no statement in `sql` is refused; otherwise every refusal, statement by statement. */
export function guardStatements(sql: string): Result<void, readonly StatementRefusal[]> {
  const refusals = sqlStatements(sql).flatMap((statement) => {
    const refusal = refusalOf(statement);
    return refusal === null ? [] : [refusal];
  });
  return refusals.length === 0 ? ok(undefined) : err(refusals);
}

function refusalOf(statement: SqlStatement): StatementRefusal | null {
  const tokens = withoutExplain(statement.tokens);
  const refuse = (construct: RefusedConstruct, what: string, pragma: string | null = null): StatementRefusal => ({
    statementIndex: statement.index,
    statement: statement.text,
    construct,
    pragma,
    message: `statement ${statement.index + 1} (${excerpt(statement.text)}) is refused: ${what}`,
  });
  const head = tokens[0];
  if (isWord(head, 'attach')) {
    return refuse(
      'attach',
      'ATTACH opens or creates another database file; keep every table in this one database and leave ATTACH out',
    );
  }
  if (isWord(head, 'detach')) return refuse('detach', 'DETACH belongs to ATTACH, which is not allowed; leave it out');
  if (isWord(head, 'vacuum') && tokens.some((token) => isWord(token, 'into'))) {
    return refuse(
      'vacuum-into',
      'VACUUM INTO writes a copy of the database to a file; leave it out (a plain VACUUM is allowed)',
    );
  }
  if (isWord(head, 'pragma')) {
    const pragma = pragmaAssignment(tokens.slice(1));
    const rule = pragma === null ? undefined : REFUSED_PRAGMAS[pragma.name];
    if (pragma !== null && rule !== undefined && rule.refuses(pragma.value)) {
      return refuse(
        'pragma',
        `PRAGMA ${pragma.name} = ${pragma.value} ${rule.why}; leave this PRAGMA out`,
        pragma.name,
      );
    }
  }
  if (tokens.some((token, index) => isName(token, 'load_extension') && isPunctuation(tokens[index + 1], '('))) {
    return refuse('load-extension', "load_extension() loads native code; use SQLite's built-in functions only");
  }
  return null;
}

/** `EXPLAIN` and `EXPLAIN QUERY PLAN` only describe a statement, but the statement is judged as if it ran. */
function withoutExplain(tokens: readonly SqlToken[]): readonly SqlToken[] {
  if (!isWord(tokens[0], 'explain')) return tokens;
  return isWord(tokens[1], 'query') && isWord(tokens[2], 'plan') ? tokens.slice(3) : tokens.slice(1);
}

/** `[schema.]name = value` or `[schema.]name(value)`; null when the pragma is only read. SQLite accepts the name quoted. */
function pragmaAssignment(tokens: readonly SqlToken[]): { name: string; value: string } | null {
  const dotted = isPunctuation(tokens[1], '.');
  const name = tokens[dotted ? 2 : 0];
  const rest = tokens.slice(dotted ? 3 : 1);
  if (name === undefined || !['word', 'identifier', 'string'].includes(name.kind)) return null;
  if (!isPunctuation(rest[0], '=') && !isPunctuation(rest[0], '(')) return null;
  const signed = isPunctuation(rest[1], '-') || isPunctuation(rest[1], '+');
  const value = rest[signed ? 2 : 1];
  const sign = signed && rest[1]?.value === '-' ? '-' : '';
  return { name: name.value.toLowerCase(), value: value === undefined ? '' : sign + value.value.toLowerCase() };
}

/** A function name may be written bare, "quoted", [bracketed] or `backticked`. */
function isName(token: SqlToken | undefined, name: string): boolean {
  return (token?.kind === 'word' || token?.kind === 'identifier') && token.value.toLowerCase() === name;
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
