// `awm build --watch`: build, then rebuild whenever a source changes — the pipeline file, a
// prompt, stage code or an input file (also one that appears); never the outputs. Rebuilds only
// what became stale. The lifecycle is engine/watcher.ts; this file wires it to chokidar, the build
// and the terminal.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PIPELINE_FILE } from '../config/load.js';
import { lockHolder } from '../engine/build-mutex.js';
import type { BuildEvent } from '../engine/events.js';
import { openProject, type Project } from '../engine/project.js';
import { Watcher } from '../engine/watcher.js';
import { chooseLogger } from '../logging/choose-logger.js';
import { abortableSleep } from '../util/abortable-sleep.js';
import { buildProject, type BuildCommandOptions } from './build-project.js';
import type { CliIo } from './io.js';

export const DEBOUNCE_MS = 300;

export async function watchProject(
  root: string,
  options: BuildCommandOptions,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const { watch } = await import('chokidar');
  const log = chooseLogger(io);
  // The same notice (offline provider, n-gram embeddings) is worth saying once per session, not per rebuild.
  // A heartbeat is news each time (its waited time grows): not remembered, so the set stays small.
  const noticed = new Set<string>();
  const emit = (event: BuildEvent): void => {
    if (event.kind === 'notice' && event.notice.code !== 'llm-waiting') {
      const key = JSON.stringify(event.notice);
      if (noticed.has(key)) return;
      noticed.add(key);
    }
    log(event);
  };
  const watcher = new Watcher({
    debounceMs: DEBOUNCE_MS,
    async build(changed) {
      if (changed.some((path) => path.endsWith('.ts'))) compileStages(root, io);
      // A build started by hand holds the lock: wait for it, then build on what it left (the
      // project is opened only once the lock is free, so its state is the other build's result).
      for (;;) {
        if (!(await waitForLock(root, io, signal))) return new Set([PIPELINE_FILE]);
        const opened = await openProject(root);
        if (!opened.ok) {
          io.stderr.write(`${opened.error}\n`);
          return new Set([PIPELINE_FILE]);
        }
        await buildProject(opened.value, options, io, emit, signal);
        // Refused because another build took the lock in the moment between: wait for that one too.
        if (signal.aborted || !lockHolder(root, io)) return sources(opened.value);
      }
    },
    async watch(paths, onChange) {
      const files = watch([...paths], { cwd: root, ignoreInitial: true, awaitWriteFinish: false });
      files.on('all', (_event, path) => onChange(path));
      await new Promise<void>((resolve) => files.once('ready', () => resolve()));
      return {
        add: (more) => void files.add([...more]),
        unwatch: (less) => void files.unwatch([...less]),
        close: () => files.close(),
      };
    },
    report(event) {
      if (signal.aborted) return;
      if (event.kind === 'rebuilding')
        io.stdout.write(`awm: ${event.changed.join(', ')} changed; rebuilding what is stale\n`);
      else io.stdout.write(`awm: watching ${event.sources} sources for changes (Ctrl-C to stop)\n`);
    },
  });
  const opened = await openProject(root);
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await watcher.start(opened.ok ? sources(opened.value) : new Set([PIPELINE_FILE]));
  await stopped;
  await watcher.stop();
  return 0;
}

export const LOCK_POLL_MS = 500;

/** Until no other build holds the lock, saying once whom it waits for; false when stopped meanwhile. */
async function waitForLock(root: string, io: CliIo, signal: AbortSignal): Promise<boolean> {
  let said = false;
  for (let holder = lockHolder(root, io); holder; holder = lockHolder(root, io)) {
    if (!said) {
      io.stdout.write(
        `awm: another build holds the lock (pid ${holder.pid}: ${holder.command}); rebuilding once it finishes\n`,
      );
      said = true;
    }
    if (!(await abortableSleep(LOCK_POLL_MS, signal))) return false;
  }
  return !signal.aborted;
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
      const path = cut === -1 ? input.path : input.path.slice(0, input.path.lastIndexOf('/', cut) + 1) || '.';
      paths.add(watchablePath(project.config.root, path));
    }
  }
  return paths;
}

/**
 * chokidar sees a path appear only if its parent folder exists. An input not there yet (an
 * optional one, or a file still to be written) under missing folders is watched through the first
 * of them; once that appears, the rebuild it triggers watches the path itself again.
 */
function watchablePath(root: string, path: string): string {
  let watched = path;
  for (let parent = dirname(path); parent !== '.' && !existsSync(join(root, parent)); parent = dirname(parent))
    watched = parent;
  return watched;
}

/** Stage code in TypeScript runs compiled; recompile before rebuilding. */
function compileStages(root: string, io: CliIo): void {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return;
  const result = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) io.stderr.write(`awm: compiling stage code failed:\n${result.stdout}${result.stderr}`);
}
