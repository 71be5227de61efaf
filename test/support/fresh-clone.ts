// A copy of the repository's tracked files, as a fresh clone has them, plus the compiled code and
// a link to node_modules: a project the real CLI can build the demo in without touching this one.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, TempProject } from './cli-rig.js';

export function freshClone(): TempProject {
  const project = new TempProject({});
  const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(REPO_ROOT, file))) continue;
    mkdirSync(dirname(join(project.dir, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(project.dir, file), { preserveTimestamps: true });
  }
  cpSync(join(REPO_ROOT, 'dist'), join(project.dir, 'dist'), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(project.dir, 'node_modules'));
  return project;
}
