// The heartbeat: a request that hangs or waits to retry says so every interval (which request,
// how long, which try of how many, why); one answered in time, or waiting for a concurrency slot,
// says nothing. Through the real openai client against the mock server, with a 50 ms interval.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer, type MockLlmScript } from '../src/testing/mock-llm-server.js';
import type { LlmSettings } from '../src/config/types.js';
import type { LlmNotice, StructuredResult } from '../src/llm/types.js';
import { terminalLogger } from '../src/logging/terminal-logger.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

const GOOD = { tasks: ['Find the cheapest book.'] };
const INTERVAL_MS = 50;

type Waiting = Extract<LlmNotice, { code: 'llm-waiting' }>;

async function askWatched(
  script: MockLlmScript,
  settings: Partial<LlmSettings>,
  items: readonly string[] = ['classify'],
  intervalMs = INTERVAL_MS,
): Promise<{ results: StructuredResult<unknown>[]; beats: Waiting[]; words: string[] }> {
  const server = await startMockLlmServer(script);
  const folder = tempFolder();
  try {
    const { llm, rawNotices, notices } = llmForMock(server, folder.dir, { settings, heartbeatMs: intervalMs });
    const results = await Promise.all(
      items.map((item) =>
        llm.session('tasks', 'online_bookstore', {}).structured({
          item,
          messages: [{ role: 'user', content: item }],
          schema: TASKS_SCHEMA,
        }),
      ),
    );
    const count = rawNotices.length;
    await new Promise((resolve) => setTimeout(resolve, 4 * intervalMs));
    assert.is(rawNotices.length, count, 'no beat after the request ended');
    await llm.close();
    const beats = rawNotices.filter((notice): notice is Waiting => notice.code === 'llm-waiting');
    return { results, beats, words: notices.filter((line) => line.includes('still waiting')) };
  } finally {
    await server.close();
    folder.remove();
  }
}

test('a hanging request beats while it waits: which request, how long, which try of how many', async () => {
  const { results, beats, words } = await askWatched(
    { steps: [mockStep.hang(), mockStep.hang()], respond: () => mockStep.json(GOOD) },
    { timeoutMs: 400, retries: 2 },
  );
  assert.ok(results[0]!.ok);
  assert.ok(beats.length >= 8, `${beats.length} beats in two 400 ms hangs at 50 ms`);
  for (const beat of beats) {
    // A beat may also fall in the 1-5 ms pause after a timeout: then it says so.
    const waitingFor =
      beat.waitingFor.kind === 'answer'
        ? { ...beat.waitingFor, tryMs: 0 }
        : { ...beat.waitingFor, pauseMs: 0, leftMs: 0 };
    assert.equal(
      { ...beat, waitedMs: 0, waitingFor },
      {
        code: 'llm-waiting',
        request: 'chat',
        stage: 'tasks',
        scenario: 'online_bookstore',
        item: 'classify',
        attempt: 1,
        transportTry: beat.transportTry,
        transportTries: 3,
        waitedMs: 0,
        waitingFor:
          beat.waitingFor.kind === 'answer'
            ? { kind: 'answer', tryMs: 0, timeoutMs: 400 }
            : { kind: 'retry', after: 'timeout', pauseMs: 0, leftMs: 0 },
      },
    );
  }
  // The third try answers; on a loaded machine that may itself take a beat or two.
  assert.equal([...new Set(beats.map((beat) => beat.transportTry))].slice(0, 2), [1, 2], 'the first two tries hung');
  assert.ok(beats.every((beat) => beat.transportTry <= 2 || beat.waitingFor.kind === 'answer'));
  const waited = beats.map((beat) => beat.waitedMs);
  assert.equal(
    waited,
    [...waited].sort((left, right) => left - right),
  );
  assert.is(new Set(beats.map((beat) => JSON.stringify(beat))).size, beats.length, 'no two beats are the same notice');
  const second = beats.find((beat) => beat.transportTry === 2)!;
  assert.ok(second.waitedMs >= 400, 'the time waited counts from the first try');
  assert.match(
    words[0]!,
    /^LLM request \(stage "tasks", scenario online_bookstore, item classify, attempt 1\) still waiting after \d+ms: no answer yet on try 1 of 3 \(\d+ms of its 400ms timeout\)$/,
  );
});

test('a request waiting to retry after a 429 beats with the pause left and what failed', async () => {
  const { results, beats, words } = await askWatched(
    // 600 ms at 50 ms beats: 3 beats hold even on a loaded machine (300 ms once gave 2 there).
    { steps: [mockStep.rateLimited({ 'retry-after-ms': '600' }), mockStep.json(GOOD)] },
    { retries: 2 },
  );
  assert.ok(results[0]!.ok);
  // On a loaded machine the second try itself may take longer than a beat: those beats wait for
  // its answer (try 2) and are not about the pause.
  const pausing = beats.filter((beat) => beat.waitingFor.kind === 'retry');
  assert.ok(
    beats.every((beat) => beat.waitingFor.kind === 'retry' || beat.transportTry === 2),
    JSON.stringify(beats),
  );
  assert.ok(pausing.length >= 3, `${pausing.length} beats in a 600 ms pause at 50 ms`);
  for (const beat of pausing) {
    assert.is(beat.transportTry, 1);
    assert.equal({ ...beat.waitingFor, leftMs: 0 }, { kind: 'retry', after: 'rate-limit', pauseMs: 600, leftMs: 0 });
  }
  const left = pausing.map((beat) => (beat.waitingFor.kind === 'retry' ? beat.waitingFor.leftMs : -1));
  assert.ok(left[0]! > left[left.length - 1]!, 'the pause left shrinks');
  assert.match(words[0]!, /still waiting after \d+ms: try 1 of 3 failed \(rate limit, 429\); the next try in \d+ms$/);
});

test('a request answered within the interval, or queued behind a slow one, says nothing', async () => {
  // A wider interval than the others': the queued request, once sent, must be answered within it
  // even on a loaded machine; the slow one waits six intervals.
  const { results, beats } = await askWatched(
    {
      respond: (request) =>
        request.text === 'slow' ? mockStep.answer(JSON.stringify(GOOD), { delayMs: 1_500 }) : mockStep.json(GOOD),
    },
    { concurrency: 1 },
    ['slow', 'queued'],
    250,
  );
  assert.ok(results.every((result) => result.ok));
  assert.ok(beats.length >= 3);
  assert.equal([...new Set(beats.map((beat) => beat.item))], ['slow'], 'the queued request never beat');
});

test('the terminal logger prints a heartbeat as a notice line', () => {
  let screen = '';
  const log = terminalLogger({ write: (text) => (screen += text) });
  log({
    kind: 'notice',
    notice: {
      code: 'llm-waiting',
      request: 'embedding',
      stage: 'scenarios',
      scenario: null,
      item: 'embed-12',
      attempt: 1,
      transportTry: 2,
      transportTries: 6,
      waitedMs: 75_000,
      waitingFor: { kind: 'retry', after: 'server', pauseMs: 30_000, leftMs: 15_000 },
    },
  });
  assert.is(
    screen.replace(/\x1b\[[0-9]*[AJ]/g, ''),
    'awm: embedding request (stage "scenarios", item embed-12) still waiting after 75.0s: try 2 of 6 failed (server error); the next try in 15.0s\n',
  );
});

test.run();
