import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { llmForMock, tempFolder } from './support/mock-llm-fixture.js';

test('embeddings go to the EMBEDDING_OPENAI_* endpoint with EMBEDDING_MODEL, in input order', async () => {
  const server = await startMockLlmServer({ embed: (texts) => texts.map((text) => [text.length, 1]) });
  const folder = tempFolder();
  try {
    const env = {
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      EMBEDDING_OPENAI_BASE_URL: server.url,
      EMBEDDING_OPENAI_API_KEY: 'emb-key',
      EMBEDDING_MODEL: 'embed-small',
    };
    const { llm, notices } = llmForMock(server, folder.dir, { env });
    const session = llm.session('scenarios', null, {});
    assert.is(session.embeddingModel, 'embed-small');
    const result = await session.embed(['a', 'bbb']);
    assert.equal(result, {
      ok: true,
      value: [
        [1, 1],
        [3, 1],
      ],
    });
    const request = server.requests[0]!;
    assert.is(request.path, '/v1/embeddings');
    assert.is(request.headers['authorization'], 'Bearer emb-key');
    assert.equal(request.body, { model: 'embed-small', input: ['a', 'bbb'], encoding_format: 'float' });
    assert.equal(notices, []);
    assert.is(llm.usageByStage().get('scenarios')?.requests, 1);
  } finally {
    await server.close();
    folder.remove();
  }
});

test('a custom chat server without an embedding endpoint falls back to n-gram vectors and says so', async () => {
  const server = await startMockLlmServer();
  const folder = tempFolder();
  try {
    const { llm, notices } = llmForMock(server, folder.dir);
    const result = await llm.session('scenarios', null, {}).embed(['Online Bookstore']);
    assert.ok(result.ok);
    assert.is(server.requests.length, 0);
    assert.is(notices.length, 1);
    assert.match(
      notices[0]!,
      /^embeddings: no embedding endpoint is configured, so similarity uses offline character n-gram vectors/,
    );
  } finally {
    await server.close();
    folder.remove();
  }
});

test.run();
