import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveLlmEnvironment, type Env, type LlmEnvironment } from '../src/llm/environment.js';

function resolved(env: Env): LlmEnvironment {
  const result = resolveLlmEnvironment(env);
  if (!result.ok) throw new Error(`expected a valid environment, got: ${result.error.join(' | ')}`);
  return result.value;
}

function problems(env: Env): readonly string[] {
  const result = resolveLlmEnvironment(env);
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

test('nothing set: the offline demo provider and offline embeddings', () => {
  assert.equal(resolved({ PATH: '/bin' }), {
    chat: { kind: 'demo' },
    embedding: null,
    embeddingModel: 'text-embedding-3-small',
    overrideModel: null,
  });
});

test('blank variables count as unset', () => {
  assert.equal(resolved({ OPENAI_API_KEY: '  ', AWM_SYN_LLM_PROVIDER: '' }).chat, { kind: 'demo' });
});

test('OPENAI_API_KEY alone: OpenAI itself, which also serves the embeddings', () => {
  const environment = resolved({
    OPENAI_API_KEY: 'sk-1',
    AWM_SYN_OVERRIDE_MODEL: 'gpt-5',
    EMBEDDING_MODEL: 'text-embedding-3-large',
  });
  assert.equal(environment.chat, { kind: 'openai', apiKey: 'sk-1', baseUrl: 'https://api.openai.com/v1' });
  assert.equal(environment.embedding, {
    apiKey: 'sk-1',
    baseUrl: 'https://api.openai.com/v1',
    keyVariable: 'OPENAI_API_KEY',
  });
  assert.is(environment.overrideModel, 'gpt-5');
  assert.is(environment.embeddingModel, 'text-embedding-3-large');
});

test('OPENAI_BASE_URL alone: a keyless local server, with offline embeddings', () => {
  const environment = resolved({ OPENAI_BASE_URL: 'http://localhost:8000/v1/' });
  assert.equal(environment.chat, { kind: 'openai', apiKey: 'no-key-set', baseUrl: 'http://localhost:8000/v1' });
  assert.is(environment.embedding, null);
});

test('EMBEDDING_OPENAI_* name their own endpoint', () => {
  const environment = resolved({
    OPENAI_BASE_URL: 'http://localhost:8000/v1',
    EMBEDDING_OPENAI_BASE_URL: 'http://localhost:9000/v1',
  });
  assert.equal(environment.embedding, {
    apiKey: 'no-key-set',
    baseUrl: 'http://localhost:9000/v1',
    keyVariable: 'EMBEDDING_OPENAI_API_KEY',
  });
});

test('Azure from its variables; a URL pasted from the portal gives the resource and API version', () => {
  const environment = resolved({
    AZURE_ENDPOINT_URL:
      'https://res.openai.azure.com/openai/deployments/gpt-4.1/chat/completions?api-version=2025-01-01-preview',
    AZURE_OPENAI_API_KEY: 'az-1',
  });
  assert.equal(environment.chat, {
    kind: 'azure',
    endpoint: 'https://res.openai.azure.com',
    apiKey: 'az-1',
    apiVersion: '2025-01-01-preview',
  });
  assert.is(environment.embedding, null);
});

test('AWM_SYN_LLM_PROVIDER=azure with nothing else names both missing variables at once', () => {
  assert.equal(problems({ AWM_SYN_LLM_PROVIDER: 'azure' }), [
    'Azure OpenAI needs AZURE_ENDPOINT_URL (e.g. https://my-resource.openai.azure.com).',
    'Azure OpenAI needs AZURE_OPENAI_API_KEY (the key of that resource).',
  ]);
});

test('both providers configured without a choice is an error that says how to choose', () => {
  assert.equal(problems({ OPENAI_API_KEY: 'sk', AZURE_OPENAI_API_KEY: 'az' }), [
    'Both OpenAI (OPENAI_API_KEY / OPENAI_BASE_URL) and Azure (AZURE_ENDPOINT_URL / AZURE_OPENAI_API_KEY) variables are set; ' +
      'set AWM_SYN_LLM_PROVIDER=openai or AWM_SYN_LLM_PROVIDER=azure to choose one.',
  ]);
  assert.is(
    resolved({ OPENAI_API_KEY: 'sk', AZURE_OPENAI_API_KEY: 'az', AWM_SYN_LLM_PROVIDER: 'openai' }).chat.kind,
    'openai',
  );
});

test('an unknown provider and bad URLs are reported together', () => {
  assert.equal(problems({ AWM_SYN_LLM_PROVIDER: 'anthropic', EMBEDDING_OPENAI_BASE_URL: 'localhost:9000' }), [
    "AWM_SYN_LLM_PROVIDER must be 'openai' or 'azure', not 'anthropic'.",
    "EMBEDDING_OPENAI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1, not 'localhost:9000'.",
  ]);
  assert.equal(problems({ AWM_SYN_LLM_PROVIDER: 'openai' }), [
    'AWM_SYN_LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a server without keys).',
  ]);
});

test.run();
