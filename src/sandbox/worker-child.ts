// One child of a sandboxed worker: spawned, sent lines, read line by line, asked to end or killed.
// It only reports what happens (a line, a line over the size cap, its end); the worker
// (sandboxed-worker.ts) decides what that means. Like the one-shot run, the child's whole process
// group is killed as soon as its main process exits, so nothing it started holds the pipes open.
// The child and its pipes are unref'd: an idle worker does not keep awm running (awm kills the
// groups still alive when it exits); a call or a start in progress has a timer that does.
import type { ChildProcess } from 'node:child_process';
import { exitStatus, type ExitStatus } from './child-ending.js';
import type { ChildLaunch } from './child-launch.js';
import { killSandboxChild, spawnSandboxChild, sweepProcessGroup, type SandboxChild } from './sandbox-child.js';
import { LineSplitter } from './worker-protocol.js';

export interface WorkerChildEvents {
  onLine(line: string): void;
  onOversized(): void;
  /** Once, after its process and pipes have closed, or when it could not be spawned at all. */
  onEnd(status: ExitStatus, stderrTail: string): void;
}

export class WorkerChild {
  readonly #child: SandboxChild;
  readonly #lines: LineSplitter;
  readonly #launch: ChildLaunch;
  readonly #events: WorkerChildEvents;
  #exit: ExitStatus | null = null;
  /** Set once the child has been killed: cancels the timers that follow the kill. */
  #cancelKill: (() => void) | null = null;
  #ended = false;
  #resolveEnded: () => void = () => {};
  /** Settles once the child has ended (see onEnd). */
  readonly ended: Promise<void>;

  constructor(launch: ChildLaunch, maxLineBytes: number, events: WorkerChildEvents) {
    this.#launch = launch;
    this.#events = events;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#lines = new LineSplitter(maxLineBytes, events.onLine, events.onOversized);
    this.#child = spawnSandboxChild(launch);
    const child = this.#child.process;
    this.#child.channel.on('data', (chunk: Buffer) => this.#lines.push(chunk));
    child.on('error', (error) => this.#end({ exitCode: null, signal: null }, this.#spawnFailure(error)));
    child.on('exit', (code, signal) => {
      this.#exit = exitStatus(launch.isolation, code, signal);
      if (this.#cancelKill === null) this.#killGroup();
      else sweepProcessGroup(child);
    });
    child.on('close', () => this.#end(this.#exit ?? this.#statusOf(child), this.#child.stderrTail()));
    child.unref();
    for (const stream of child.stdio) (stream as { unref?: () => void } | null)?.unref?.();
  }

  /** The process group's id (the wrapper's pid), while the child runs. */
  get pid(): number | null {
    return this.#exit === null && !this.#ended ? (this.#child.process.pid ?? null) : null;
  }

  get running(): boolean {
    return this.pid !== null;
  }

  send(line: string): void {
    this.#child.channel.write(line);
  }

  /** Asks the child to close: it sees the channel end, runs the entry's `close` and exits. */
  end(): void {
    this.#child.channel.end();
  }

  /** Kills the child's whole process group; nothing more is read from it. */
  kill(): void {
    this.#lines.stop();
    this.#killGroup();
  }

  #killGroup(): void {
    if (this.#ended || this.#cancelKill !== null) return;
    this.#cancelKill = killSandboxChild(this.#child.process);
  }

  #end(status: ExitStatus, stderrTail: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#lines.stop();
    this.#cancelKill?.();
    this.#events.onEnd(status, stderrTail);
    this.#resolveEnded();
  }

  #statusOf(child: ChildProcess): ExitStatus {
    return exitStatus(this.#launch.isolation, child.exitCode, child.signalCode);
  }

  #spawnFailure(error: Error): string {
    return `could not start ${this.#launch.command.file}: ${error.message}`;
  }
}
