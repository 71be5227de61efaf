// Remembers which (JSON Schema, value) pairs passed validation, and the value with the schema's
// defaults applied. Validation is a pure function of the two, so a run whose pipeline file and
// params did not change neither loads nor compiles ajv (a third of a no-op build's start-up).
// Local state under .awm/state (read and written by the engine's ProjectState); losing it only
// costs time.
import { canonicalJson } from '../util/canonical-json.js';
import { sha256 } from '../util/hash.js';

export class ValidationMemo {
  private readonly entries: Map<string, unknown>;
  private readonly used = new Set<string>();
  private dirty = false;

  constructor(saved: unknown) {
    this.entries = new Map(typeof saved === 'object' && saved !== null ? Object.entries(saved) : []);
  }

  /** The key of one validation: the schema (as text or value) and the value checked. */
  static key(schema: string | object, value: unknown): string {
    return sha256(`${typeof schema === 'string' ? schema : canonicalJson(schema)}\u0000${canonicalJson(value)}`);
  }

  /** The validated value (defaults applied) if this pair passed before. */
  passed(key: string): { value: unknown } | null {
    if (!this.entries.has(key)) return null;
    this.used.add(key);
    return { value: this.entries.get(key) };
  }

  remember(key: string, validated: unknown): void {
    this.entries.set(key, validated);
    this.used.add(key);
    this.dirty = true;
  }

  /** What to persist (only what this run used: old pipeline versions are dropped), or null. */
  takeSnapshot(): Record<string, unknown> | null {
    if (!this.dirty) return null;
    this.dirty = false;
    return Object.fromEntries([...this.entries].filter(([key]) => this.used.has(key)));
  }
}
