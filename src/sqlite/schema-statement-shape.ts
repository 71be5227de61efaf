// What a schema answer's SQL may be: each table's `ddl` one CREATE TABLE with a column list, each
// of its `indexes` one CREATE INDEX. Nothing else runs, so applying a schema costs only its size:
// later stages re-apply it in awm's own process (to show the model the tables that work), where a
// query hidden in the DDL (`CREATE TABLE t AS WITH RECURSIVE …`, an INSERT after the table) could
// otherwise run for as long as it likes. The statement guard still applies on top.
import { isPunctuation, isWord, sqlStatements } from './sql-statements.js';

/** Why a table's DDL may not run, or null when it is one plain CREATE TABLE. */
export function tableDdlProblem(ddl: string): string | null {
  const statements = sqlStatements(ddl);
  if (statements.length !== 1) {
    return `the ddl holds ${statements.length} statements; write exactly one CREATE TABLE per table, and each index in "indexes"`;
  }
  const tokens = statements[0]!.tokens;
  let at = 0;
  if (!isWord(tokens[at++], 'create')) return 'the ddl must be a CREATE TABLE statement';
  if (isWord(tokens[at], 'temp') || isWord(tokens[at], 'temporary')) {
    return 'a TEMP table vanishes with the connection; write CREATE TABLE without TEMP';
  }
  if (isWord(tokens[at], 'virtual')) return 'virtual tables are not supported; write a plain CREATE TABLE';
  if (!isWord(tokens[at++], 'table')) return 'the ddl must be a CREATE TABLE statement';
  if (isWord(tokens[at], 'if') && isWord(tokens[at + 1], 'not') && isWord(tokens[at + 2], 'exists')) at += 3;
  at += isPunctuation(tokens[at + 1], '.') ? 3 : 1; // [schema.]name
  if (isWord(tokens[at], 'as')) {
    return 'CREATE TABLE … AS SELECT fills the table from a query; declare its columns instead: CREATE TABLE name (column type, …)';
  }
  if (!isPunctuation(tokens[at], '('))
    return 'the table name must be followed by its column list: CREATE TABLE name (…)';
  return null;
}

/** Why an index statement may not run, or null when it is one CREATE [UNIQUE] INDEX. */
export function indexProblem(sql: string): string | null {
  const statements = sqlStatements(sql);
  if (statements.length !== 1) {
    return `the index holds ${statements.length} statements; write one CREATE INDEX per entry of "indexes"`;
  }
  const tokens = statements[0]!.tokens;
  const at = isWord(tokens[1], 'unique') ? 2 : 1;
  return isWord(tokens[0], 'create') && isWord(tokens[at], 'index')
    ? null
    : 'each entry of "indexes" must be a CREATE INDEX (or CREATE UNIQUE INDEX) statement';
}
