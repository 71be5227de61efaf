// Writes a file so that readers see the old content or the new, never half of it: the data goes to
// a temp file beside the target (same folder, so the same file system: a rename across devices
// would fail) and is renamed over it. A failed write leaves no temp file behind.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { withPath } from './file-system-error.js';

/** The temp name used beside `path` (starts with `.` and ends in `.tmp`, so it is easy to sweep). */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function atomicWriteFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathBeside(path);
  try {
    withPath(path, () => writeFileSync(temp, data));
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
