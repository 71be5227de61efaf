// How a sandboxed child ended, read from the evidence it leaves: its exit code or signal, the end of
// its stderr, and the failure its entry reported. The one-shot run and the long-lived worker both
// read an ending here, so the same evidence gets the same name in both.
import { constants } from 'node:os';
import type { SandboxEnding, SandboxIsolation } from './sandbox-outcome.js';
import type { EntryFailure } from './sandbox-protocol.js';

export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** A child that ended without answering: stopped by its memory limit, or crashed. */
export type SilentEnding = Extract<SandboxEnding<never>, { readonly kind: 'out-of-memory' | 'crashed' }>;

const HEAP_EXHAUSTED = /(JavaScript heap out of memory|Fatal process out of memory[^\n]*|Reached heap limit[^\n]*)/;
const ALLOCATION_FAILED = /allocation failed|out of memory/i;

/** In the namespace `sh` waits as PID 1 and reports node's death by signal N as exit code 128 + N. */
export function exitStatus(isolation: SandboxIsolation, code: number | null, signal: string | null): ExitStatus {
  if (isolation === 'namespaces' && code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name !== undefined) return { exitCode: null, signal: name };
  }
  return { exitCode: code, signal };
}

/** V8's fatal heap error at the end of stderr means the memory limit stopped the child; anything else is a crash. */
export function silentEnding(status: ExitStatus, stderrTail: string, memoryMb: number): SilentEnding {
  const heap = HEAP_EXHAUSTED.exec(stderrTail);
  if (heap !== null) return { kind: 'out-of-memory', limitMb: memoryMb, evidence: heap[1] ?? heap[0] };
  return { kind: 'crashed', exitCode: status.exitCode, signal: status.signal, stderrTail };
}

/**
 * SQLite's SQLITE_NOMEM and V8's failed buffer allocations, thrown while the entry ran, are the
 * memory limit at work rather than the entry's fault: the evidence to report, or null.
 */
export function memoryFailureEvidence(failure: EntryFailure): string | null {
  if (failure.phase !== 'run') return null;
  if (failure.code !== 'SQLITE_NOMEM' && !ALLOCATION_FAILED.test(failure.message)) return null;
  return `${failure.name}: ${failure.message}`;
}
