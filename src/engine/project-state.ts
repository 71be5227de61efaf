// The build's memory: awm.lock (committed) plus the local state under .awm/state, which this class
// alone reads and writes: the stat cache of content hashes, the render memo, the validation memo
// and the lock journal. Each built instance's entry is appended to the journal right after its
// outputs are in place; the journal is folded into awm.lock now and then and at the end, so a
// build killed at any point loses no finished instance.
import { appendFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { ValidationMemo } from '../config/validation-memo.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import type { InstanceKey } from '../util/brand.js';
import { withPath } from '../util/file-system-error.js';
import { isRecord } from '../util/is-record.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import { MUTEX_FILE } from './build-mutex.js';
import { ContentHasher } from './content-hasher.js';
import { LocalState, STATE_DIR } from './local-state.js';
import { TEMP_PREFIX } from './stage-context.js';
import type { LockEntry } from './lock-file.js';
import { parseLock, serializeEntry, serializeLock } from './lock-file.js';
import { RenderMemo } from './render-memo.js';

export const LOCK_FILE = 'awm.lock';
export { STATE_DIR } from './local-state.js';

/** The files under .awm/state. */
export const STATE_FILES = {
  hashes: 'hashes.json',
  renderMemo: 'render-memo.json',
  validated: 'validated.json',
  journal: 'lock-journal.jsonl',
  temps: 'temps.jsonl',
  /** The no-op proof, read and written by clean-stamp.ts. */
  clean: 'clean.json',
} as const;

/** The validation memo, read before the pipeline loads (it decides whether ajv is needed at all). */
export function readValidationMemo(local: LocalState): ValidationMemo {
  return new ValidationMemo(local.read(STATE_FILES.validated, isRecord));
}

/** Each entry of the stat cache as ContentHasher writes it. */
function looksLikeHashes(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return Object.values(value).every((entry) => {
    if (!isRecord(entry)) return false;
    const numbers = ['size', 'mtimeMs', 'ctimeMs', 'ino', 'hashedAt'].every(
      (field) => typeof entry[field] === 'number',
    );
    return numbers && typeof entry['hash'] === 'string' && (entry['rows'] === undefined || isRecord(entry['rows']));
  });
}

/** Input key → prompt name → request hash. */
function looksLikeRenderMemo(value: unknown): boolean {
  return (
    isRecord(value) &&
    Object.values(value).every(
      (prompts) => isRecord(prompts) && Object.values(prompts).every((hash) => typeof hash === 'string'),
    )
  );
}

export class ProjectState {
  /** Whether the journal holds entries not yet folded into awm.lock. */
  private journalPending = false;
  /** Whether entries differ from awm.lock on disk (skips serializing 7,000 lines on a no-op). */
  private lockDirty = false;
  /** Whether this run noted temp outputs (see trackTemps). */
  private tempsNoted = false;

  private constructor(
    readonly root: string,
    /** awm.lock as committed (before this build). */
    readonly committedLock: ReadonlyMap<InstanceKey, LockEntry>,
    /** awm.lock + journal: what the lock says now. */
    readonly entries: Map<InstanceKey, LockEntry>,
    readonly hasher: ContentHasher,
    readonly memo: RenderMemo,
    private readonly validated: ValidationMemo,
    /** The local state under .awm, and what of it had to be dropped. */
    readonly local: LocalState,
  ) {}

  static open(local: LocalState, validated: ValidationMemo): Result<ProjectState, string> {
    const root = local.root;
    const committed = readLockFile(root);
    if (!committed.ok) return committed;
    local.ensureFolders();
    // Read without LocalState, so a folder or a link in their place is cleared here.
    local.clearWayFor(MUTEX_FILE);
    local.clearWayFor(`${STATE_DIR}/${STATE_FILES.clean}`);
    const entries = new Map(committed.value);
    const journal = local.readText(STATE_FILES.journal);
    if (journal) {
      // A half-written last line (killed mid-append) is ignored: that instance simply rebuilds.
      const replay = parseLock(journal.split('\n').filter(isCompleteJson).join('\n'), 'lock-journal');
      if (replay.ok) for (const [key, entry] of replay.value) entries.set(key, entry);
    }
    const hasher = new ContentHasher(root, local.read(STATE_FILES.hashes, looksLikeHashes));
    const memo = new RenderMemo(local.read(STATE_FILES.renderMemo, looksLikeRenderMemo));
    const state = new ProjectState(root, committed.value, entries, hasher, memo, validated, local);
    state.journalPending = journal !== null;
    state.lockDirty = journal !== null;
    return ok(state);
  }

  /** Records a built instance: journal first (durable), then memory. */
  record(entry: LockEntry, durable: boolean): void {
    this.lockDirty = true;
    if (durable) {
      this.local.ensureFolders();
      const journal = join(this.root, STATE_DIR, STATE_FILES.journal);
      withPath(journal, () => appendFileSync(journal, `${serializeEntry(entry)}\n`));
      this.journalPending = true;
    }
    this.entries.set(entry.instance, entry);
  }

  /**
   * Notes temp outputs (absolute paths) before they are written: if the build is killed before
   * they are moved into place, the next build removes them. The note is dropped at the end.
   */
  trackTemps(paths: readonly string[]): void {
    this.local.ensureFolders();
    const note = join(this.root, STATE_DIR, STATE_FILES.temps);
    withPath(note, () => appendFileSync(note, `${JSON.stringify(paths.map((path) => relative(this.root, path)))}\n`));
    this.tempsNoted = true;
  }

  /** Removes the temp outputs a killed build left (as noted by trackTemps); returns how many. */
  sweepTemps(): number {
    const noted = this.local.readText(STATE_FILES.temps);
    let removed = 0;
    for (const line of noted?.split('\n') ?? []) {
      let paths: unknown;
      try {
        paths = JSON.parse(line);
      } catch {
        continue; // a line cut short by the kill
      }
      if (!Array.isArray(paths)) continue;
      for (const path of paths) {
        // Only what this note can name: a temp output inside the project.
        if (
          typeof path !== 'string' ||
          !basename(path).startsWith(TEMP_PREFIX) ||
          path.startsWith('..') ||
          isAbsolute(path)
        )
          continue;
        if (existsSync(join(this.root, path))) removed += 1;
        rmSync(join(this.root, path), { force: true });
      }
    }
    rmSync(join(this.root, STATE_DIR, STATE_FILES.temps), { force: true });
    // Where temps lived before they were written beside their targets.
    rmSync(join(this.root, '.awm', 'tmp'), { recursive: true, force: true });
    return removed;
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
      rmSync(join(this.root, STATE_DIR, STATE_FILES.journal), { force: true });
      this.journalPending = false;
    }
    return changed;
  }

  /** Persists the stat cache and the render and validation memos, each only if it changed. */
  saveCaches(): void {
    // Every temp noted this run was moved into place or removed by now.
    if (this.tempsNoted) rmSync(join(this.root, STATE_DIR, STATE_FILES.temps), { force: true });
    this.tempsNoted = false;
    const snapshots: [string, object | null][] = [
      [STATE_FILES.hashes, this.hasher.takeSnapshot()],
      [STATE_FILES.renderMemo, this.memo.takeSnapshot()],
      [STATE_FILES.validated, this.validated.takeSnapshot()],
    ];
    for (const [file, snapshot] of snapshots) if (snapshot) this.local.write(file, snapshot);
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** awm.lock as committed: absent means empty; anything but a readable file is a clear error. */
function readLockFile(root: string): Result<Map<InstanceKey, LockEntry>, string> {
  const path = join(root, LOCK_FILE);
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return ok(new Map());
  if (!stats.isFile()) {
    const what = stats.isDirectory() ? 'a folder' : 'not a regular file';
    return err(
      `${LOCK_FILE} is ${what}, not the file awm build writes. Move it away (or delete it) and run \`awm build\` to write it anew.`,
    );
  }
  try {
    return parseLock(readFileSync(path, 'utf8'), LOCK_FILE);
  } catch (error) {
    return err(
      `${LOCK_FILE} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check its permissions.`,
    );
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
