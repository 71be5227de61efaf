// The build's memory: awm.lock (committed) plus local state under .awm/state (stat cache, render
// memo, lock journal). Each built instance's entry is appended to the journal right after its
// outputs are in place; the journal is folded into awm.lock now and then and at the end, so a
// build killed at any point loses no finished instance.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseHasher } from './content-hasher.js';
import { ContentHasher } from './content-hasher.js';
import type { LockEntry } from './lock-file.js';
import { parseLock, serializeEntry, serializeLock } from './lock-file.js';
import { RenderMemo } from './render-memo.js';
import type { Result } from '../util/result.js';
import { ok } from '../util/result.js';

export const LOCK_FILE = 'awm.lock';
export const STATE_DIR = '.awm/state';

export class ProjectState {
  private journalSize = 0;
  /** Whether entries differ from awm.lock on disk (skips serializing 7,000 lines on a no-op). */
  private lockDirty = false;

  private constructor(
    readonly root: string,
    /** awm.lock as committed (before this build). */
    readonly committedLock: ReadonlyMap<string, LockEntry>,
    /** awm.lock + journal: what the lock says now. */
    readonly entries: Map<string, LockEntry>,
    readonly hasher: ContentHasher,
    readonly memo: RenderMemo,
  ) {}

  static open(root: string, hashDatabase: DatabaseHasher): Result<ProjectState, string> {
    const lockPath = join(root, LOCK_FILE);
    const committed = existsSync(lockPath) ? parseLock(readFileSync(lockPath, 'utf8'), LOCK_FILE) : ok(new Map<string, LockEntry>());
    if (!committed.ok) return committed;
    const entries = new Map(committed.value);
    const journal = readIfExists(join(root, STATE_DIR, 'lock-journal.jsonl'));
    if (journal) {
      // A half-written last line (killed mid-append) is ignored: that instance simply rebuilds.
      const replay = parseLock(journal.split('\n').filter(isCompleteJson).join('\n'), 'lock-journal');
      if (replay.ok) for (const [key, entry] of replay.value) entries.set(key, entry);
    }
    const hasher = new ContentHasher(root, readJson(join(root, STATE_DIR, 'hashes.json')), hashDatabase);
    const memo = new RenderMemo(readJson(join(root, STATE_DIR, 'render-memo.json')));
    const state = new ProjectState(root, committed.value, entries, hasher, memo);
    state.journalSize = journal ? 1 : 0;
    state.lockDirty = journal !== null;
    return ok(state);
  }

  /** Records a built instance: journal first (durable), then memory. */
  record(entry: LockEntry, durable: boolean): void {
    this.lockDirty = true;
    if (durable) {
      mkdirSync(join(this.root, STATE_DIR), { recursive: true });
      appendFileSync(join(this.root, STATE_DIR, 'lock-journal.jsonl'), `${serializeEntry(entry)}\n`);
      this.journalSize += 1;
    }
    this.entries.set(entry.instance, entry);
  }

  remove(instance: string): void {
    if (this.entries.delete(instance)) this.lockDirty = true;
  }

  /** Whether awm.lock on disk would change if written now. */
  lockText(): string {
    return serializeLock(this.entries);
  }

  /** Writes awm.lock (temp then rename) and clears the journal it now contains. */
  flushLock(): boolean {
    if (!this.lockDirty && this.journalSize === 0) return false;
    this.lockDirty = false;
    const text = this.lockText();
    const path = join(this.root, LOCK_FILE);
    const changed = readIfExists(path) !== text;
    if (changed) atomicWrite(path, text);
    if (this.journalSize > 0) {
      rmSync(join(this.root, STATE_DIR, 'lock-journal.jsonl'), { force: true });
      this.journalSize = 0;
    }
    return changed;
  }

  /** Persists the stat cache and render memo if they changed. */
  saveCaches(): void {
    const hashes = this.hasher.takeSnapshot();
    if (hashes) atomicWrite(join(this.root, STATE_DIR, 'hashes.json'), JSON.stringify(hashes));
    const memo = this.memo.takeSnapshot();
    if (memo) atomicWrite(join(this.root, STATE_DIR, 'render-memo.json'), JSON.stringify(memo));
  }
}

export function atomicWrite(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
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

