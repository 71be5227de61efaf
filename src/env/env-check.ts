// The env stage's local check: the tool module, run by the host it will be served by, on fresh
// copies of the seed database. Every tool is called with each of its spec examples (one fresh
// session per example), and the reference solutions, where a scenario has them, are replayed call
// by call (one fresh session per task): a change's end state must hold afterwards. What fails is
// told apart: a crash, a time-out, a result that breaks the output schema, a missing handler, an
// error code the tool does not declare; a business error the tool declares is fine for an example.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SolutionsFile } from '../synthesis/solutions.js';
import { ERROR_CODES, type ToolSpec } from '../synthesis/tool-spec.js';
import type { CallOutcome } from './call-outcome.js';
import type { HandlerRunner } from './handler-runner.js';
import { replayCalls } from './replay.js';
import { EnvSessions } from './sessions.js';

export interface EnvCheckInput {
  readonly tools: readonly ToolSpec[];
  /** The seed database: every session starts from a copy of it. */
  readonly snapshotPath: string;
  /** Where the check's sessions and call log go. */
  readonly workDir: string;
  readonly runner: HandlerRunner;
  readonly solutions: SolutionsFile | null;
  /** Per call. */
  readonly timeoutMs: number;
}

export interface ToolVerdict {
  readonly name: string;
  /** Spec examples answered with a result, with a business error the tool declares, or failing. */
  readonly ok: number;
  readonly business: number;
  readonly failed: number;
  /** What went wrong, in words (empty when the tool passes). */
  readonly problems: readonly string[];
}

export interface EnvCheckReport {
  readonly tools: readonly ToolVerdict[];
  readonly solutions: { readonly replayed: number; readonly failed: number; readonly problems: readonly string[] };
  /** Tools with no failure, in examples or in the solutions' calls. */
  readonly passing: number;
  readonly total: number;
}

export async function checkEnvironment(input: EnvCheckInput): Promise<EnvCheckReport> {
  mkdirSync(input.workDir, { recursive: true });
  const sessions = new EnvSessions({
    tools: input.tools,
    snapshotPath: input.snapshotPath,
    sessionsDir: join(input.workDir, 'sessions'),
    runner: input.runner,
    callLogPath: join(input.workDir, 'calls.jsonl'),
    timeoutMs: input.timeoutMs,
  });
  const problemsByTool = new Map<string, string[]>(input.tools.map((tool) => [tool.name, []]));
  const counts = new Map(input.tools.map((tool) => [tool.name, { ok: 0, business: 0, failed: 0 }]));
  try {
    let session = 0;
    for (const tool of input.tools) {
      for (const [index, example] of tool.examples.entries()) {
        const id = await sessions.createSession(`example-${(session += 1)}`);
        const outcome = await sessions.callTool(id, tool.name, example);
        await sessions.closeSession(id);
        const verdict = judge(tool, outcome);
        const count = counts.get(tool.name)!;
        count[verdict.kind] += 1;
        if (verdict.kind === 'failed')
          problemsByTool.get(tool.name)!.push(`example ${index + 1} ${JSON.stringify(example)}: ${verdict.problem}`);
      }
    }
    const solutions = await replaySolutions(input, sessions, problemsByTool);
    const tools = input.tools.map((tool) => ({
      name: tool.name,
      ...counts.get(tool.name)!,
      problems: problemsByTool.get(tool.name)!,
    }));
    return {
      tools,
      solutions,
      passing: tools.filter((tool) => tool.problems.length === 0).length,
      total: tools.length,
    };
  } finally {
    await sessions.close();
  }
}

type Verdict = { readonly kind: 'ok' | 'business' } | { readonly kind: 'failed'; readonly problem: string };

function judge(tool: ToolSpec, outcome: CallOutcome): Verdict {
  if (outcome.ok) return { kind: 'ok' };
  const { code, message } = outcome.error;
  if (Object.hasOwn(ERROR_CODES, code)) {
    if (tool.errors.some((error) => error.code === code)) return { kind: 'business' };
    return {
      kind: 'failed',
      problem: `ctx.fail('${code}') is not among the tool's declared errors (${declared(tool)}): ${message}`,
    };
  }
  return { kind: 'failed', problem: `${code}: ${message}` };
}

function declared(tool: ToolSpec): string {
  return tool.errors.length === 0 ? 'none' : tool.errors.map((error) => error.code).join(', ');
}

async function replaySolutions(
  input: EnvCheckInput,
  sessions: EnvSessions,
  problemsByTool: Map<string, string[]>,
): Promise<EnvCheckReport['solutions']> {
  const problems: string[] = [];
  let failed = 0;
  const tasks = input.solutions?.tasks ?? [];
  for (const task of tasks) {
    const id = await sessions.createSession(`solution-${task.id}`);
    let problem: string | null = null;
    const replay = await replayCalls(sessions, id, task.calls);
    if (replay.failed !== null) {
      problem = `${task.id}: ${replay.failed.message}`;
      const tool = task.calls[replay.failed.index]?.tool;
      if (tool !== undefined) problemsByTool.get(tool)?.push(`in the reference solution of ${problem}`);
    }
    if (problem === null && task.end_state_sql !== undefined) {
      const reached = endStateHolds(sessions.databasePath(id), task.end_state_sql);
      if (reached !== true) {
        const writers = [...new Set(task.calls.map((call) => call.tool))].join(', ');
        problem = `${task.id}: after its reference solution's calls (${writers}) the task's end state does not hold (${reached})`;
        for (const tool of new Set(task.calls.map((call) => call.tool)))
          problemsByTool.get(tool)?.push(`in the reference solution of ${problem}`);
      }
    }
    await sessions.closeSession(id);
    if (problem !== null) {
      failed += 1;
      problems.push(problem);
    }
  }
  return { replayed: tasks.length, failed, problems };
}

/** true, or why not: the end-state query read on the session's file, read-only. */
function endStateHolds(path: string, sql: string): true | string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(sql).raw(true).all() as unknown[][];
    return JSON.stringify(rows) === '[[1]]' ? true : `the end-state query returned ${JSON.stringify(rows)}`;
  } catch (error) {
    return `the end-state query failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    db.close();
  }
}
