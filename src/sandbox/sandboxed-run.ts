// One sandboxed child, from spawn to outcome. The child is spawned detached, so it leads a process
// group of its own and a single kill reaches everything it started.
//
//            spawn
//              │
//              ▼         exit                close
//           running ─────────────▶ exited ─────────────▶ settled   outcome read from the result frame,
//              │                                                   else from the exit and stderr
//              │ deadline │ abort │ answer over the cap
//              ▼                             close
//     stopping(outcome) ───────────────────────────────▶ settled   that outcome
//
// Entering `exited` or `stopping` kills the whole process group, so nothing the child started
// outlives it or holds its pipes open; should something still hold them, a grace timer closes them.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { unreachable } from '../util/result.js';
import type { ChildCommand } from './child-command.js';
import type { SandboxIsolation, SandboxOutcome } from './sandbox-outcome.js';
import { decodeResultFrame, type EntryFailure } from './sandbox-protocol.js';

export interface RunSpec {
  readonly command: ChildCommand;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The encoded request frame, written to the channel before anything is read from it. */
  readonly request: string;
  readonly isolation: SandboxIsolation;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly maxResultBytes: number;
  readonly signal?: AbortSignal | undefined;
}

type Stop = { readonly kind: 'timeout' } | { readonly kind: 'cancelled' } | { readonly kind: 'oversized' };

type RunState =
  | { readonly kind: 'running' }
  | { readonly kind: 'stopping'; readonly stop: Stop }
  | { readonly kind: 'exited'; readonly exitCode: number | null; readonly signal: string | null }
  | { readonly kind: 'settled' };

type Outcome = SandboxOutcome<unknown>;

const STDERR_TAIL_CHARS = 4_000;
const PIPE_GRACE_MS = 2_000;
const HEAP_EXHAUSTED = /(JavaScript heap out of memory|Fatal process out of memory[^\n]*|Reached heap limit[^\n]*)/;
const ALLOCATION_FAILED = /allocation failed|out of memory/i;

export class SandboxedRun {
  #state: RunState = { kind: 'running' };
  readonly #spec: RunSpec;
  readonly #child: ChildProcess;
  readonly #started = performance.now();
  readonly #answer: Buffer[] = [];
  #answerBytes = 0;
  #stderrTail = '';
  #spawnError: string | null = null;
  readonly #timers: NodeJS.Timeout[] = [];
  #resolve: (outcome: Outcome) => void = () => {};
  readonly outcome: Promise<Outcome>;

  constructor(spec: RunSpec) {
    this.#spec = spec;
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
    this.#child = spawn(spec.command.file, [...spec.command.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const channel = this.#child.stdio[3] as Readable & { end(chunk: string): void };
    channel.on('data', (chunk: Buffer) => this.#onAnswer(chunk));
    channel.on('error', () => {}); // EPIPE when the child dies before reading: the exit tells the story.
    channel.end(spec.request);
    this.#child.stdout?.resume();
    this.#child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.#stderrTail = (this.#stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)),
    );
    if (this.#child.pid !== undefined) liveGroups.add(this.#child.pid);
    this.#child.on('error', (error) => this.#onSpawnError(error));
    this.#child.on('exit', (code, signal) => this.#onExit(code, signal));
    this.#child.on('close', () => this.#onClose());
    this.#timers.push(setTimeout(() => this.#stop({ kind: 'timeout' }), spec.timeoutMs));
    spec.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => this.#stop({ kind: 'cancelled' });

  #onAnswer(chunk: Buffer): void {
    if (this.#state.kind === 'stopping' || this.#state.kind === 'settled') return;
    this.#answerBytes += chunk.length;
    if (this.#answerBytes > this.#spec.maxResultBytes) {
      this.#answer.length = 0;
      this.#stop({ kind: 'oversized' });
      return;
    }
    this.#answer.push(chunk);
  }

  #stop(stop: Stop): void {
    switch (this.#state.kind) {
      case 'running':
        this.#state = { kind: 'stopping', stop };
        this.#killGroup();
        return;
      case 'stopping':
      case 'exited':
      case 'settled':
        return; // The child is already on its way out; the first reason stands.
      default:
        return unreachable(this.#state, 'sandbox run state');
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    switch (this.#state.kind) {
      case 'running':
        this.#state = { kind: 'exited', ...this.#exitStatus(code, signal) };
        this.#killGroup();
        return;
      case 'stopping':
        return;
      case 'settled':
        if (this.#spawnError !== null) return; // Node may report 'exit' after a failed spawn.
        throw new Error('internal error: a sandbox child exited after its run had settled');
      case 'exited':
        throw new Error('internal error: a sandbox child exited twice');
      default:
        return unreachable(this.#state, 'sandbox run state');
    }
  }

  #onSpawnError(error: Error): void {
    // Only spawning itself reports here (ENOENT, EACCES), and 'close' may never follow: settle now.
    if (this.#state.kind === 'settled') return;
    this.#spawnError = `could not start ${this.#spec.command.file}: ${error.message}`;
    this.#settle({ kind: 'crashed', exitCode: null, signal: null, stderrTail: this.#spawnError, ...this.#facts() });
  }

  #onClose(): void {
    switch (this.#state.kind) {
      case 'stopping':
        return this.#settle(this.#stopOutcome(this.#state.stop));
      case 'exited':
        return this.#settle(this.#exitOutcome(this.#state.exitCode, this.#state.signal));
      case 'running':
        return this.#settle(this.#exitOutcome(this.#child.exitCode, this.#child.signalCode));
      case 'settled':
        return;
      default:
        return unreachable(this.#state, 'sandbox run state');
    }
  }

  #settle(outcome: Outcome): void {
    this.#state = { kind: 'settled' };
    if (this.#child.pid !== undefined) liveGroups.delete(this.#child.pid);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#spec.signal?.removeEventListener('abort', this.#onAbort);
    this.#resolve(outcome);
  }

  #killGroup(): void {
    const pid = this.#child.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is gone already.
      }
    }
    this.#timers.push(setTimeout(() => this.#child.stdio.forEach((stream) => stream?.destroy()), PIPE_GRACE_MS));
  }

  /** In the namespace `sh` waits as PID 1 and reports node's death by signal N as exit code 128 + N. */
  #exitStatus(code: number | null, signal: NodeJS.Signals | null): { exitCode: number | null; signal: string | null } {
    if (this.#spec.isolation === 'namespaces' && code !== null && code > 128) {
      const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
      if (name !== undefined) return { exitCode: null, signal: name };
    }
    return { exitCode: code, signal };
  }

  #facts(): { isolation: SandboxIsolation; durationMs: number } {
    return { isolation: this.#spec.isolation, durationMs: Math.round(performance.now() - this.#started) };
  }

  #stopOutcome(stop: Stop): Outcome {
    switch (stop.kind) {
      case 'timeout':
        return { kind: 'timeout', limitMs: this.#spec.timeoutMs, ...this.#facts() };
      case 'cancelled':
        return { kind: 'cancelled', ...this.#facts() };
      case 'oversized': {
        const message = `the answer is larger than the ${this.#spec.maxResultBytes} bytes allowed`;
        return { kind: 'protocol', problem: 'oversized', message, ...this.#facts() };
      }
      default:
        return unreachable(stop, 'stop reason');
    }
  }

  #exitOutcome(exitCode: number | null, signal: string | null): Outcome {
    if (this.#answerBytes > 0) {
      const frame = decodeResultFrame(Buffer.concat(this.#answer).toString('utf8'));
      if (!frame.ok) return { kind: 'protocol', problem: 'malformed', message: frame.error, ...this.#facts() };
      if (frame.value.ok) return { kind: 'ok', value: frame.value.value, ...this.#facts() };
      return this.#failureOutcome(frame.value.failure);
    }
    const heap = HEAP_EXHAUSTED.exec(this.#stderrTail);
    if (heap !== null)
      return { kind: 'out-of-memory', limitMb: this.#spec.memoryMb, evidence: heap[1] ?? heap[0], ...this.#facts() };
    return { kind: 'crashed', exitCode, signal, stderrTail: this.#stderrTail, ...this.#facts() };
  }

  /** SQLite's SQLITE_NOMEM and V8's failed buffer allocations are the memory limit at work, not the entry's fault. */
  #failureOutcome(failure: EntryFailure): Outcome {
    if (failure.phase === 'run' && (failure.code === 'SQLITE_NOMEM' || ALLOCATION_FAILED.test(failure.message))) {
      return {
        kind: 'out-of-memory',
        limitMb: this.#spec.memoryMb,
        evidence: `${failure.name}: ${failure.message}`,
        ...this.#facts(),
      };
    }
    const { phase, name, message, stack } = failure;
    return { kind: 'threw', phase, name, message, stack, ...this.#facts() };
  }
}

/**
 * Children's process groups still running. A child leads its own group (so a time limit kills all
 * it started), which also means it would outlive awm: when awm exits (a second Ctrl-C, a crash),
 * every group still running is killed on the way out.
 */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: gone already.
    }
  }
});
