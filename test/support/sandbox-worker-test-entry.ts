// A worker entry for test/sandbox-worker.test.ts: it keeps a counter between calls, and each request
// misbehaves in one way the worker must survive. SQL runs without the statement guard on purpose.
import { writeFileSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { WorkerEntry } from '../../src/sandbox/worker-entry.js';

export interface TestWorkerInit {
  /** When set, init throws this message. */
  readonly failInit?: string;
  /** When set, init never finishes. */
  readonly hangInit?: boolean;
}

export interface TestWorkerState {
  count: number;
  readonly scratchDir: string;
}

export type TestWorkerRequest =
  | { readonly mode: 'count' }
  | { readonly mode: 'echo'; readonly value: unknown }
  | { readonly mode: 'throw'; readonly message: string }
  | { readonly mode: 'spin' }
  | { readonly mode: 'endless-cte' }
  | { readonly mode: 'exit'; readonly code: number }
  | { readonly mode: 'environment' }
  | { readonly mode: 'write-file'; readonly path: string }
  | { readonly mode: 'raw-sql'; readonly sql: string }
  | { readonly mode: 'answer-bytes'; readonly length: number }
  | { readonly mode: 'forge-line' }
  | { readonly mode: 'allocate' }
  | { readonly mode: 'sleep'; readonly ms: number };

const entry: WorkerEntry<TestWorkerInit, TestWorkerState, TestWorkerRequest, unknown> = {
  async init(init, { scratchDir }) {
    if (init.failInit !== undefined) throw new Error(init.failInit);
    if (init.hangInit === true) await new Promise(() => {});
    return { count: 0, scratchDir };
  },
  async handle(request, state) {
    switch (request.mode) {
      case 'count':
        state.count += 1;
        return state.count;
      case 'echo':
        return request.value;
      case 'throw':
        throw new RangeError(request.message);
      case 'spin':
        for (;;);
      case 'endless-cte':
        return new Database(':memory:')
          .prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c')
          .get();
      case 'exit':
        process.exit(request.code);
      case 'environment':
        return { openAiKey: process.env.OPENAI_API_KEY ?? null, names: Object.keys(process.env).sort() };
      case 'write-file':
        return attempt(() => writeFileSync(request.path, 'escaped'));
      case 'raw-sql':
        return attempt(() => {
          const db = new Database(':memory:');
          try {
            db.exec(request.sql);
          } finally {
            db.close();
          }
        });
      case 'answer-bytes':
        return 'x'.repeat(request.length);
      case 'forge-line':
        // What code that found fd 3 might write: a line that is no frame, before the real answer.
        writeSync(3, 'not a frame\n');
        return 'forged';
      case 'allocate': {
        const kept: unknown[] = [];
        for (;;) kept.push(new Array(100_000).fill(kept.length));
      }
      case 'sleep':
        await new Promise((resolve) => setTimeout(resolve, request.ms));
        return 'slept';
    }
  },
};

function attempt(write: () => void): { readonly ran: boolean; readonly error: string | null } {
  try {
    write();
    return { ran: true, error: null };
  } catch (error) {
    return { ran: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export default entry;
