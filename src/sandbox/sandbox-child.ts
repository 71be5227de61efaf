// Starting and killing a sandboxed child process. The child is spawned detached, so it leads a
// process group of its own and a single kill reaches everything it started. Its stdout is drained
// and dropped (nothing it prints can pass for an answer), the end of its stderr is kept as
// evidence, and fd 3 is the channel of sandbox-protocol.ts.
import { spawn, type ChildProcess } from 'node:child_process';
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
 * SIGKILL to the child's whole process group. Returns a timer that closes the child's pipes should
 * something still hold them open after the kill; clear it once the child has closed.
 */
export function killSandboxChild(child: ChildProcess): NodeJS.Timeout {
  if (child.pid !== undefined) killGroup(child.pid);
  return setTimeout(() => child.stdio.forEach((stream) => stream?.destroy()), PIPE_GRACE_MS);
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
