// awm.lock: per stage instance, its fingerprint and the hashes of its outputs. One JSON object per
// line, sorted by instance key, no timestamps: it diffs line by line and merges cleanly in git
// (adding a scenario adds lines; no trailing-comma churn).
import { readFileSync } from 'node:fs';
import type { FileHash, FingerprintHash, InstanceKey } from '../util/brand.js';
import type { LockedParts } from './fingerprint.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import { canonicalJson } from '../util/canonical-json.js';

export const LOCK_FORMAT = 1;
const HEADER = {
  awm_lock: LOCK_FORMAT,
  about:
    'pinned fingerprints and output hashes of every stage instance; written by `awm build`, checked by `awm check`',
};

export interface LockEntry {
  readonly instance: InstanceKey;
  readonly fingerprint: FingerprintHash;
  /** Output name → content hash. */
  readonly outputs: Readonly<Record<string, FileHash>>;
  readonly parts: LockedParts;
  /** What the stage said its check found (StageRunResult's `summary`), when it said anything. */
  readonly summary?: string;
  /**
   * Where the outputs came from when no stage wrote them (`awm import`: the reference's file and
   * line). Such an entry is pinned to its outputs: fresh while they are as recorded, whatever the
   * stage's code, prompts, model or inputs; `build --force` (or an edited output) runs the stage.
   */
  readonly imported?: string;
}

export type LockEntries = ReadonlyMap<InstanceKey, LockEntry>;

export function parseLock(text: string, file: string): Result<Map<InstanceKey, LockEntry>, string> {
  const entries = new Map<InstanceKey, LockEntry>();
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return err(
        `${file}:${index + 1}: not a JSON line. The lock is written by \`awm build\`; if a merge broke it, take either side's line (or delete the line) and run \`awm build\`.`,
      );
    }
    if (index === 0 && isHeader(value)) {
      if (value.awm_lock !== LOCK_FORMAT)
        return err(
          `${file}:1: lock format ${String(value.awm_lock)} is not supported by this awm (expects ${LOCK_FORMAT}).`,
        );
      continue;
    }
    if (!isEntry(value))
      return err(
        `${file}:${index + 1}: not a lock entry (needs instance, fingerprint, outputs, parts). Delete the line and run \`awm build\` to recreate it.`,
      );
    entries.set(value.instance, value);
  }
  return ok(entries);
}

export function serializeLock(entries: LockEntries): string {
  const keys = [...entries.keys()].sort();
  const lines = [JSON.stringify(HEADER)];
  for (const key of keys) {
    const entry = entries.get(key);
    if (entry) lines.push(serializeEntry(entry));
  }
  return `${lines.join('\n')}\n`;
}

/** One entry as its line; equal lines mean equal entries. */
export function serializeEntry(entry: LockEntry): string {
  // instance first so the file reads well; the rest canonical.
  const { instance, ...rest } = entry;
  return `{"instance":${JSON.stringify(instance)},${canonicalJson(rest).slice(1)}`;
}

function isHeader(value: unknown): value is { awm_lock: unknown } {
  return typeof value === 'object' && value !== null && 'awm_lock' in value;
}

function isEntry(value: unknown): value is LockEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.instance === 'string' &&
    typeof entry.fingerprint === 'string' &&
    typeof entry.outputs === 'object' &&
    entry.outputs !== null &&
    typeof entry.parts === 'object' &&
    entry.parts !== null &&
    (entry.summary === undefined || typeof entry.summary === 'string') &&
    (entry.imported === undefined || typeof entry.imported === 'string')
  );
}

const SUMMARY_LINE = /^\{"instance":("(?:[^"\\\n]|\\.)*"),.*"summary":("(?:[^"\\\n]|\\.)*")/gm;

/**
 * The summaries in the lock at `path`, by instance; empty when there is no lock. Only lines that
 * carry one are parsed, so `status` pays for them only in projects whose stages write them.
 */
export function lockSummaries(path: string): ReadonlyMap<string, string> {
  const summaries = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return summaries;
  }
  if (!text.includes('"summary":')) return summaries;
  // Lines are written by serializeEntry: the instance first, then canonical JSON, so the summary
  // is one JSON string literal; only those two literals are parsed, not the whole line.
  for (const match of text.matchAll(SUMMARY_LINE)) {
    try {
      summaries.set(JSON.parse(match[1]!) as string, JSON.parse(match[2]!) as string);
    } catch {
      // A damaged line is the full judgement's to report; a summary is only shown.
    }
  }
  return summaries;
}
