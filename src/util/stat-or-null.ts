// What is at a path, or null when nothing is: also when a folder on the way is a file (ENOTDIR),
// which `statSync(…, { throwIfNoEntry: false })` still throws. Nothing can be there either way.
import { lstatSync, statSync, type Stats } from 'node:fs';

export function statOrNull(path: string): Stats | null {
  return nullIfNotThere(() => statSync(path, { throwIfNoEntry: false }));
}

/** Like statOrNull, but a link is described, not followed. */
export function lstatOrNull(path: string): Stats | null {
  return nullIfNotThere(() => lstatSync(path, { throwIfNoEntry: false }));
}

function nullIfNotThere(look: () => Stats | undefined): Stats | null {
  try {
    return look() ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}
