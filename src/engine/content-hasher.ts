// Content hashes of files, remembered by (size, mtime, ctime, inode) in .awm/state so a no-op
// build stats files instead of reading them. Like git's index, an entry whose file changed in the
// same instant it was hashed is not trusted ("racy"), so a quick edit is never missed.
// SQLite databases are hashed by a canonical dump of their content, not their bytes.
import { readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { hashDatabaseFile } from '../sqlite/canonical-dump.js';
import { asFileHash, type FileHash } from '../util/brand.js';
import { hashValue, sha256 } from '../util/hash.js';
import { isRecord } from '../util/is-record.js';
import { statOrNull } from '../util/stat-or-null.js';

/** What the stat cache knows of one file: its stat signature when hashed, and the hash. */
export interface CacheEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly hashedAt: number;
  readonly hash: FileHash;
  /** Why the file cannot be read as what it claims to be (a database SQLite finds damaged). */
  readonly unreadable?: string;
  /**
   * For databases: the SHA-256 of the file's bytes. Its canonical dump (`hash`) is costly, so a
   * database whose stat changed but whose bytes did not keeps its hash without a new dump.
   */
  readonly bytes?: string;
  /** For JSON-array files whose rows are read one at a time: row id → hash of the row. */
  readonly rows?: Readonly<Record<string, FileHash>>;
}

/** A file changed within this long before it was hashed may change again unseen (mtime granularity). */
export const RACY_MARGIN_MS = 2_000;

/** A file's content hash, and for a database the hash of its bytes and, if damaged, why. */
export interface FileContent {
  readonly hash: FileHash;
  readonly bytes?: string;
  readonly unreadable?: string;
}

/** How a database file is hashed (tests may count the calls). */
export type DatabaseHasher = (absolutePath: string) => FileHash;

export class ContentHasher {
  private entries: Record<string, CacheEntry>;
  /** Hashes already looked up in this process: a file read by many instances is stat'ed once. */
  private readonly looked = new Map<string, FileHash | null>();
  private readonly lookedRows = new Map<string, Readonly<Record<string, FileHash>>>();
  /** Every path looked up in this run, present or not: what the run's judgement read. */
  private readonly seen = new Set<string>();
  /** Paths looked up as optional inputs and found absent: an absence the judgement relied on. */
  private readonly absent = new Set<string>();
  /** What this run found of the databases it dumped, by the hash of their bytes. */
  private readonly dumpedByBytes = new Map<string, FileContent>();
  private dirty = false;

  constructor(
    private readonly root: string,
    saved: unknown,
    private readonly hashDatabase: DatabaseHasher = hashDatabaseFile,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = isRecord(saved) ? (saved as Record<string, CacheEntry>) : {};
  }

  /** Content hash of a project file, or null if it does not exist. */
  hashFile(path: string): FileHash | null {
    const looked = this.looked.get(path);
    if (looked !== undefined) return looked;
    this.seen.add(path);
    const stats = fileStatOrNull(join(this.root, path));
    if (!stats) return null;
    const cached = this.trusted(path, stats);
    let hash: FileHash;
    if (cached) hash = cached.hash;
    else {
      const content = this.hashContent(join(this.root, path), this.entries[path]);
      hash = content.hash;
      this.remember(path, stats, hash, undefined, content.bytes, content.unreadable);
    }
    this.looked.set(path, hash);
    return hash;
  }

  /** Content hash of a file that may be absent (an optional input), or null when it is. */
  hashOptionalFile(path: string): FileHash | null {
    const hash = this.hashFile(path);
    if (hash === null) this.absent.add(path);
    return hash;
  }

  /**
   * Hash of one row (by `id`) of a JSON-array file: what a per-scenario stage reading
   * `list[{scenario}]` depends on. 'no-file' / 'no-row' when absent.
   */
  hashRow(path: string, id: string): FileHash | 'no-file' | 'no-row' {
    const looked = this.lookedRows.get(path);
    if (looked) return looked[id] ?? 'no-row';
    this.seen.add(path);
    const stats = fileStatOrNull(join(this.root, path));
    if (!stats) return 'no-file';
    let entry = this.trusted(path, stats);
    if (!entry?.rows) {
      const bytes = readFileSync(join(this.root, path));
      const rows = rowHashes(parseJson(bytes.toString('utf8')));
      entry = this.remember(path, stats, asFileHash(sha256(bytes)), rows);
    }
    this.lookedRows.set(path, entry.rows ?? {});
    return entry.rows?.[id] ?? 'no-row';
  }

  /** Content hash of each named file (null where missing): an instance's outputs as they are now. */
  hashAll(paths: Readonly<Record<string, string>>): Record<string, FileHash | null> {
    const hashes: Record<string, FileHash | null> = {};
    for (const [name, path] of Object.entries(paths)) hashes[name] = this.hashFile(path);
    return hashes;
  }

  /** Hash of any file (e.g. a temp output), without remembering it. */
  hashUncached(absolutePath: string): FileHash {
    return this.hashContent(absolutePath, undefined).hash;
  }

  /**
   * The content hash of a file and, for a database, of its bytes. A database whose bytes match
   * what the cache knew (`known`, or one this run dumped) keeps that hash without a new dump.
   */
  hashContent(absolutePath: string, known: CacheEntry | undefined): FileContent {
    const data = readFileSync(absolutePath);
    if (!isDatabase(absolutePath)) return { hash: asFileHash(sha256(data)) };
    const bytes = sha256(data);
    if (known?.bytes === bytes)
      return { hash: known.hash, bytes, ...(known.unreadable ? { unreadable: known.unreadable } : {}) };
    const dumped = this.dumpedByBytes.get(bytes);
    if (dumped !== undefined) return dumped;
    let content: FileContent;
    try {
      content = { hash: this.hashDatabase(absolutePath), bytes };
    } catch (error) {
      // Truncated, not a database, a hot journal it cannot roll back, a damaged page: whatever it
      // is, it is not the database awm.lock pins. Its hash says so and never equals a real one.
      const problem = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      content = { hash: asFileHash(`unreadable:${bytes}`), bytes, unreadable: problem };
    }
    this.dumpedByBytes.set(bytes, content);
    return content;
  }

  /** Why a file looked up this run cannot be read as what it claims to be, or null. */
  unreadableOf(path: string): string | null {
    return this.entries[path]?.unreadable ?? null;
  }

  /**
   * Record the hash of a file this process just moved into place, so it is not read again. Within
   * the run it is trusted as written; later runs apply the racy rule to it like to any file.
   */
  adopt(path: string, content: FileContent): void {
    const { hash } = content;
    this.lookedRows.delete(path);
    const stats = fileStatOrNull(join(this.root, path));
    if (!stats) {
      this.forget(path);
      return;
    }
    this.remember(path, stats, hash, undefined, content.bytes, content.unreadable);
    this.looked.set(path, hash);
    this.seen.add(path);
  }

  /**
   * The paths looked up in this run, with what the cache knows of each that exists: 'absent' for
   * an optional input found absent, null for any other path found missing.
   */
  lookedUp(): Map<string, CacheEntry | 'absent' | null> {
    return new Map(
      [...this.seen].map((path) => [
        path,
        this.absent.has(path) && !this.looked.has(path) ? 'absent' : (this.entries[path] ?? null),
      ]),
    );
  }

  /** Forget a path (after it was replaced) so the next look is fresh. */
  forget(path: string): void {
    this.looked.delete(path);
    this.lookedRows.delete(path);
    if (path in this.entries) {
      delete this.entries[path];
      this.dirty = true;
    }
  }

  /** What to persist, or null when nothing changed since loading. */
  takeSnapshot(): Record<string, CacheEntry> | null {
    if (!this.dirty) return null;
    this.dirty = false;
    return this.entries;
  }

  private trusted(path: string, stats: Stats): CacheEntry | null {
    const entry = this.entries[path];
    if (!entry) return null;
    const same =
      entry.size === stats.size &&
      entry.mtimeMs === stats.mtimeMs &&
      entry.ctimeMs === stats.ctimeMs &&
      entry.ino === stats.ino;
    if (!same) return null;
    const racy = Math.max(stats.mtimeMs, stats.ctimeMs) >= entry.hashedAt - RACY_MARGIN_MS;
    return racy ? null : entry;
  }

  private remember(
    path: string,
    stats: Stats,
    hash: FileHash,
    rows: Record<string, FileHash> | undefined,
    bytes?: string,
    unreadable?: string,
  ): CacheEntry {
    const entry: CacheEntry = {
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      ctimeMs: stats.ctimeMs,
      ino: stats.ino,
      ...(bytes === undefined ? {} : { bytes }),
      ...(unreadable === undefined ? {} : { unreadable }),
      hashedAt: this.now(),
      hash,
      ...(rows ? { rows } : {}),
    };
    this.entries[path] = entry;
    this.dirty = true;
    return entry;
  }
}

export function isDatabase(path: string): boolean {
  return /\.(db|sqlite|sqlite3)$/.test(path);
}

/** Row id → hash of the row's canonical JSON, for a JSON array of objects with string ids. */
export function rowHashes(value: unknown): Record<string, FileHash> {
  const rows: Record<string, FileHash> = {};
  if (!Array.isArray(value)) return rows;
  for (const row of value) {
    if (isRecord(row) && typeof row.id === 'string') rows[row.id] = asFileHash(hashValue(row));
  }
  return rows;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function fileStatOrNull(path: string): Stats | null {
  const stats = statOrNull(path);
  return stats?.isFile() ? stats : null;
}
