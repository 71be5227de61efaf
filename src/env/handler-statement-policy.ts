// What a tool handler may not run through ctx.db, on top of the statement guard (which refuses
// ATTACH, VACUUM INTO, load_extension() and file-writing pragmas for all LLM-written SQL). The host
// owns the connection: it opens the one transaction a call runs in, so a handler's BEGIN, COMMIT or
// ROLLBACK would end it early, and it set the pragmas (foreign keys, journal mode) the rollback
// promise rests on. Handlers may still read the schema with the introspection pragmas.
import { guardStatements } from '../sqlite/statement-guard.js';
import { isPunctuation, isWord, sqlStatements, type SqlToken } from '../sqlite/sql-statements.js';

const TRANSACTION_CONTROL = ['begin', 'commit', 'end', 'rollback', 'savepoint', 'release'];

/** Pragmas that only describe the schema; every other PRAGMA is refused. */
const SCHEMA_PRAGMAS = [
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
];

/** Why `sql` may not run in a handler, or null when it may. */
export function handlerStatementRefusal(sql: string): string | null {
  const guarded = guardStatements(sql);
  if (!guarded.ok) return guarded.error.map((refusal) => refusal.message).join('; ');
  for (const statement of sqlStatements(sql)) {
    const tokens = statement.tokens;
    const refuse = (why: string): string =>
      `statement ${statement.index + 1} (${excerpt(statement.text)}) is refused: ${why}`;
    if (TRANSACTION_CONTROL.some((word) => isWord(tokens[0], word)))
      return refuse(
        'the host runs every call in one transaction of its own; leave BEGIN, COMMIT, ROLLBACK and SAVEPOINT out',
      );
    if (isWord(tokens[0], 'pragma') && !SCHEMA_PRAGMAS.includes(pragmaName(tokens)))
      return refuse(`the host sets the connection's pragmas; handlers may read only ${SCHEMA_PRAGMAS.join(', ')}`);
  }
  return null;
}

/** `PRAGMA [schema.]name…` → name, lower case. */
function pragmaName(tokens: readonly SqlToken[]): string {
  const name = isPunctuation(tokens[2], '.') ? tokens[3] : tokens[1];
  return name?.value.toLowerCase() ?? '';
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
