// A run's own folder under the project, as the reference names it: `outputs/servers/<time>_<scenario>/`
// (`<time>` is local `YYYYMMDD_HHMMSS`, so folders sort by start). Two runs started in the same
// second get `_2`, `_3`…: a folder is never shared.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const OUTPUTS_DIR = 'outputs';

export function newRunFolder(root: string, kind: 'servers' | 'calls', scenario: string, now: Date): string {
  const parent = join(root, OUTPUTS_DIR, kind);
  mkdirSync(parent, { recursive: true });
  const base = `${timestamp(now)}_${scenario}`;
  for (let attempt = 1; ; attempt += 1) {
    const folder = join(parent, attempt === 1 ? base : `${base}_${attempt}`);
    try {
      mkdirSync(folder);
      return folder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function timestamp(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  const day = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}`;
  return `${day}_${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}
