// Remembers, per input key (code, templates, params, model, input hashes), the hashes of the
// requests a stage renders. Rendering is deterministic in those, so a no-op build need not read
// any input or render any prompt. Local state (.awm/state), never in awm.lock: a template edit
// that renders the same requests must leave the lock untouched.
import type { RequestHash } from '../util/brand.js';

type PromptHashes = Readonly<Record<string, RequestHash>>;

const MAX_ENTRIES = 200_000;

export class RenderMemo {
  private readonly entries: Map<string, PromptHashes>;
  private readonly touched = new Set<string>();
  private dirty = false;

  constructor(saved: unknown) {
    this.entries = new Map(
      typeof saved === 'object' && saved !== null ? Object.entries(saved as Record<string, PromptHashes>) : [],
    );
  }

  get(inputKey: string): PromptHashes | undefined {
    const value = this.entries.get(inputKey);
    if (value) this.touched.add(inputKey);
    return value;
  }

  set(inputKey: string, prompts: PromptHashes): void {
    this.entries.set(inputKey, prompts);
    this.touched.add(inputKey);
    this.dirty = true;
  }

  /** What to persist (untouched entries dropped first when over the cap), or null if unchanged. */
  takeSnapshot(): Record<string, PromptHashes> | null {
    if (!this.dirty) return null;
    this.dirty = false;
    if (this.entries.size > MAX_ENTRIES) {
      for (const key of this.entries.keys()) if (!this.touched.has(key)) this.entries.delete(key);
    }
    return Object.fromEntries(this.entries);
  }
}
