// The offline demo provider: answers by tag from recorded files, says so loudly, fails clearly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlm } from '../src/llm/create-llm.js';
import { recordedAnswerPath } from '../src/llm/demo-provider.js';
import type { Llm } from '../src/llm/types.js';
import { TASKS_SCHEMA, tempFolder, testSettings } from './support/mock-llm-fixture.js';
import { describeNotice } from '../src/logging/describe.js';

const FOLDER = 'demo/recorded-responses';

function demoProject(files: Record<string, string>): { llm: Llm; notices: string[]; remove(): void } {
  const folder = tempFolder();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder.dir, FOLDER, path, '..'), { recursive: true });
    writeFileSync(join(folder.dir, FOLDER, path), text);
  }
  const notices: string[] = [];
  // PATH only: no LLM variables, so the demo provider is chosen.
  const llm = createLlm({
    settings: testSettings(),
    env: { PATH: '/usr/bin' },
    root: folder.dir,
    onNotice: (notice) => notices.push(describeNotice(notice)),
  });
  return { llm, notices, remove: folder.remove };
}

test('the demo provider announces itself first and answers by stage and scenario', async () => {
  const project = demoProject({ 'online_bookstore/tasks.json': '{"tasks": ["Find a book."]}\n' });
  try {
    assert.is(project.llm.providerName, 'demo');
    assert.equal(project.notices, [
      'offline demo provider: no LLM is configured, so answers come from the recorded example responses in demo/recorded-responses ' +
        '(the bundled demo scenarios only). To use a real LLM, set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server ' +
        'such as vLLM or Ollama), or AWM_SYN_LLM_PROVIDER=azure with AZURE_ENDPOINT_URL and AZURE_OPENAI_API_KEY.',
    ]);
    const session = project.llm.session('tasks', 'online_bookstore', {});
    assert.is(session.model, 'awm-demo-recorded');
    const result = await session.structured({
      messages: [{ role: 'user', content: 'any prompt text at all' }],
      schema: TASKS_SCHEMA,
    });
    assert.ok(result.ok);
    if (result.ok) assert.equal(result.value, { tasks: ['Find a book.'] });
    // Real o200k counts: 3 to prime the reply + 3 for the message + "user" (1) + its 5 tokens; the answer is 9.
    assert.equal(session.usage(), { promptTokens: 12, completionTokens: 9 });
  } finally {
    project.remove();
  }
});

test('global stages and items map to _global/<stage>.<item>.json', async () => {
  assert.is(
    recordedAnswerPath(FOLDER, { stage: 'scenarios', scenario: null, item: 'generate-0' }),
    'demo/recorded-responses/_global/scenarios.generate-0.json',
  );
  const project = demoProject({ '_global/scenarios.classify.json': '{"tasks": ["classified"]}' });
  try {
    const result = await project.llm
      .session('scenarios', null, {})
      .structured({ item: 'classify', messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA });
    assert.ok(result.ok);
  } finally {
    project.remove();
  }
});

test('every attempt gets the same recorded text', async () => {
  const project = demoProject({ 'shop/tasks.json': '{"tasks": []}' });
  try {
    const result = await project.llm
      .session('tasks', 'shop', {})
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA, maxAttempts: 3 });
    if (result.ok) throw new Error('expected failure: the recorded answer breaks minItems');
    assert.is(result.failure, 'validation');
    assert.equal(
      result.attempts.map((attempt) => attempt.answer),
      ['{"tasks": []}', '{"tasks": []}', '{"tasks": []}'],
    );
  } finally {
    project.remove();
  }
});

test('a request with no recorded answer names the missing file and how to configure a real LLM', async () => {
  const project = demoProject({});
  try {
    const result = await project.llm
      .session('tasks', 'pet_grooming', {})
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA });
    if (result.ok) throw new Error('expected failure');
    assert.is(result.failure, 'llm');
    assert.is(
      result.message,
      "the offline demo provider has no recorded answer for stage 'tasks' of scenario 'pet_grooming': " +
        'demo/recorded-responses/pet_grooming/tasks.json does not exist. It only knows the bundled demo scenarios; ' +
        'to synthesize others, configure a real LLM: set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server ' +
        'such as vLLM or Ollama), or AWM_SYN_LLM_PROVIDER=azure with AZURE_ENDPOINT_URL and AZURE_OPENAI_API_KEY.',
    );
    assert.is(result.attempts[0]!.errors[0]!.startsWith('no-recorded-answer: '), true);
  } finally {
    project.remove();
  }
});

test('a tag that would climb out of the folder is refused', async () => {
  const project = demoProject({});
  try {
    const result = await project.llm
      .session('tasks', '..', {})
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: TASKS_SCHEMA });
    if (result.ok) throw new Error('expected failure');
    assert.match(result.message, /is not a usable file name/);
  } finally {
    project.remove();
  }
});

test('demo embeddings are the offline n-gram vectors, announced once', async () => {
  const project = demoProject({});
  try {
    const session = project.llm.session('scenarios', null, {});
    assert.is(session.embeddingModel, 'awm-ngram-hash-v1');
    const first = await session.embed(['Online Bookstore', 'Online Book Store']);
    await session.embed(['Pet Grooming']);
    assert.ok(first.ok);
    if (first.ok) assert.is(first.value.length, 2);
    assert.is(project.notices.filter((notice) => notice.startsWith('embeddings: no embedding endpoint')).length, 1);
  } finally {
    project.remove();
  }
});

test.run();
