// The sessions of one env: each a database file copied from the pristine snapshot, over which the
// agent calls tools. The host side of every call lives here: the tool lookup, the arguments checked
// against the input schema before any handler code runs, one call at a time per session, the call
// log. Handlers themselves run in the runner (in process, or in the sandboxed worker).
//
//   EnvSessions   open ──close()──▶ closing ──sessions closed, runner and log closed──▶ closed
//   a session     createSession ──▶ ready ──closeSession──▶ gone
//                 while ready, its calls, resets and saves run one at a time on its queue
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeSchemaErrors, type ToolSpec } from '../synthesis/tool-spec.js';
import type { Brand } from '../util/brand.js';
import { isRecord } from '../util/is-record.js';
import { unreachable } from '../util/result.js';
import { callFailed, type CallOutcome, type JsonObject } from './call-outcome.js';
import { CallLog } from './call-log.js';
import { readSnapshot, removeDatabase, saveConsistentCopy, writeSnapshot } from './database-files.js';
import type { HandlerRunner } from './handler-runner.js';
import { SerialQueue } from './serial-queue.js';
import { SpecValidators } from './spec-validators.js';

export type SessionId = Brand<string, 'EnvSessionId'>;

export interface EnvSessionsOptions {
  /** The spec's tools, in the spec's order (the order tools are listed in). */
  readonly tools: readonly ToolSpec[];
  /** The pristine database (the scenario's seed.db); read once, here, and never opened. */
  readonly snapshotPath: string;
  /** Where session databases live: `<sessionsDir>/<sessionId>.db`. */
  readonly sessionsDir: string;
  /** Runs the handlers; EnvSessions owns it and closes it in close(). */
  readonly runner: HandlerRunner;
  /** The call log, JSON lines, appended. */
  readonly callLogPath: string;
  /** Per-call time limit the runner enforces; default 2 000 ms. */
  readonly timeoutMs?: number;
  /** The wall clock, for the call log's `time` only. */
  readonly wallClock?: () => Date;
}

interface Session {
  readonly path: string;
  readonly queue: SerialQueue;
}

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const DEFAULT_CALL_TIMEOUT_MS = 2_000;

export class EnvSessions {
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closed: Promise<void> | null = null;
  readonly #sessions = new Map<SessionId, Session>();
  readonly #tools: ReadonlyMap<string, ToolSpec>;
  readonly #inputValidators: SpecValidators;
  readonly #log: CallLog;
  readonly #timeoutMs: number;
  readonly #wallClock: () => Date;
  readonly #snapshot: Buffer;

  constructor(readonly options: EnvSessionsOptions) {
    this.#snapshot = readSnapshot(options.snapshotPath);
    this.#tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.#inputValidators = new SpecValidators(options.tools, 'input_schema');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#wallClock = options.wallClock ?? (() => new Date());
    mkdirSync(options.sessionsDir, { recursive: true });
    this.#log = new CallLog(options.callLogPath);
  }

  /** The tools in the spec's order. */
  get tools(): readonly ToolSpec[] {
    return this.options.tools;
  }

  /** A new session on a fresh copy of the snapshot's bytes; `id` names its file (default a random UUID). */
  async createSession(id: string = randomUUID()): Promise<SessionId> {
    this.#mustBeOpen('createSession');
    if (!SESSION_ID.test(id)) throw new Error(`a session id is letters, digits, _ and - (at most 64), not "${id}"`);
    const sessionId = id as SessionId;
    if (this.#sessions.has(sessionId)) throw new Error(`session "${id}" exists already`);
    const path = join(this.options.sessionsDir, `${id}.db`);
    writeSnapshot(this.#snapshot, path);
    this.#sessions.set(sessionId, { path, queue: new SerialQueue() });
    return sessionId;
  }

  /** The session's database file (for reading it after its calls; writes go through callTool). */
  databasePath(id: SessionId): string {
    return this.#session(id).path;
  }

  /** Back to the snapshot: the runner lets go of the file, which gets the snapshot's bytes again. */
  resetSession(id: SessionId): Promise<void> {
    const session = this.#session(id);
    return session.queue.run(async () => {
      await this.options.runner.release(session.path);
      writeSnapshot(this.#snapshot, session.path);
    });
  }

  /** A consistent copy of the session's database as it stands after the calls queued so far. */
  saveFinal(id: SessionId, target: string): Promise<void> {
    const session = this.#session(id);
    return session.queue.run(() => saveConsistentCopy(session.path, target));
  }

  /** Ends the session after its queued calls, removing its file (saved first to `keepAs` if given). */
  closeSession(id: SessionId, options: { readonly keepAs?: string } = {}): Promise<void> {
    const session = this.#session(id);
    this.#sessions.delete(id);
    return session.queue.run(async () => {
      await this.options.runner.release(session.path);
      if (options.keepAs !== undefined) saveConsistentCopy(session.path, options.keepAs);
      removeDatabase(session.path);
    });
  }

  /**
   * One tool call: unknown tools and arguments that break the input schema are answered here,
   * without running any handler; the rest wait for the session's earlier calls, then run.
   */
  async callTool(id: SessionId, name: string, args: unknown): Promise<CallOutcome> {
    const session = this.#session(id);
    const started = performance.now();
    const given = args ?? {};
    const checked = this.#checked(name, given);
    const outcome = checked.ok
      ? await session.queue.run(() =>
          this.options.runner.call(
            { dbPath: session.path, tool: name, args: checked.args },
            { timeoutMs: this.#timeoutMs },
          ),
        )
      : checked.outcome;
    this.#log.append({
      time: this.#wallClock(),
      session: id,
      tool: name,
      args: given,
      ms: performance.now() - started,
      outcome,
    });
    return outcome;
  }

  /** Closes every session (after its queued calls), then the runner and the call log. */
  close(): Promise<void> {
    switch (this.#state) {
      case 'open': {
        this.#state = 'closing';
        const sessions = [...this.#sessions.keys()].map((id) => this.closeSession(id));
        this.#closed = Promise.allSettled(sessions)
          .then(() => this.options.runner.close())
          .finally(() => {
            this.#log.close();
            this.#state = 'closed';
          });
        return this.#closed;
      }
      case 'closing':
      case 'closed':
        return this.#closed ?? Promise.resolve();
      default:
        return unreachable(this.#state, 'EnvSessions state');
    }
  }

  #checked(name: string, args: unknown): { ok: true; args: JsonObject } | { ok: false; outcome: CallOutcome } {
    let validate;
    try {
      validate = this.#inputValidators.get(name);
    } catch (error) {
      return { ok: false, outcome: callFailed('internal_error', (error as Error).message) };
    }
    if (validate === undefined)
      return {
        ok: false,
        outcome: callFailed(
          'unknown_tool',
          `no tool is named "${name}"; the tools are ${[...this.#tools.keys()].join(', ')}`,
        ),
      };
    if (!isRecord(args))
      return { ok: false, outcome: callFailed('invalid_arguments', 'invalid arguments: they must be a JSON object') };
    if (!validate(args))
      return {
        ok: false,
        outcome: callFailed(
          'invalid_arguments',
          `invalid arguments: ${describeSchemaErrors(validate.errors ?? [], '(arguments)')}`,
        ),
      };
    return { ok: true, args };
  }

  #session(id: SessionId): Session {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new Error(`no session "${id}": it was closed or never created`);
    return session;
  }

  #mustBeOpen(what: string): void {
    if (this.#state !== 'open') throw new Error(`internal error: ${what} on env sessions that are ${this.#state}`);
  }
}
