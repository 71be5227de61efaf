// StageInputs over the files an instance declared: parsed JSON (or the one row it selects), raw
// text, or the path. Parsed files are shared between instances through a small cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedInput } from './instance-plan.js';
import type { StageInputs } from '../stage-api/stage.js';

/** Parsed JSON by path, shared by every instance of one build (many stages read one file). */
export class JsonFileCache {
  private readonly parsed = new Map<string, unknown>();
  constructor(private readonly root: string, private readonly limit = 512) {}

  read(path: string): unknown {
    if (this.parsed.has(path)) return this.parsed.get(path);
    const value: unknown = JSON.parse(readFileSync(join(this.root, path), 'utf8'));
    if (this.parsed.size >= this.limit) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(path, value);
    return value;
  }

  /** Drop a path after it was rewritten. */
  forget(path: string): void {
    this.parsed.delete(path);
  }
}

export function createInputReader(root: string, inputs: readonly ResolvedInput[], cache: JsonFileCache): StageInputs {
  const byName = new Map(inputs.map((input) => [input.name, input]));
  const find = (name: string): ResolvedInput => {
    const input = byName.get(name);
    if (!input) throw new Error(`stage asked for input "${name}", which it does not declare in awm.pipeline.yaml (declared: ${[...byName.keys()].join(', ') || 'none'})`);
    return input;
  };
  return {
    json<T>(name: string): T {
      const input = find(name);
      const value = cache.read(input.path);
      if (input.kind === 'output' && input.row !== null) return selectRow(value, input.row, input.path) as T;
      return value as T;
    },
    text(name: string): string {
      return readFileSync(join(root, find(name).path), 'utf8');
    },
    path(name: string): string {
      return join(root, find(name).path);
    },
  };
}

function selectRow(value: unknown, id: string, path: string): unknown {
  const row = Array.isArray(value) ? value.find((item) => (item as { id?: unknown } | null)?.id === id) : undefined;
  if (row === undefined) throw new Error(`${path} has no row with id "${id}"`);
  return row;
}
