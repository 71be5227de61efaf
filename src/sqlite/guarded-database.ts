// A better-sqlite3 connection that runs the statement guard on every SQL text it is given, for code
// that hands a connection to LLM-written SQL or handlers (the sandboxed SQL check today, the env
// host's tool handlers later). Refused text throws before anything runs, like SQLite's own errors,
// so code written against better-sqlite3 fails the same way it does for bad SQL.
//
// A convenience, not a boundary: code that can import better-sqlite3 can open its own connection.
// Untrusted JavaScript must run in the sandbox (src/sandbox/), where writes cannot leave its folder.
import type Database from 'better-sqlite3';
import { guardStatements, type StatementRefusal } from './statement-guard.js';

export class StatementRefusedError extends Error {
  readonly code = 'AWM_STATEMENT_REFUSED';

  constructor(readonly refusals: readonly StatementRefusal[]) {
    super(refusals.map((refusal) => refusal.message).join('\n'));
    this.name = 'StatementRefusedError';
  }
}

/** Methods that take SQL text, and how to turn their first argument into it. */
const SQL_METHODS: Readonly<Record<string, (source: string) => string>> = {
  exec: (source) => source,
  prepare: (source) => source,
  pragma: (source) => `PRAGMA ${source}`,
};

/** Methods that read or write files outside SQL: not offered at all. */
const REFUSED_METHODS: Readonly<Record<string, string>> = {
  loadExtension: 'loadExtension() loads native code and is not available on this connection',
  backup: 'backup() writes a copy of the database to a file and is not available on this connection',
};

/** `db` behind the guard: exec, prepare and pragma refuse what guardStatements refuses. */
export function guardedDatabase(db: Database.Database): Database.Database {
  const guarded: Database.Database = new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const refused = REFUSED_METHODS[property];
      if (refused !== undefined) {
        return () => {
          throw new Error(refused);
        };
      }
      const toSql = SQL_METHODS[property];
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const source = args[0];
        if (toSql !== undefined && typeof source === 'string') {
          const verdict = guardStatements(toSql(source));
          if (!verdict.ok) throw new StatementRefusedError(verdict.error);
        }
        // Chainable methods (exec, function, …) return the connection: hand back the guarded one.
        const result = method.apply(target, args);
        return result === target ? guarded : result;
      };
    },
  });
  return guarded;
}
