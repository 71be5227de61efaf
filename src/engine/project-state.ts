// The build's memory: awm.lock (committed) plus the local state under .awm/state, which this class
// alone reads and writes: the stat cache of content hashes, the render memo, the validation memo
// and the lock journal. Each built instance's entry is appended to the journal right after its
// outputs are in place; the journal is folded into awm.lock now and then and at the end, so a
// build killed at any point loses no finished instance.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationMemo } from '../config/validation-memo.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import type { InstanceKey } from '../util/brand.js';
import type { Result } from '../util/result.js';
import { ok } from '../util/result.js';
import { ContentHasher } from './content-hasher.js';
import type { LockEntry } from './lock-file.js';
import { parseLock, serializeEntry, serializeLock } from './lock-file.js';
import { RenderMemo } from './render-memo.js';

export const LOCK_FILE = 'awm.lock';
export const STATE_DIR = '.awm/state';

const FILES = {
  hashes: 'hashes.json',
  renderMemo: 'render-memo.json',
  validated: 'validated.json',
  journal: 'lock-journal.jsonl',
} as const;

/** The validation memo, read before the pipeline loads (it decides whether ajv is needed at all). */
export function readValidationMemo(root: string): ValidationMemo {
  return new ValidationMemo(readJson(join(root, STATE_DIR, FILES.validated)));
}

export class ProjectState {
  /** Whether the journal holds entries not yet folded into awm.lock. */
  private journalPending = false;
  /** Whether entries differ from awm.lock on disk (skips serializing 7,000 lines on a no-op). */
  private lockDirty = false;

  private constructor(
    readonly root: string,
    /** awm.lock as committed (before this build). */
    readonly committedLock: ReadonlyMap<InstanceKey, LockEntry>,
    /** awm.lock + journal: what the lock says now. */
    readonly entries: Map<InstanceKey, LockEntry>,
    readonly hasher: ContentHasher,
    readonly memo: RenderMemo,
    private readonly validated: ValidationMemo,
  ) {}

  static open(root: string, validated: ValidationMemo): Result<ProjectState, string> {
    const lockPath = join(root, LOCK_FILE);
    const committed = existsSync(lockPath)
      ? parseLock(readFileSync(lockPath, 'utf8'), LOCK_FILE)
      : ok(new Map<InstanceKey, LockEntry>());
    if (!committed.ok) return committed;
    const entries = new Map(committed.value);
    const journal = readIfExists(join(root, STATE_DIR, FILES.journal));
    if (journal) {
      // A half-written last line (killed mid-append) is ignored: that instance simply rebuilds.
      const replay = parseLock(journal.split('\n').filter(isCompleteJson).join('\n'), 'lock-journal');
      if (replay.ok) for (const [key, entry] of replay.value) entries.set(key, entry);
    }
    const hasher = new ContentHasher(root, readJson(join(root, STATE_DIR, FILES.hashes)));
    const memo = new RenderMemo(readJson(join(root, STATE_DIR, FILES.renderMemo)));
    const state = new ProjectState(root, committed.value, entries, hasher, memo, validated);
    state.journalPending = journal !== null;
    state.lockDirty = journal !== null;
    return ok(state);
  }

  /** Records a built instance: journal first (durable), then memory. */
  record(entry: LockEntry, durable: boolean): void {
    this.lockDirty = true;
    if (durable) {
      mkdirSync(join(this.root, STATE_DIR), { recursive: true });
      appendFileSync(join(this.root, STATE_DIR, FILES.journal), `${serializeEntry(entry)}\n`);
      this.journalPending = true;
    }
    this.entries.set(entry.instance, entry);
  }

  remove(instance: InstanceKey): void {
    if (this.entries.delete(instance)) this.lockDirty = true;
  }

  /** The text awm.lock would have if written now. */
  lockText(): string {
    return serializeLock(this.entries);
  }

  /** Writes awm.lock (temp then rename) and clears the journal it now contains; true if the file changed. */
  flushLock(): boolean {
    if (!this.lockDirty && !this.journalPending) return false;
    this.lockDirty = false;
    const text = this.lockText();
    const path = join(this.root, LOCK_FILE);
    const changed = readIfExists(path) !== text;
    if (changed) atomicWriteFile(path, text);
    if (this.journalPending) {
      rmSync(join(this.root, STATE_DIR, FILES.journal), { force: true });
      this.journalPending = false;
    }
    return changed;
  }

  /** Persists the stat cache and the render and validation memos, each only if it changed. */
  saveCaches(): void {
    const snapshots: [string, object | null][] = [
      [FILES.hashes, this.hasher.takeSnapshot()],
      [FILES.renderMemo, this.memo.takeSnapshot()],
      [FILES.validated, this.validated.takeSnapshot()],
    ];
    for (const [file, snapshot] of snapshots)
      if (snapshot) atomicWriteFile(join(this.root, STATE_DIR, file), JSON.stringify(snapshot));
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readJson(path: string): unknown {
  const text = readIfExists(path);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null; // a damaged cache is only a cache
  }
}

function isCompleteJson(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
