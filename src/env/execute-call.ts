// The core of a tool call, the same in every runner: the handler runs inside one transaction
// (BEGIN IMMEDIATE … COMMIT) and whatever goes wrong rolls the whole call back. This is the one
// place where what a handler throws or returns becomes a CallOutcome:
//
//   ctx.fail(code, message)           → rollback, { error: { code, message } }
//   anything else thrown              → rollback, internal_error (the stack goes to the log only)
//   a Promise, or not a JSON object   → rollback, invalid_result / internal_error, naming the path
//   breaks the tool's output schema   → rollback, invalid_result, naming the path
//   a JSON object that fits           → COMMIT (a deferred foreign key failing here rolls back too)
import type Database from 'better-sqlite3';
import type { ValidateFunction } from 'ajv';
import { describeSchemaErrors } from '../synthesis/tool-spec.js';
import { callFailed, type CallOutcome, type JsonObject } from './call-outcome.js';
import { handlerDatabase } from './handler-database.js';
import { jsonObjectProblem } from './json-result.js';
import type { ToolHandlers } from './tool-module.js';
import { toolContext, ToolFailure, type WorldClock } from './tool-context.js';

export interface CallExecution {
  /** An open connection with foreign_keys=ON, not inside a transaction. */
  readonly db: Database.Database;
  readonly tools: ToolHandlers;
  readonly tool: string;
  readonly args: JsonObject;
  readonly clock: WorldClock;
  /** The tool's output schema, compiled with compileToolSchema. */
  readonly validateOutput: ValidateFunction;
}

export function executeCall({ db, tools, tool, args, clock, validateOutput }: CallExecution): CallOutcome {
  const handler = Object.hasOwn(tools, tool) ? tools[tool] : undefined;
  if (typeof handler !== 'function') return callFailed('unknown_tool', `the tool module has no handler "${tool}"`);
  const { database, revoke } = handlerDatabase(db);
  try {
    db.exec('BEGIN IMMEDIATE');
    const outcome = outcomeOf(() => handler(args, toolContext(database, clock)), validateOutput);
    if (outcome.ok) db.exec('COMMIT');
    return outcome;
  } catch (error) {
    // BEGIN or COMMIT failed: a deferred foreign key, a locked or damaged file, the disk.
    return thrown(error);
  } finally {
    revoke();
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}

function outcomeOf(run: () => unknown, validateOutput: ValidateFunction): CallOutcome {
  let value: unknown;
  try {
    value = run();
  } catch (error) {
    return thrown(error);
  }
  if (isThenable(value)) {
    // Its rejection is nobody's to handle: the call is over, and its ctx.db is revoked.
    Promise.resolve(value).catch(() => undefined);
    return callFailed(
      'internal_error',
      'the handler returned a Promise; handlers must be synchronous (no async, no await) so that one transaction wraps the call',
    );
  }
  const problem = jsonObjectProblem(value);
  if (problem !== null) return callFailed('invalid_result', `the tool returned a result JSON cannot carry: ${problem}`);
  const result = JSON.parse(JSON.stringify(value)) as JsonObject;
  if (!validateOutput(result))
    return callFailed(
      'invalid_result',
      `the tool's result does not have its declared shape: ${describeSchemaErrors(validateOutput.errors ?? [], '(result)')}`,
    );
  return { ok: true, result };
}

function thrown(error: unknown): CallOutcome {
  if (error instanceof ToolFailure) return callFailed(error.code, error.message);
  if (error instanceof Error)
    return callFailed(
      'internal_error',
      `the tool failed: ${error.message}`,
      error.stack ?? `${error.name}: ${error.message}`,
    );
  return callFailed('internal_error', `the tool failed: it threw ${String(error)}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
