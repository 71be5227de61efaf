// Keeps the generated scenario list diverse, as the reference does: a candidate is refused when
// its normalized name is taken, when its embedding is very close to a kept scenario's (cosine
// above `reject`), or when it is close-ish (above `borderline`) and its category is already full.
// When generation stalls, `relax` loosens both limits a little, as the reference's stall handling.
import { cosineSimilarity } from '../util/cosine-similarity.js';

export interface DedupThresholds {
  /** Cosine similarity above which a candidate is a duplicate (reference: 0.85). */
  readonly reject: number;
  /** Above this a candidate is borderline and refused when its category is full (reference: 0.75). */
  readonly borderline: number;
  /** Scenarios per category before borderline candidates in it are refused (reference: 80). */
  readonly categoryCap: number;
}

export interface PoolEntry {
  readonly id: string;
  readonly name: string;
  readonly category: string;
}

export type DedupDecision =
  | { readonly keep: true; readonly similarity: number; readonly closest: string | null }
  | { readonly keep: false; readonly reason: string };

export class ScenarioPool {
  #thresholds: DedupThresholds;
  readonly #takenIds = new Map<string, string>();
  readonly #entries: { readonly entry: PoolEntry; readonly vector: readonly number[] }[] = [];
  readonly #categoryCounts = new Map<string, number>();

  constructor(thresholds: DedupThresholds) {
    this.#thresholds = thresholds;
  }

  get thresholds(): DedupThresholds {
    return this.#thresholds;
  }

  /** Names that may not be generated again (e.g. the seed platforms), without joining the similarity pool. */
  reserve(id: string, name: string): void {
    this.#takenIds.set(id, name);
  }

  add(entry: PoolEntry, vector: readonly number[]): void {
    this.#takenIds.set(entry.id, entry.name);
    this.#entries.push({ entry, vector });
    this.#categoryCounts.set(entry.category, (this.#categoryCounts.get(entry.category) ?? 0) + 1);
  }

  decide(candidate: PoolEntry, vector: readonly number[]): DedupDecision {
    const taken = this.#takenIds.get(candidate.id);
    if (taken !== undefined) return { keep: false, reason: `same name as "${taken}"` };
    const { similarity, closest } = this.#closest(vector);
    const shown = similarity.toFixed(3);
    if (similarity > this.#thresholds.reject)
      return { keep: false, reason: `too similar to "${closest}" (cosine ${shown})` };
    const inCategory = this.#categoryCounts.get(candidate.category) ?? 0;
    if (similarity > this.#thresholds.borderline && inCategory >= this.#thresholds.categoryCap) {
      return {
        keep: false,
        reason: `close to "${closest}" (cosine ${shown}) and category "${candidate.category}" already has ${inCategory}`,
      };
    }
    return { keep: true, similarity, closest };
  }

  /** After a stall: the duplicate limit rises by 0.05 (to at most 0.95) and the category cap by 20%. */
  relax(): void {
    const { reject, borderline, categoryCap } = this.#thresholds;
    this.#thresholds = {
      reject: Math.min(0.95, reject + 0.05),
      borderline,
      categoryCap: Math.floor(categoryCap * 1.2),
    };
  }

  #closest(vector: readonly number[]): { similarity: number; closest: string | null } {
    let best = { similarity: 0, closest: null as string | null };
    for (const { entry, vector: other } of this.#entries) {
      const similarity = cosineSimilarity(vector, other);
      if (similarity > best.similarity) best = { similarity, closest: entry.name };
    }
    return best;
  }
}
