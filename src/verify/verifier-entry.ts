// The program of the sandboxed child that runs one LLM-written verifier (a one-shot run of the
// sandbox: its limits, no network, no credentials, everything read-only but its scratch folder).
// It opens the initial and final databases read-only with `query_only` on, gives the verifier two
// handles with `all` and `get` only (every statement through the statement guard), and checks the
// shape of what it returns. The verifier is a function expression:
//
//   code mode:  function ({ initial, final, answer, now, nowSql, today, userId }) → { result: 'complete' | 'others', reason }
//   sql mode:   function ({ initial, final, now, nowSql, today, userId }) → { …facts }  (a JSON object)
import Database from 'better-sqlite3';
import { guardStatements } from '../sqlite/statement-guard.js';
import type { SandboxEntry } from '../sandbox/sandbox-entry.js';

/** One pair of states to judge. */
export interface VerifierCase {
  readonly initialPath: string;
  readonly finalPath: string;
  /** The agent's final answer ('' when it gave none); code mode only. */
  readonly answer: string;
}

export interface VerifierInput {
  readonly mode: 'code' | 'sql';
  /** The verifier's function expression. */
  readonly code: string;
  /** Judged in order, in one child (the self-test asks several at once). */
  readonly cases: readonly VerifierCase[];
  /** The world clock, ISO 8601. */
  readonly worldClock: string;
}

/** What the child answers per case: the verdict or facts, or why the verifier is unusable. */
export type VerifierOutput =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** A read-only handle: what verifiers query the initial and final states with. */
export interface ReadOnlyHandle {
  all(sql: string, ...params: unknown[]): Record<string, unknown>[];
  get(sql: string, ...params: unknown[]): Record<string, unknown> | undefined;
}

type Verifier = (context: object) => unknown;

const run: SandboxEntry<VerifierInput, VerifierOutput[]> = (input) => {
  let verifier: unknown;
  try {
    verifier = new Function(`"use strict";\nreturn (${input.code}\n);`)();
  } catch (error) {
    const problem = `the verifier does not compile: ${message(error)}`;
    return input.cases.map(() => ({ ok: false, problem }));
  }
  if (typeof verifier !== 'function') {
    const problem = 'the verifier must be a function expression: function ({ initial, final, … }) { … }';
    return input.cases.map(() => ({ ok: false, problem }));
  }
  return input.cases.map((one) => judge(verifier as Verifier, input, one));
};

export default run;

function judge(verifier: Verifier, input: VerifierInput, one: VerifierCase): VerifierOutput {
  const initial = openReadOnly(one.initialPath);
  const final = openReadOnly(one.finalPath);
  try {
    const clock = new Date(input.worldClock);
    const now = `${clock.toISOString().slice(0, 19)}Z`;
    const context = {
      initial: handle(initial.db),
      final: handle(final.db),
      now,
      nowSql: now.slice(0, 19).replace('T', ' '),
      today: now.slice(0, 10),
      userId: 1,
      ...(input.mode === 'code' ? { answer: one.answer } : {}),
    };
    let value: unknown;
    try {
      value = verifier(context);
    } catch (error) {
      return { ok: false, problem: `the verifier threw: ${message(error)}` };
    }
    if (value instanceof Promise)
      return { ok: false, problem: 'the verifier returned a Promise; it must be synchronous' };
    return input.mode === 'code' ? verdictOf(value) : factsOf(value);
  } finally {
    initial.db.close();
    final.db.close();
  }
}

function openReadOnly(path: string): { db: Database.Database } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('query_only = ON');
  return { db };
}

function handle(db: Database.Database): ReadOnlyHandle {
  const statement = (sql: unknown): Database.Statement => {
    if (typeof sql !== 'string') throw new TypeError(`a query is SQL text, not ${typeof sql}`);
    const guarded = guardStatements(sql);
    if (!guarded.ok) throw new Error(guarded.error.map((refusal) => refusal.message).join('; '));
    return db.prepare(sql);
  };
  const bind = (params: unknown[]): unknown[] =>
    params.map((param) => (param === undefined ? null : typeof param === 'boolean' ? Number(param) : param));
  return Object.freeze({
    all: (sql: string, ...params: unknown[]) => statement(sql).all(...bind(params)) as Record<string, unknown>[],
    get: (sql: string, ...params: unknown[]) =>
      statement(sql).get(...bind(params)) as Record<string, unknown> | undefined,
  });
}

function verdictOf(value: unknown): VerifierOutput {
  const record = value as { result?: unknown; reason?: unknown } | null;
  if (typeof record !== 'object' || record === null || (record.result !== 'complete' && record.result !== 'others'))
    return {
      ok: false,
      problem: `the verifier must return { result: 'complete' | 'others', reason }, not ${preview(value)}`,
    };
  return { ok: true, value: { result: record.result, reason: typeof record.reason === 'string' ? record.reason : '' } };
}

function factsOf(value: unknown): VerifierOutput {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, problem: `the fact gatherer must return a JSON object of facts, not ${preview(value)}` };
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(value)) as unknown };
  } catch (error) {
    return { ok: false, problem: `the facts are not JSON: ${message(error)}` };
  }
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
