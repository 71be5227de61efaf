// Starting and killing a sandboxed child process. The child is spawned detached, so it leads a
// process group of its own and a single kill reaches everything it started. Its stdout is drained
// and dropped (nothing it prints can pass for an answer), the end of its stderr is kept as
// evidence, and fd 3 is the channel of sandbox-protocol.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ChildLaunch } from './child-launch.js';

export interface SandboxChild {
  readonly process: ChildProcess;
  /** fd 3 in the child: a socket pair. */
  readonly channel: Duplex;
  /** The last few thousand characters the child wrote to stderr. */
  stderrTail(): string;
}

const STDERR_TAIL_CHARS = 4_000;
const PIPE_GRACE_MS = 2_000;
/** How long `unshare` has to reap the namespace's init before its whole group is killed. */
const REAP_GRACE_MS = 200;

export function spawnSandboxChild(launch: ChildLaunch): SandboxChild {
  const child = spawn(launch.command.file, [...launch.command.args], {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const channel = child.stdio[3] as Duplex;
  channel.on('error', () => {}); // EPIPE when the child dies before reading: its exit tells the story.
  child.stdout?.resume();
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)));
  const pid = child.pid;
  if (pid !== undefined) {
    liveGroups.add(pid);
    child.once('close', () => liveGroups.delete(pid));
  }
  return { process: child, channel, stderrTail: () => tail };
}

/**
 * SIGKILL to everything the child is. Returns a function that cancels the follow-up timers: call
 * it once the child has closed.
 *
 * In the namespace the group leader is `unshare`, whose child `sh` is the namespace's PID 1. Killed
 * together, `sh` can outlive `unshare` for an instant, is orphaned, and stays a zombie until the
 * host's init reaps it (never, where awm is PID 1 in a container). So `sh` is killed first, which
 * ends every process of the namespace at once; `unshare` reaps it and exits, and the group is swept
 * then (the caller's exit handler calls sweepProcessGroup) or after a short grace. A child without
 * namespaces has no children to find (it may not start any), and its group is killed at once.
 */
export function killSandboxChild(child: ChildProcess): () => void {
  const pid = child.pid;
  const timers: NodeJS.Timeout[] = [];
  if (pid !== undefined) {
    const namespaceInits = childrenOf(pid);
    if (namespaceInits.length === 0) killGroup(pid);
    else {
      for (const init of namespaceInits) killProcess(init);
      timers.push(setTimeout(() => killGroup(pid), REAP_GRACE_MS));
    }
  }
  timers.push(setTimeout(() => child.stdio.forEach((stream) => stream?.destroy()), PIPE_GRACE_MS));
  return () => timers.forEach(clearTimeout);
}

/** SIGKILL to the child's group once its main process has exited, for anything it left behind. */
export function sweepProcessGroup(child: ChildProcess): void {
  if (child.pid !== undefined) killGroup(child.pid);
}

/** Pids of `pid`'s children (Linux ≥ 3.5); none when it has exited or the kernel does not say. */
function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: gone already.
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Children's process groups still running. A child leads its own group (so a time limit kills all
 * it started), which also means it would outlive awm: when awm exits (a second Ctrl-C, a crash),
 * every group still running is killed on the way out.
 */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) killGroup(pid);
});
