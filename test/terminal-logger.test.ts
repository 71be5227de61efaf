import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { InstanceKey } from '../src/engine/instance.js';
import { plainLogger } from '../src/logging/plain-logger.js';
import { terminalLogger } from '../src/logging/terminal-logger.js';

const Loggers = suite('loggers');
const key = (text: string): InstanceKey => text as InstanceKey;
const built = {
  kind: 'built',
  reasons: [],
  durationMs: 1200,
  warnings: [],
  llmRequests: 2,
  cachedRequests: 1,
  summary: null,
} as const;

Loggers('the terminal logger keeps one progress line per stage: built, fresh, failed, left', () => {
  let screen = '';
  const log = terminalLogger({ write: (text) => (screen += text) });
  log({ kind: 'discovered', stage: 'tasks', count: 3 });
  log({ kind: 'finished', instance: key('a:tasks'), stage: 'tasks', outcome: { kind: 'fresh' } });
  log({ kind: 'started', instance: key('b:tasks'), stage: 'tasks', reasons: [{ code: 'never-built' }] });
  log({ kind: 'finished', instance: key('b:tasks'), stage: 'tasks', outcome: built });
  const plain = screen.replace(/\x1b\[[0-9]*[AJ]/g, '');
  assert.match(plain, /✓ built b:tasks \(1\.2s, 2 LLM requests \(1 from cache\)\)/);
  assert.match(plain, /tasks  1 built · 1 fresh · 0 failed · 1 left\n$/);
});

Loggers('the plain logger prints failures with their log, skips with their cause, and the summary', () => {
  const lines: string[] = [];
  const log = plainLogger((line) => lines.push(line));
  log({
    kind: 'finished',
    instance: key('a:schema'),
    stage: 'schema',
    outcome: { kind: 'failed-check', message: '3 of 12 tables failed', log: 'artifacts/a/logs/schema.json' },
  });
  log({
    kind: 'finished',
    instance: key('a:sample'),
    stage: 'sample',
    outcome: { kind: 'skipped', because: key('a:schema') },
  });
  log({
    kind: 'summary',
    summary: {
      counts: {
        fresh: 4,
        built: 1,
        'would-build': 0,
        'failed-llm': 0,
        'failed-validation': 0,
        'failed-check': 1,
        'failed-error': 0,
        'failed-inputs': 0,
        'internal-error': 0,
        skipped: 1,
        cancelled: 0,
      },
      failed: 1,
      wallMs: 2500,
      usageByStage: new Map([
        [
          'schema',
          {
            promptTokens: 1000,
            completionTokens: 234,
            requests: 1,
            cachedRequests: 1,
            cachedPromptTokens: 0,
            cachedCompletionTokens: 0,
            failedRequests: 0,
          },
        ],
      ]),
      tokensEstimated: false,
      frozenViolations: [],
      lockWritten: true,
      checks: { instances: [], summaries: new Map() },
    },
  });
  assert.equal(lines, [
    '✗ failed check a:schema: 3 of 12 tables failed\n    attempts logged in artifacts/a/logs/schema.json',
    '- skipped a:sample (needs a:schema, which failed)',
    'awm: built 1, fresh 4, failed 1, skipped 1 in 2.5s',
    'awm: LLM tokens 1,234 (schema 1,234, 1/2 requests from cache)',
  ]);
});

Loggers.run();
