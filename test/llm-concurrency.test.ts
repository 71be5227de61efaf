import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

test('never more requests in flight than llm.concurrency', async () => {
  // Each answer is held back a little so that requests overlap and the bound is what limits them.
  const server = await startMockLlmServer({ respond: () => mockStep.answer('{"tasks": ["a"]}', { delayMs: 20 }) });
  const folder = tempFolder();
  try {
    const { llm } = llmForMock(server, folder.dir, { settings: { concurrency: 3 } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        llm
          .session('tasks', `scenario_${index}`, {})
          .structured({ messages: [{ role: 'user', content: `tasks for ${index}` }], schema: TASKS_SCHEMA }),
      ),
    );
    assert.ok(results.every((result) => result.ok));
    assert.is(server.chatRequests.length, 20);
    assert.is(server.maxInFlight, 3);
    assert.is(llm.usageByStage().get('tasks')?.requests, 20);
  } finally {
    await server.close();
    folder.remove();
  }
});

test.run();
