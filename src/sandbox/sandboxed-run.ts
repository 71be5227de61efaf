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
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { unreachable } from '../util/result.js';
import { exitStatus, memoryFailureEvidence, silentEnding } from './child-ending.js';
import type { ChildLaunch } from './child-launch.js';
import { killSandboxChild, spawnSandboxChild, sweepProcessGroup, type SandboxChild } from './sandbox-child.js';
import type { SandboxIsolation, SandboxOutcome } from './sandbox-outcome.js';
import { decodeResultFrame, type EntryFailure } from './sandbox-protocol.js';

export interface RunSpec {
  readonly launch: ChildLaunch;
  /** The encoded request frame, written to the channel before anything is read from it. */
  readonly request: string;
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

export class SandboxedRun {
  #state: RunState = { kind: 'running' };
  readonly #spec: RunSpec;
  readonly #sandboxChild: SandboxChild;
  readonly #child: ChildProcess;
  readonly #started = performance.now();
  readonly #answer: Buffer[] = [];
  #answerBytes = 0;
  #spawnError: string | null = null;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Cancels the timers that follow a kill (see killSandboxChild). */
  #cancelKill: () => void = () => {};
  #resolve: (outcome: Outcome) => void = () => {};
  readonly outcome: Promise<Outcome>;

  constructor(spec: RunSpec) {
    this.#spec = spec;
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
    this.#sandboxChild = spawnSandboxChild(spec.launch);
    this.#child = this.#sandboxChild.process;
    this.#sandboxChild.channel.on('data', (chunk: Buffer) => this.#onAnswer(chunk));
    this.#sandboxChild.channel.end(spec.request);
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
        this.#state = { kind: 'exited', ...exitStatus(this.#spec.launch.isolation, code, signal) };
        this.#killGroup();
        return;
      case 'stopping':
        return sweepProcessGroup(this.#child);
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
    this.#spawnError = `could not start ${this.#spec.launch.command.file}: ${error.message}`;
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
    for (const timer of this.#timers) clearTimeout(timer);
    this.#cancelKill();
    this.#spec.signal?.removeEventListener('abort', this.#onAbort);
    this.#resolve(outcome);
  }

  #killGroup(): void {
    this.#cancelKill = killSandboxChild(this.#child);
  }

  #facts(): { isolation: SandboxIsolation; durationMs: number } {
    return { isolation: this.#spec.launch.isolation, durationMs: Math.round(performance.now() - this.#started) };
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
    const ending = silentEnding({ exitCode, signal }, this.#sandboxChild.stderrTail(), this.#spec.memoryMb);
    return { ...ending, ...this.#facts() };
  }

  #failureOutcome(failure: EntryFailure): Outcome {
    const evidence = memoryFailureEvidence(failure);
    if (evidence !== null) return { kind: 'out-of-memory', limitMb: this.#spec.memoryMb, evidence, ...this.#facts() };
    const { phase, name, message, stack } = failure;
    return { kind: 'threw', phase, name, message, stack, ...this.#facts() };
  }
}
