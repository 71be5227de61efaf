// Where a stage's runnable module is, and whether it is current: a `.ts` stage runs from its copy
// compiled by tsc into dist/ (same layout as the project), a `.js`/`.mjs` stage runs as it is.
import { join, resolve } from 'node:path';

export interface CompiledFiles {
  /** Modification time in ms, or null when there is no file. */
  modifiedTime(path: string): Promise<number | null>;
  /** The file's text, or null when there is no file. */
  readText(path: string): Promise<string | null>;
}

export type ModuleLocation =
  | { readonly kind: 'ready'; readonly path: string }
  | { readonly kind: 'not-compiled'; readonly compiled: string }
  | { readonly kind: 'outdated'; readonly compiled: string };

/** `stages/x.ts` → `dist/stages/x.js`, relative to the root. */
export function compiledPathOf(code: string): string {
  return join('dist', code.replace(/\.ts$/, '.js'));
}

export async function locateStageModule(
  root: string,
  code: string,
  sourceHash: string,
  files: CompiledFiles,
): Promise<ModuleLocation> {
  const source = resolve(root, code);
  if (!code.endsWith('.ts')) return { kind: 'ready', path: source };
  const compiled = compiledPathOf(code);
  const compiledPath = resolve(root, compiled);
  const [sourceTime, compiledTime] = await Promise.all([files.modifiedTime(source), files.modifiedTime(compiledPath)]);
  if (compiledTime === null) return { kind: 'not-compiled', compiled };
  if (sourceTime !== null && sourceTime <= compiledTime) return { kind: 'ready', path: compiledPath };
  // tsc --incremental does not re-emit a file whose content is unchanged (after a checkout or a
  // touch), so an older output can still be current: its build info records the source's hash.
  const buildInfo = await files.readText(resolve(root, 'dist', '.tsbuildinfo'));
  return buildInfo !== null && buildInfoConfirms(buildInfo, resolve(root, 'dist'), source, sourceHash)
    ? { kind: 'ready', path: compiledPath }
    : { kind: 'outdated', compiled };
}

/**
 * True when tsc's build info holds `sourceHash` (SHA-256 of the text) as the file's version and
 * has no emit pending for it. Anything unexpected in this internal format counts as "not confirmed".
 */
function buildInfoConfirms(buildInfoText: string, buildInfoDir: string, source: string, sourceHash: string): boolean {
  try {
    const info = JSON.parse(buildInfoText) as {
      fileNames?: unknown;
      fileInfos?: unknown;
      affectedFilesPendingEmit?: unknown;
      changeFileSet?: unknown;
    };
    if (!Array.isArray(info.fileNames) || !Array.isArray(info.fileInfos)) return false;
    const index = info.fileNames.findIndex(
      (name) => typeof name === 'string' && resolve(buildInfoDir, name) === source,
    );
    const fileInfo: unknown = info.fileInfos[index];
    const version = typeof fileInfo === 'string' ? fileInfo : (fileInfo as { version?: unknown } | undefined)?.version;
    const fileId = index + 1;
    const listed = (list: unknown) =>
      Array.isArray(list) && list.some((entry) => entry === fileId || (Array.isArray(entry) && entry[0] === fileId));
    return (
      index >= 0 && version === sourceHash && !listed(info.affectedFilesPendingEmit) && !listed(info.changeFileSet)
    );
  } catch {
    return false;
  }
}
