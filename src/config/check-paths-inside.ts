// Every path in the pipeline file stays inside the project folder, also after symbolic links: a
// pipeline cloned from someone else's repository must not make awm read your files (and send them
// to an LLM endpoint) or write outside the folder. Checked for the artifacts folder, the LLM's
// recorded-answers and cache folders, stage code, prompts, `file:` inputs and output patterns.
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import type { PipelineDraft } from './draft.js';
import { diagnosticAt, type CheckContext } from './place-names.js';
import type { YamlPath } from './yaml-positions.js';

interface NamedPath {
  readonly at: YamlPath;
  readonly what: string;
  readonly path: string;
}

/** How a path leaves the project, or null when it stays inside. */
export type Escape =
  | { readonly kind: 'absolute' }
  | { readonly kind: 'parent' }
  | { readonly kind: 'link'; readonly through: string; readonly target: string };

export interface PathsInside {
  readonly diagnostics: Diagnostic[];
  /** The YAML places of the paths that leave the project (joined with NUL): never to be looked at. */
  readonly outside: ReadonlySet<string>;
}

export async function checkPathsInside(
  draft: PipelineDraft,
  context: CheckContext,
  root: string,
): Promise<PathsInside> {
  const realRoot = await realpath(root).catch(() => resolve(root));
  const diagnostics: Diagnostic[] = [];
  const outside = new Set<string>();
  for (const named of namedPaths(draft)) {
    const escape = await escapeOf(root, realRoot, named.path);
    if (!escape) continue;
    outside.add(named.at.join('\u0000'));
    const message = `${named.what} ${escapeWords(named.path, escape)}`;
    diagnostics.push(diagnosticAt(context, named.at, message, hintFor(escape, context.file)));
  }
  return { diagnostics, outside };
}

function namedPaths(draft: PipelineDraft): NamedPath[] {
  // Placeholders stand for ids, which never hold `/` or `..`.
  const concrete = (pattern: string): string => pattern.replace(/\{(scenario|task)\}/g, 'x');
  const paths: NamedPath[] = [
    { at: ['artifacts_dir'], what: `"artifacts_dir"`, path: draft.artifactsDir },
    { at: ['llm', 'demo_responses'], what: `"llm.demo_responses"`, path: draft.llm.demoResponses },
    { at: ['llm', 'cache_dir'], what: `"llm.cache_dir"`, path: draft.llm.cacheDir },
  ];
  for (const stage of draft.stages.values()) {
    if (stage.code !== null)
      paths.push({
        at: ['stages', stage.id, 'code'],
        what: `code file "${stage.code}" of stage "${stage.id}"`,
        path: stage.code,
      });
    for (const [name, file] of Object.entries(stage.prompts)) {
      paths.push({
        at: ['stages', stage.id, 'prompts', name],
        what: `prompt file "${file}" of stage "${stage.id}"`,
        path: file,
      });
    }
    for (const [name, input] of Object.entries(stage.inputs)) {
      if (input.kind === 'file')
        paths.push({
          at: ['stages', stage.id, 'inputs', name],
          what: `input "${name}" of stage "${stage.id}"`,
          path: concrete(input.path),
        });
    }
    for (const [name, pattern] of Object.entries(stage.outputs ?? {})) {
      if (pattern !== '')
        paths.push({
          at: ['stages', stage.id, 'outputs', name],
          what: `output "${name}" of stage "${stage.id}"`,
          path: concrete(pattern),
        });
    }
  }
  return paths;
}

/** Whether `path` (relative to `root`) leaves the project: written so, or through a link. */
export async function escapeOf(root: string, realRoot: string, path: string): Promise<Escape | null> {
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\')) return { kind: 'absolute' };
  const normalized = normalize(path);
  if (normalized === '..' || normalized.startsWith(`..${sep}`)) return { kind: 'parent' };
  // The deepest part of the path that exists decides where the rest will be, links followed.
  let existing = resolve(root, normalized);
  while (
    !(await stat(existing).then(
      () => true,
      () => false,
    ))
  ) {
    const parent = dirname(existing);
    if (parent === existing) return null;
    existing = parent;
  }
  const target = await realpath(existing).catch(() => existing);
  const inside = relative(realRoot, target);
  if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))) return null;
  return { kind: 'link', ...(await firstLinkOut(root, realRoot, relative(root, existing))) };
}

/** The first part of `path` that is a link leading out of the project, and where it leads. */
async function firstLinkOut(
  root: string,
  realRoot: string,
  path: string,
): Promise<{ through: string; target: string }> {
  const parts = path.split(sep);
  for (let count = 1; count <= parts.length; count += 1) {
    const prefix = parts.slice(0, count).join(sep);
    const link = await lstat(resolve(root, prefix)).then(
      (stats) => stats.isSymbolicLink(),
      () => false,
    );
    if (!link) continue;
    const target = await realpath(resolve(root, prefix)).catch(() => prefix);
    const inside = relative(realRoot, target);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return { through: prefix, target };
  }
  return { through: path, target: await realpath(resolve(root, path)).catch(() => path) };
}

function escapeWords(path: string, escape: Escape): string {
  switch (escape.kind) {
    case 'absolute':
      return `is an absolute path (${path}); paths in the pipeline file stay inside the project`;
    case 'parent':
      return `leaves the project folder (${path})`;
    case 'link':
      return `leads out of the project folder: ${escape.through} is a link to ${escape.target}`;
  }
}

function hintFor(escape: Escape, file: string): string {
  return escape.kind === 'link'
    ? 'awm reads and writes only inside the project; replace the link with a folder inside the project (or a bind mount)'
    : `write a path relative to the folder of ${file}, without ".."; awm reads and writes only inside the project`;
}
