// `awm build --watch`: build, then rebuild whenever a source changes — the pipeline file, a
// prompt, stage code or an input file; never the outputs. Rebuilds only what became stale.
//
//   [idle] ──change──▶ [debouncing] ──300 ms quiet──▶ [building] ──done──▶ [idle]
//                           ▲                             │ change while building
//                           └────── done, pending ◀───────┘
// A change during a build never interrupts it (an LLM request in flight finishes); it is picked
// up by the next build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { BuildCommandOptions } from './build.js';
import { buildProject, chooseLogger } from './build.js';
import type { CliIo } from '../cli.js';
import type { Project } from '../engine/project.js';
import { openProject, PIPELINE_FILE } from '../engine/project.js';

export const DEBOUNCE_MS = 300;

type WatchState = { kind: 'idle' } | { kind: 'debouncing'; timer: NodeJS.Timeout } | { kind: 'building'; pending: boolean };

export async function watchCommand(root: string, options: BuildCommandOptions, io: CliIo, signal: AbortSignal = stopSignal()): Promise<number> {
  const { watch } = await import('chokidar');
  const log = chooseLogger(io);
  // The same notice (offline provider, n-gram embeddings) is worth saying once per session, not per rebuild.
  const noticed = new Set<string>();
  const emit: typeof log = (event) => {
    if (event.kind === 'notice') {
      if (noticed.has(event.message)) return;
      noticed.add(event.message);
    }
    log(event);
  };
  const changed = new Set<string>();
  let state: WatchState = { kind: 'idle' };
  let watcher: FSWatcher | null = null;
  let watched = new Set<string>();

  const build = async (): Promise<void> => {
    state = { kind: 'building', pending: false };
    const reasons = [...changed];
    changed.clear();
    if (reasons.length > 0) io.stdout.write(`awm: ${reasons.join(', ')} changed; rebuilding what is stale\n`);
    if (reasons.some((path) => path.endsWith('.ts'))) compileStages(root, io);
    const opened = await openProject(root);
    if (!opened.ok) io.stderr.write(`${opened.error}\n`);
    else {
      await buildProject(opened.value, options, io, emit, signal);
      watched = updateWatched(watcher, watched, sources(opened.value));
    }
    const pending = state.kind === 'building' && state.pending;
    state = { kind: 'idle' };
    if (pending && !signal.aborted) schedule();
    else if (!signal.aborted) io.stdout.write(`awm: watching ${watched.size} sources for changes (Ctrl-C to stop)\n`);
  };
  const schedule = (): void => {
    if (state.kind === 'debouncing') clearTimeout(state.timer);
    state = { kind: 'debouncing', timer: setTimeout(() => void build(), DEBOUNCE_MS) };
  };
  const onChange = (path: string): void => {
    changed.add(path);
    if (state.kind === 'building') state.pending = true;
    else schedule();
  };

  const opened = await openProject(root);
  watcher = watch(opened.ok ? [...sources(opened.value)] : [PIPELINE_FILE], { cwd: root, ignoreInitial: true, awaitWriteFinish: false });
  watched = new Set(opened.ok ? sources(opened.value) : [PIPELINE_FILE]);
  watcher.on('all', (_event, path) => onChange(path));
  await new Promise<void>((resolve) => watcher?.once('ready', () => resolve()));
  await build();
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  const last = state as WatchState; // assigned in callbacks, which the compiler cannot follow
  if (last.kind === 'debouncing') clearTimeout(last.timer);
  await watcher.close();
  return 0;
}

/** Everything a build reads that a person edits. */
export function sources(project: Project): Set<string> {
  const paths = new Set<string>([PIPELINE_FILE]);
  for (const stage of project.stages.values()) {
    paths.add(stage.config.code);
    for (const file of Object.values(stage.config.prompts)) paths.add(file);
    for (const input of Object.values(stage.config.inputs)) {
      if (input.kind !== 'file') continue;
      // A per-scenario input pattern is watched through the folder above its first placeholder.
      const cut = input.path.indexOf('{');
      paths.add(cut === -1 ? input.path : input.path.slice(0, input.path.lastIndexOf('/', cut) + 1) || '.');
    }
  }
  return paths;
}

function updateWatched(watcher: FSWatcher | null, before: Set<string>, after: Set<string>): Set<string> {
  if (!watcher) return after;
  const added = [...after].filter((path) => !before.has(path));
  const removed = [...before].filter((path) => !after.has(path));
  if (added.length > 0) watcher.add(added);
  if (removed.length > 0) watcher.unwatch(removed);
  return after;
}

/** Stage code in TypeScript runs compiled; recompile before rebuilding. */
function compileStages(root: string, io: CliIo): void {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return;
  const result = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) io.stderr.write(`awm: compiling stage code failed:\n${result.stdout}${result.stderr}`);
}

function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}
