// Token counts are real BPE counts of the model's encoding (o200k for today's OpenAI models and
// anything unknown, cl100k for gpt-4 and gpt-3.5), with OpenAI's per-message overhead; and the
// ranks are loaded only on demand (token-count.ts is the one importer, through import()).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { knownContextWindow } from '../src/llm/context-window.js';
import { countChatTokens, encodingFor, tokenCounterFor } from '../src/llm/token-count.js';
import { REPO_ROOT } from './support/cli-rig.js';

const MIXED = 'Привет, как дела? 你好世界';

test('known strings have their o200k counts', async () => {
  const counter = await tokenCounterFor('gpt-4.1');
  assert.is(counter.encoding, 'o200k_base');
  assert.is(counter.text('hello world'), 2);
  assert.is(counter.text('The quick brown fox jumps over the lazy dog.'), 10);
  // Where the encodings differ: o200k has far more non-Latin merges than cl100k.
  assert.is(counter.text(MIXED), 9);
  assert.is((await tokenCounterFor('gpt-4')).text(MIXED), 14);
});

test('counts agree with the package on a long, varied text', async () => {
  const text = readFileSync(join(REPO_ROOT, 'prompts', 'schema.md'), 'utf8').repeat(3) + MIXED;
  assert.is((await tokenCounterFor('gpt-5')).text(text), o200k(text));
  assert.is((await tokenCounterFor('gpt-3.5-turbo')).text(text), cl100k(text));
  assert.ok(o200k(text) > 1000);
});

test('each model family has its encoding; unknown models use o200k', () => {
  for (const model of [
    'gpt-4o',
    'gpt-4o-mini',
    'gpt-4.1-nano',
    'gpt-5-mini',
    'o1',
    'o3-mini',
    'o4-mini',
    'llama3.1:8b',
  ])
    assert.is(encodingFor(model), 'o200k_base', model);
  for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-4-0613', 'gpt-3.5-turbo', 'openai/gpt-3.5-turbo-0125'])
    assert.is(encodingFor(model), 'cl100k_base', model);
});

test('a chat prompt counts 3 tokens per message, its role and content, and 3 to prime the reply', async () => {
  const messages = [
    { role: 'system', content: 'You write tasks.' },
    { role: 'user', content: 'hello world' },
  ] as const;
  const expected = 3 + (3 + o200k('system') + o200k('You write tasks.')) + (3 + o200k('user') + 2);
  assert.is(await countChatTokens('gpt-4o', messages), expected);
  assert.is(expected, 17);
});

test('a prompt that quotes a special token is counted as text, not refused', async () => {
  const counter = await tokenCounterFor('gpt-4o');
  assert.is(counter.text('a <|endoftext|> b'), o200k('a <|endoftext|> b', { disallowedSpecial: new Set() }));
});

test('known context windows, dated snapshots included; others are unknown', () => {
  assert.is(knownContextWindow('gpt-4.1'), 1_047_576);
  assert.is(knownContextWindow('gpt-4.1-mini-2025-04-14'), 1_047_576);
  assert.is(knownContextWindow('gpt-4o-2024-08-06'), 128_000);
  assert.is(knownContextWindow('o3-mini'), 200_000);
  assert.is(knownContextWindow('gpt-5-nano'), 400_000);
  assert.is(knownContextWindow('gpt-4-turbo'), 128_000);
  assert.is(knownContextWindow('gpt-3.5-turbo'), 16_385);
  assert.is(knownContextWindow('gpt-4'), null);
  assert.is(knownContextWindow('my-azure-deployment'), null);
});

test('gpt-tokenizer is imported by token-count.ts alone, and only with import() (the no-op build never loads it)', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
    });
  const importers = [...files(join(REPO_ROOT, 'src')), ...files(join(REPO_ROOT, 'stages'))].flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return text.includes("'gpt-tokenizer") ? [relative(REPO_ROOT, file)] : [];
  });
  assert.equal(importers, ['src/llm/token-count.ts']);
  const source = readFileSync(join(REPO_ROOT, 'src/llm/token-count.ts'), 'utf8');
  assert.not.match(source, /^import[^(]*'gpt-tokenizer/m);
  assert.match(source, /await import\('gpt-tokenizer\/encoding\/o200k_base'\)/);
});

test.run();
