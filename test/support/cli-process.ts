// The CLI as a process the test signals, kills and watches: started detached (it leads a process
// group, so a kill of the group reaches everything it started), with a deadline on every wait, and
// its descendants read from /proc. For tests of Ctrl-C, kill -9 and the sandbox's children.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { AWM_BIN, cleanEnv, type CliResult, type TempProject } from './cli-rig.js';

export interface Cli {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` to the whole process group. */
  killGroup(signal: NodeJS.Signals): void;
}

const running = new Set<Cli>();

export function startCli(project: TempProject, args: readonly string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [AWM_BIN, ...args], {
    cwd: project.dir,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const cli: Cli = {
    child,
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    killGroup: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // ESRCH: the group is gone already.
      }
    },
  };
  running.add(cli);
  child.on('close', () => running.delete(cli));
  return cli;
}

/** Kills every CLI a test started and left running (after a failed assertion, say). */
export function killLeftoverClis(): void {
  for (const cli of running) cli.killGroup('SIGKILL');
}

/** The exit code once the CLI has exited and closed its output; kills it and throws after `timeoutMs`. */
export function exitCode(cli: Cli, timeoutMs = 120_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cli.killGroup('SIGKILL');
      reject(new Error(`awm did not exit within ${timeoutMs} ms:\n${cli.stdout()}${cli.stderr()}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(cli.child.exitCode);
    };
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) done();
    else cli.child.once('close', done);
  });
}

/** Runs the CLI to its end, as TempProject.run does, but with a deadline. */
export async function runCli(
  project: TempProject,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  const cli = startCli(project, args, env);
  const code = await exitCode(cli, timeoutMs);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Polls `probe` until it returns something other than undefined or false; gives up when `cli` exits first. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  options: { readonly cli?: Cli; readonly timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    const cli = options.cli;
    if (cli && cli.child.exitCode !== null)
      throw new Error(`awm exited (${cli.child.exitCode}) before ${what}:\n${cli.stdout()}${cli.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every process below `pid`, children first. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = procStat(Number(entry))?.parent;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const below = children.get(next) ?? [];
    found.push(...below);
    queue.push(...below);
  }
  return found;
}

/** Alive, and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const state = procStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return ''; // gone
  }
}

function procStat(pid: number): { state: string; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (name) state ppid …`; the name may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', parent: Number(fields[1]) };
  } catch {
    return undefined; // gone
  }
}
