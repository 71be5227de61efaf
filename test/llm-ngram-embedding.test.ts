import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ngramEmbedding } from '../src/llm/ngram-embedder.js';
import { cosineSimilarity } from '../src/util/cosine-similarity.js';

test('near-duplicate names are more similar than unrelated ones', () => {
  const bookstore = ngramEmbedding('Online Bookstore');
  const nearDuplicate = ngramEmbedding('Online Book Store');
  const unrelated = ngramEmbedding('Veterinary Clinic Scheduling');
  const near = cosineSimilarity(bookstore, nearDuplicate);
  const far = cosineSimilarity(bookstore, unrelated);
  assert.ok(near > 0.75, `near-duplicates scored ${near}`);
  assert.ok(far < 0.3, `unrelated names scored ${far}`);
});

test('vectors are unit length, deterministic, and ignore case and accents', () => {
  const vector = ngramEmbedding('Café Reservations');
  assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-9);
  assert.equal(vector, ngramEmbedding('cafe reservations'));
});

test('text without letters or digits gives the zero vector, similar to nothing', () => {
  const zero = ngramEmbedding('  --  ');
  assert.ok(zero.every((value) => value === 0));
  assert.is(cosineSimilarity(zero, ngramEmbedding('anything')), 0);
});

test.run();
