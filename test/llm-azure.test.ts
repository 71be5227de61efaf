import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { llmForMock, TASKS_SCHEMA, tempFolder } from './support/mock-llm-fixture.js';

test('Azure sends to the deployment path with the api-key header and api-version', async () => {
  const server = await startMockLlmServer({ steps: [mockStep.json({ tasks: ['a'] })] });
  const folder = tempFolder();
  try {
    const env = {
      AWM_SYN_LLM_PROVIDER: 'azure',
      AZURE_ENDPOINT_URL: server.origin,
      AZURE_OPENAI_API_KEY: 'az-key',
      OPENAI_BASE_URL: 'http://ignored',
    };
    const { llm } = llmForMock(server, folder.dir, { env });
    assert.is(llm.providerName, 'azure');
    const result = await llm
      .session('tasks', 'shop', {})
      .structured({ messages: [{ role: 'user', content: 'tasks' }], schema: TASKS_SCHEMA });
    assert.ok(result.ok);
    const request = server.chatRequests[0]!;
    assert.is(request.path, '/openai/deployments/gpt-test/chat/completions?api-version=2024-10-21');
    assert.is(request.headers['api-key'], 'az-key');
    assert.is(request.headers['authorization'], undefined);
  } finally {
    await server.close();
    folder.remove();
  }
});

test('an Azure 401 names AZURE_OPENAI_API_KEY and calls the model a deployment on 403', async () => {
  const server = await startMockLlmServer({
    steps: [mockStep.unauthorized(), { kind: 'status', status: 403, message: 'Principal does not have access.' }],
  });
  const folder = tempFolder();
  try {
    const env = { AZURE_ENDPOINT_URL: server.origin, AZURE_OPENAI_API_KEY: 'wrong' };
    const { llm } = llmForMock(server, folder.dir, { env });
    const ask = () =>
      llm
        .session('tasks', 'shop', {})
        .structured({ messages: [{ role: 'user', content: 'tasks' }], schema: TASKS_SCHEMA });
    const unauthorized = await ask();
    const forbidden = await ask();
    assert.is(server.chatRequests.length, 2);
    if (unauthorized.ok || forbidden.ok) throw new Error('expected failures');
    assert.match(
      unauthorized.message,
      /Check AZURE_OPENAI_API_KEY: it must hold a valid key for http:\/\/127\.0\.0\.1:\d+; it is never retried\.$/,
    );
    assert.match(forbidden.message, /with access to deployment 'gpt-test'/);
  } finally {
    await server.close();
    folder.remove();
  }
});

test.run();
