// ctx.db: the only database a tool handler sees. Three methods over better-sqlite3 (all, get, run)
// and nothing else: no exec, pragma, backup or loadExtension. Every SQL text passes the handler
// statement policy before it is prepared; a refused one throws, which fails the call like any bug.
// Each call gets its own facade and revokes it when the call ends, so a handler that kept ctx
// (an async handler, a timer) cannot write outside the call's transaction.
import type Database from 'better-sqlite3';
import { handlerStatementRefusal } from './handler-statement-policy.js';

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number;
}

/** The contract handlers are written against (src/env/README.md). */
export interface HandlerDatabase {
  /** Every row, as objects keyed by column name. */
  all(sql: string, ...params: unknown[]): Record<string, unknown>[];
  /** The first row, or undefined when there is none. */
  get(sql: string, ...params: unknown[]): Record<string, unknown> | undefined;
  /** For INSERT, UPDATE and DELETE. */
  run(sql: string, ...params: unknown[]): RunResult;
}

export class StatementRefusedForHandler extends Error {
  override readonly name = 'StatementRefusedForHandler';
}

/** Prepared statements per connection, by SQL text; only text the policy accepted is cached. */
const preparedByConnection = new WeakMap<Database.Database, Map<string, Database.Statement>>();
const MAX_CACHED_STATEMENTS = 500;

/** A facade over `db` for one call, and the function that ends it. */
export function handlerDatabase(db: Database.Database): { database: HandlerDatabase; revoke: () => void } {
  let live = true;
  const statement = (sql: unknown): Database.Statement => {
    if (!live)
      throw new Error('ctx.db was used after its call had ended; handlers must be synchronous and keep no ctx');
    if (typeof sql !== 'string') throw new TypeError(`ctx.db takes SQL text first, not ${typeof sql}`);
    return prepared(db, sql);
  };
  const database: HandlerDatabase = Object.freeze({
    all: (sql: string, ...params: unknown[]) => statement(sql).all(...bindable(params)) as Record<string, unknown>[],
    get: (sql: string, ...params: unknown[]) =>
      statement(sql).get(...bindable(params)) as Record<string, unknown> | undefined,
    run: (sql: string, ...params: unknown[]) => {
      const { changes, lastInsertRowid } = statement(sql).run(...bindable(params));
      return { changes, lastInsertRowid: Number(lastInsertRowid) };
    },
  });
  return { database, revoke: () => (live = false) };
}

function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = preparedByConnection.get(db);
  if (cache === undefined) preparedByConnection.set(db, (cache = new Map()));
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  const refusal = handlerStatementRefusal(sql);
  if (refusal !== null) throw new StatementRefusedForHandler(refusal);
  const fresh = db.prepare(sql);
  if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
  cache.set(sql, fresh);
  return fresh;
}

/**
 * better-sqlite3 binds numbers, strings, bigints, buffers and null only. Handlers pass arguments
 * straight from JSON, so booleans become 1/0 and undefined becomes NULL, in positional lists and in
 * an object of named parameters alike.
 */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((param) => {
    if (Array.isArray(param)) return param.map(bindableValue);
    if (isPlainObject(param))
      return Object.fromEntries(Object.entries(param).map(([name, value]) => [name, bindableValue(value)]));
    return bindableValue(param);
  });
}

function bindableValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
