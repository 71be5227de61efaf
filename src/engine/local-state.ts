// The local state under .awm/: caches only (the stat cache, the memos, the no-op proof, the lock
// journal, the response cache). Anything there that cannot be used — unreadable, a folder where a
// file belongs or a file where a folder belongs, damaged, or failing its checksum — is dropped with
// one notice and rebuilt: deleting .awm is always safe, so awm may do it piece by piece itself.
//
// Files are written as a header line `awm-state 1 <SHA-256 of the rest>` and the JSON: a value that
// is valid JSON but not what awm wrote (a poisoned memo, a hand edit, a torn disk) never matches.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../util/atomic-write.js';
import { sha256 } from '../util/hash.js';
import { lstatOrNull } from '../util/stat-or-null.js';

export const AWM_DIR = '.awm';
export const STATE_DIR = '.awm/state';
const HEADER = 'awm-state 1 ';

/** A piece of local state that could not be used, and why; it was dropped and will be rebuilt. */
export interface StateProblem {
  readonly path: string;
  readonly problem: string;
}

export class LocalState {
  readonly root: string;
  readonly #problems: StateProblem[] = [];

  constructor(root: string) {
    this.root = root;
  }

  /** What was dropped so far (each piece once). */
  get problems(): readonly StateProblem[] {
    return this.#problems;
  }

  /** Makes .awm and .awm/state folders, removing a file (or a link) that is in the way. */
  ensureFolders(): void {
    for (const dir of [AWM_DIR, STATE_DIR]) {
      const path = join(this.root, dir);
      const stats = lstatOrNull(path);
      if (stats && !stats.isDirectory()) this.drop(dir, `it is ${kindOf(stats)}, not a folder`);
      mkdirSync(path, { recursive: true });
    }
  }

  /** The JSON a state file holds, or null when absent or unusable (then dropped, and said once). */
  read(name: string, looksRight: (value: unknown) => boolean = () => true): unknown {
    const text = this.readText(name);
    if (text === null) return null;
    const newline = text.indexOf('\n');
    if (!text.startsWith(HEADER) || newline < 0) return this.unusable(name, 'it was not written by this awm');
    const body = text.slice(newline + 1);
    if (text.slice(HEADER.length, newline) !== sha256(body))
      return this.unusable(name, 'its checksum does not match its content');
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return this.unusable(name, 'it is not valid JSON');
    }
    return looksRight(value) ? value : this.unusable(name, 'its content does not have the expected shape');
  }

  write(name: string, value: unknown): void {
    this.ensureFolders();
    const body = JSON.stringify(value);
    atomicWriteFile(join(this.root, STATE_DIR, name), `${HEADER}${sha256(body)}\n${body}`);
  }

  /** The raw text of a state file (the lock journal), or null when absent or unusable. */
  readText(name: string): string | null {
    const relative = `${STATE_DIR}/${name}`;
    if (!this.clearWayFor(relative)) return null;
    const path = join(this.root, relative);
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      this.drop(relative, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return null;
    }
  }

  /**
   * Whether a file is at `relative` (under the root); a folder or a link where a file of local state
   * belongs is dropped. Also for the pieces read elsewhere (the build lock, the no-op proof).
   */
  clearWayFor(relative: string): boolean {
    const stats = lstatOrNull(join(this.root, relative));
    if (stats && !stats.isFile()) this.drop(relative, `it is ${kindOf(stats)}, not a file`);
    return stats?.isFile() ?? false;
  }

  /** Removes a piece of state that cannot be used, and remembers to say so. */
  drop(relative: string, problem: string): void {
    rmSync(join(this.root, relative), { recursive: true, force: true });
    if (!this.#problems.some((known) => known.path === relative)) this.#problems.push({ path: relative, problem });
  }

  private unusable(name: string, problem: string): null {
    this.drop(`${STATE_DIR}/${name}`, problem);
    return null;
  }
}

function kindOf(stats: { isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  return stats.isDirectory() ? 'a folder' : stats.isSymbolicLink() ? 'a link' : 'a file';
}
