// ctx, the second argument of every handler: the database facade, the signed-in user, the world
// clock (never the wall clock: "orders from the last 7 days" must mean the same rows in every
// episode) and fail(), the one way to return a business error.
import { formatSqlDate, formatSqlTimestamp } from '../sqlite/time-placeholders.js';
import { ERROR_CODES, type ErrorCode } from '../synthesis/tool-spec.js';
import type { HandlerDatabase } from './handler-database.js';

/** The world clock in the three spellings handlers need. */
export interface WorldClock {
  /** ISO 8601, UTC: `2026-03-02T09:00:00Z`. */
  readonly now: string;
  /** As SQLite's date functions write it: `2026-03-02 09:00:00`. */
  readonly nowSql: string;
  /** `2026-03-02`. */
  readonly today: string;
}

export interface ToolContext extends WorldClock {
  readonly db: HandlerDatabase;
  /** The agent acts as user 1, as in the reference system. */
  readonly userId: 1;
  /** Ends the call with `{ error: { code, message } }`; the call's changes are rolled back. */
  fail(code: ErrorCode, message: string): never;
}

/** What ctx.fail throws; the call core turns it into the error the agent reads. */
export class ToolFailure extends Error {
  override readonly name = 'ToolFailure';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The world clock of an ISO 8601 instant (the pipeline's `world_clock`); throws on anything else. */
export function worldClockOf(instant: string): WorldClock {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) throw new Error(`the world clock ${JSON.stringify(instant)} is not an instant`);
  return { now: `${date.toISOString().slice(0, 19)}Z`, nowSql: formatSqlTimestamp(date), today: formatSqlDate(date) };
}

export function toolContext(db: HandlerDatabase, clock: WorldClock): ToolContext {
  return Object.freeze({
    db,
    userId: 1,
    now: clock.now,
    nowSql: clock.nowSql,
    today: clock.today,
    fail(code: ErrorCode, message: string): never {
      if (!Object.hasOwn(ERROR_CODES, code))
        throw new Error(
          `ctx.fail was given the code ${JSON.stringify(code)}; use one of ${Object.keys(ERROR_CODES).join(', ')}`,
        );
      throw new ToolFailure(code, String(message));
    },
  });
}
