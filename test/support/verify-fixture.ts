// Hand-made agent run folders for the verification tests, in the shape `awm agent` writes
// (trajectory.json format 1, initial.db, final.db), and a task's verifier file as the verifier stage
// writes it. The task: sell one copy of Piranesi (stock 4 → 3).
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const TASK = 'Buy one copy of Piranesi for me.';

/** complete when the stock of book 1 dropped by exactly one; the answer is not looked at. */
export const STOCK_DROPPED = `function ({ initial, final }) {
  const before = initial.get('SELECT stock FROM books WHERE id = 1').stock;
  const after = final.get('SELECT stock FROM books WHERE id = 1').stock;
  return after === before - 1 ? { result: 'complete', reason: 'one copy sold' } : { result: 'others', reason: 'stock is ' + after };
}`;

export const STOCK_FACTS = `function ({ initial, final, today }) {
  return { today, stock_before: initial.get('SELECT stock FROM books WHERE id = 1').stock, stock_after: final.get('SELECT stock FROM books WHERE id = 1').stock };
}`;

export interface VerifierOverrides {
  readonly task_id?: string;
  readonly code_verifier?: string;
  readonly fact_gatherer?: string;
  readonly discriminates?: boolean;
}

/** Writes a verifier file like artifacts/<scenario>/verifiers/<task>.json; returns its path. */
export function writeVerifier(path: string, overrides: VerifierOverrides = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  const verifier = {
    task_id: overrides.task_id ?? 'task_01',
    kind: 'update',
    task: TASK,
    world_clock: '2026-03-02T09:00:00Z',
    reasoning: 'REASONING-MARK: buying one copy lowers the stock of Piranesi (book 1) from 4 to 3.',
    solution: { calls: [{ tool: 'buy_book', arguments: { book_id: 1 } }], answer: null },
    near_miss: { calls: [{ tool: 'buy_book', arguments: { book_id: 2 } }], answer: null, why: 'the wrong book' },
    code_verifier: overrides.code_verifier ?? STOCK_DROPPED,
    fact_gatherer: overrides.fact_gatherer ?? STOCK_FACTS,
    success_criteria: 'SUCCESS-MARK: stock_after is stock_before minus 1.',
    failure_criteria: 'FAILURE-MARK: the stock is unchanged or dropped by more than one.',
    self_test: { discriminates: overrides.discriminates ?? true, checks: [], problems: [], noise: null },
  };
  writeFileSync(path, `${JSON.stringify(verifier, null, 2)}\n`);
  return path;
}

export interface RunOptions {
  /** The stock after the episode (4 before); null leaves final.db out. */
  readonly finalStock?: number | null;
  readonly steps?: readonly unknown[];
  readonly finalAnswer?: string | null;
  readonly scenario?: string | null;
  readonly taskId?: string | null;
  readonly databaseNote?: string | null;
}

/** A step calling buy_book that worked (ok) or failed with `errorCode`. */
export function buyStep(iteration: number, errorCode: string | null = null): unknown {
  const call = { id: `call_${iteration}`, name: 'buy_book', arguments: { book_id: 1 } };
  return {
    iteration,
    assistant: { content: '', tool_calls: [call], finish_reason: 'tool_calls' },
    tool_results: [
      errorCode === null
        ? { ...call, ok: true, result: { order_id: 7, stock_left: 3 }, ms: 4 }
        : { ...call, ok: false, error: { code: errorCode, message: 'the tool failed: database is locked' }, ms: 4 },
    ],
  };
}

/** Makes a run folder at `dir`; returns `dir`. */
export function writeRun(dir: string, options: RunOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const finalStock = options.finalStock === undefined ? 3 : options.finalStock;
  writeBooks(join(dir, 'initial.db'), 4);
  if (finalStock !== null) writeBooks(join(dir, 'final.db'), finalStock);
  const trajectory = {
    format: 1,
    scenario: options.scenario === undefined ? 'shop' : options.scenario,
    task_id: options.taskId === undefined ? 'task_01' : options.taskId,
    task: TASK,
    model: 'agent-model',
    protocol: 'tools',
    policy: 'llm',
    api_url: 'http://127.0.0.1:1/v1',
    max_iterations: 30,
    temperature: 1,
    started_at: '2026-11-30T10:00:00.000Z',
    ended_at: '2026-11-30T10:00:05.000Z',
    stop_reason: 'final_answer',
    final_answer: options.finalAnswer === undefined ? 'I bought one copy of Piranesi (order 7).' : options.finalAnswer,
    databases: {
      initial: 'initial.db',
      final: finalStock === null ? null : 'final.db',
      note: options.databaseNote ?? null,
    },
    steps: options.steps ?? [buyStep(1)],
    messages: [],
    usage: { prompt_tokens: 100, completion_tokens: 20 },
  };
  writeFileSync(join(dir, 'trajectory.json'), `${JSON.stringify(trajectory, null, 2)}\n`);
  return dir;
}

function writeBooks(path: string, stock: number): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, stock INTEGER NOT NULL);
    INSERT INTO books VALUES (1, 'Piranesi', ${stock}), (2, 'Kindred', 5);`);
  db.close();
}

/** A judge's answer in the schema of src/verify/judge.ts. */
export function judgeAnswer(classification: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const confidence = {
    complete: 0.05,
    incomplete: 0.05,
    server_error: 0.05,
    agent_error: 0.05,
    [classification]: 0.85,
  };
  return {
    reasoning: `The run is ${classification}.`,
    classification,
    confidence,
    evidence: {
      error_signals: [],
      last_actions: ['buy_book {"book_id":1} → ok'],
      database_verification: 'stock 4 → 3',
    },
    ...extra,
  };
}

/** The reference pipeline's shape of STOCK_DROPPED: Python, opening the databases by path, `sqlite3` given. */
export const STOCK_DROPPED_PYTHON = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    def stock(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT stock FROM books WHERE id = 1").fetchone()[0]
        finally:
            conn.close()
    before, after = stock(initial_db_path), stock(final_db_path)
    if after == before - 1:
        return {"result": "complete", "reason": "one copy sold"}
    return {"result": "others", "reason": "stock is %d" % after}
`;

export const STOCK_FACTS_PYTHON = `def verify_task(initial_db_path, final_db_path):
    import sqlite3
    def stock(path):
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT stock FROM books WHERE id = 1").fetchone()[0]
    return {"stock_before": stock(initial_db_path), "stock_after": stock(final_db_path)}
`;

export interface PythonVerifierOverrides {
  readonly code_verifier?: string;
  readonly fact_gatherer?: string;
  readonly function_name?: string;
  readonly reasoning?: string;
}

/** A verifier file as the import helper writes one for a reference row (`"language": "python"`). */
export function writePythonVerifier(path: string, overrides: PythonVerifierOverrides = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  const verifier = {
    task_id: 'task_01',
    kind: 'update',
    task: TASK,
    world_clock: '2026-03-02T09:00:00Z',
    language: 'python',
    function_name: overrides.function_name ?? 'verify_task_completion',
    code_verifier: overrides.code_verifier ?? STOCK_DROPPED_PYTHON,
    fact_gatherer: overrides.fact_gatherer ?? '',
    success_criteria: '',
    failure_criteria: '',
    reasoning: overrides.reasoning ?? 'Buying one copy lowers the stock of Piranesi (book 1) from 4 to 3.',
    source: { file: 'gen_verifier.jsonl', line: 1, mode: 'code' },
  };
  writeFileSync(path, `${JSON.stringify(verifier, null, 2)}\n`);
  return path;
}
