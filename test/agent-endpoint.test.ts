// Which endpoint `awm agent` talks to, and what of it trajectory.json may show.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { displayedUrl, resolveAgentEndpoint } from '../src/agent/agent-endpoint.js';

test('--api-url wins over the environment and takes OPENAI_API_KEY; without a key a placeholder is sent', () => {
  const env = { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
  assert.equal(resolveAgentEndpoint(env, 'http://127.0.0.1:8000/v1/'), {
    ok: true,
    value: { kind: 'openai', apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:8000/v1' },
  });
  assert.equal(resolveAgentEndpoint({}, 'http://127.0.0.1:8000/v1'), {
    ok: true,
    value: { kind: 'openai', apiKey: 'no-key-set', baseUrl: 'http://127.0.0.1:8000/v1' },
  });
  assert.equal(resolveAgentEndpoint(env, undefined), {
    ok: true,
    value: { kind: 'openai', apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:1/v1' },
  });
  const bad = resolveAgentEndpoint({}, 'ftp://host/v1');
  assert.is(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /^--api-url must be an http\(s\) URL/);
});

test('no LLM configured: an error that names the variables, --api-url and --policy reference', () => {
  const none = resolveAgentEndpoint({}, undefined);
  assert.is(none.ok, false);
  assert.match(none.ok ? '' : none.error, /OPENAI_API_KEY.*or pass --api-url; or .* --policy reference$/);
});

test('the URL trajectory.json records has no user, password or query', () => {
  const url = displayedUrl({ kind: 'openai', apiKey: 'k', baseUrl: 'https://me:secret@llm.example/v1?key=abc' });
  assert.is(url, 'https://llm.example/v1');
  assert.is(
    displayedUrl({ kind: 'azure', apiKey: 'k', endpoint: 'https://res.openai.azure.com', apiVersion: '2024-10-21' }),
    'https://res.openai.azure.com',
  );
});

test.run();
