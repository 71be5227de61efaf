// Opens the project for a command, or prints every problem with the pipeline and returns null
// (the command then exits 2, a usage error: nothing was built).
import { openProject, type Project } from '../engine/project.js';
import type { CliIo } from './io.js';

export async function openProjectOrReport(root: string, io: Pick<CliIo, 'stderr'>): Promise<Project | null> {
  const opened = await openProject(root);
  if (opened.ok) return opened.value;
  io.stderr.write(`${opened.error}\n`);
  return null;
}
