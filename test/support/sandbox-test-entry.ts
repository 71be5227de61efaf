// A child entry for test/sandbox.test.ts: each mode misbehaves in one way the sandbox must contain.
// It runs SQL without the statement guard on purpose, to show what the namespace alone stops.
import { writeSync } from 'node:fs';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import type { SandboxEntry } from '../../src/sandbox/sandbox-entry.js';

export type TestEntryInput =
  | { readonly mode: 'echo'; readonly value: unknown }
  | { readonly mode: 'environment' }
  | { readonly mode: 'throw'; readonly message: string }
  | { readonly mode: 'exit-silently'; readonly code: number }
  | { readonly mode: 'kill-self'; readonly signal: NodeJS.Signals }
  | { readonly mode: 'answer-bytes'; readonly length: number }
  | { readonly mode: 'forge-frame' }
  | { readonly mode: 'not-json' }
  | { readonly mode: 'endless-cte' }
  | { readonly mode: 'raw-sql'; readonly sql: string }
  | { readonly mode: 'allocate'; readonly what: 'js-heap' | 'buffers' | 'sqlite' }
  | { readonly mode: 'connect'; readonly port: number };

const entry: SandboxEntry<TestEntryInput, unknown> = async (input) => {
  switch (input.mode) {
    case 'echo':
      return input.value;
    case 'environment':
      return process.env;
    case 'throw':
      throw new RangeError(input.message);
    case 'exit-silently':
      process.exit(input.code);
    case 'kill-self':
      process.kill(process.pid, input.signal);
      return new Promise(() => {});
    case 'answer-bytes':
      return 'x'.repeat(input.length);
    case 'forge-frame':
      // Writes half a frame on the channel, as code that found fd 3 might, then dies.
      writeSync(3, '{"awmSandbox":1,"ok":tr');
      process.exit(0);
    case 'not-json':
      return { count: 10n };
    case 'endless-cte': {
      const db = new Database(':memory:');
      db.exec('CREATE TABLE t (x)');
      db.exec('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO t SELECT x FROM c');
      return 'the endless query ended';
    }
    case 'raw-sql': {
      const db = new Database(':memory:');
      try {
        db.exec(input.sql);
        return { ran: true, error: null };
      } catch (error) {
        return { ran: false, error: error instanceof Error ? error.message : String(error) };
      } finally {
        db.close();
      }
    }
    case 'allocate':
      return allocate(input.what);
    case 'connect':
      return new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: input.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
  }
};

function allocate(what: 'js-heap' | 'buffers' | 'sqlite'): never {
  const kept: unknown[] = [];
  if (what === 'sqlite') {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x)');
    db.exec(
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO t SELECT randomblob(100000) FROM c',
    );
  }
  for (;;) kept.push(what === 'buffers' ? Buffer.alloc(8 * 1024 * 1024, 1) : new Array(100_000).fill(kept.length));
}

export default entry;
