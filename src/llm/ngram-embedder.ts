// Offline embeddings: character n-grams hashed into a fixed-size vector (the hashing trick), then
// normalized so cosine similarity is a dot product. They catch near-duplicate names ("Online
// Bookstore" vs "Online Book Store"), not synonyms; good enough for the demo and tests.
import { ok } from '../util/result.js';
import type { Embedder } from './embedder.js';

export const NGRAM_EMBEDDING_MODEL = 'awm-ngram-hash-v1';
const DIMENSIONS = 512;
const GRAM_SIZES = [2, 3, 4] as const;

/** A unit-length vector (all zeros for text with no letters or digits). */
export function ngramEmbedding(text: string, dimensions = DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (words === '') return vector;
  // Spaces at the ends mark word starts and ends, which carry more meaning than middles.
  const padded = ` ${words} `;
  for (const size of GRAM_SIZES) {
    for (let start = 0; start + size <= padded.length; start += 1) {
      const hash = fnv1a(padded.slice(start, start + size));
      // A sign bit from the hash keeps colliding grams from always adding up.
      vector[hash % dimensions]! += hash >>> 31 === 1 ? -1 : 1;
    }
  }
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((value) => value / length);
}

/** `announce` is called once, on first use, so the build can say that vectors are offline. */
export function createNgramEmbedder(announce: () => void): Embedder {
  let announced = false;
  return {
    model: NGRAM_EMBEDDING_MODEL,
    embed: async (texts) => {
      if (!announced) {
        announced = true;
        announce();
      }
      return ok({
        vectors: texts.map((text) => ngramEmbedding(text)),
        usage: { promptTokens: 0, completionTokens: 0 },
        requests: 0,
      });
    },
  };
}

/** 32-bit FNV-1a: tiny, fast and stable across platforms and Node versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
