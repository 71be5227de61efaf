// Every way a sandboxed run can end, as data. The entry's own failure (`threw`) is kept apart from
// the sandbox stopping it (`timeout`, `out-of-memory`, `cancelled`) and from infrastructure or
// misbehaviour (`crashed`, `protocol`), because callers answer them differently: a thrown error goes
// back to the LLM to fix, a timeout says the work never ends, a crash is worth a bug report.

/** How the child was contained: in its own namespaces, or only by environment and limits. */
export type SandboxIsolation = 'namespaces' | 'none';

/** Where the entry failed: importing its module, running it, or serializing what it returned. */
export type EntryPhase = 'load' | 'run' | 'return';

interface RunFacts {
  readonly isolation: SandboxIsolation;
  /** From spawning the child to the outcome, start-up included. */
  readonly durationMs: number;
}

export type SandboxOutcome<T> = RunFacts & SandboxEnding<T>;

/** How a run ended, without its facts; the worker's outcomes share these members (worker-outcome.ts). */
export type SandboxEnding<T> =
  | { readonly kind: 'ok'; readonly value: T }
  /** The entry threw (or its module failed to load); `name`, `message` and `stack` are its own. */
  | {
      readonly kind: 'threw';
      readonly phase: EntryPhase;
      readonly name: string;
      readonly message: string;
      readonly stack: string | null;
    }
  /** Still running after `limitMs`; the child and everything it started were killed. */
  | { readonly kind: 'timeout'; readonly limitMs: number }
  /** Stopped by the memory limit; `evidence` is what showed it (V8's fatal error, SQLite's "out of memory"). */
  | { readonly kind: 'out-of-memory'; readonly limitMb: number; readonly evidence: string }
  /** Ended without a result frame: killed by a signal, exited on its own, or could not start. */
  | {
      readonly kind: 'crashed';
      readonly exitCode: number | null;
      readonly signal: string | null;
      /** The end of the child's stderr (or why it could not start). */
      readonly stderrTail: string;
    }
  /** The caller's AbortSignal fired; the child was killed. */
  | { readonly kind: 'cancelled' }
  /** The child's answer was not a valid result frame (`malformed`) or exceeded the size cap (`oversized`). */
  | { readonly kind: 'protocol'; readonly problem: 'malformed' | 'oversized'; readonly message: string };

export type SandboxOutcomeKind = SandboxOutcome<unknown>['kind'];
