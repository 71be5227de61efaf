// Runs untrusted work (an entry module's default export) in a child Node process with as little
// authority as the machine allows, and says how it ended. The one door into the sandbox: the env
// host and the verifier runner will call this too. The contract is in README.md.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childLaunch, chooseWrapping } from './child-launch.js';
import { pythonChildProgram } from './python-child-program.js';
import type { SandboxNotice } from './sandbox-notice.js';
import type { SandboxOutcome } from './sandbox-outcome.js';
import { encodeRequestFrame } from './sandbox-protocol.js';
import { SandboxedRun } from './sandboxed-run.js';

export type SandboxRequest<I> = NodeSandboxRequest<I> | PythonSandboxRequest<I>;

export interface NodeSandboxRequest<I> {
  /** Absolute path of a compiled ES module whose default export is a SandboxEntry (sandbox-entry.ts). */
  readonly entry: string;
  /** JSON-serializable; the child receives a copy. */
  readonly input: I;
}

/** A Python child: the same wrapping, limits, frames and outcomes as a Node child. */
export interface PythonSandboxRequest<I> {
  readonly python: {
    /** The real executable, from findPython (python-interpreter.ts). */
    readonly interpreter: string;
    /** Python source defining `run(input, context)`, called as a Node entry's default export is. */
    readonly entrySource: string;
  };
  readonly input: I;
}

export interface SandboxOptions {
  /** Wall-clock limit from spawn (child start-up included); default 10 000. */
  readonly timeoutMs?: number;
  /** The JS heap limit, and what the child may allocate beyond Node's own baseline; default 256. */
  readonly memoryMb?: number;
  /** Largest answer accepted, in bytes of JSON; default 8 MiB. */
  readonly maxResultBytes?: number;
  /** Aborting kills the child at once: the outcome is `cancelled`. */
  readonly signal?: AbortSignal;
  /** The one writable folder. Default: a fresh temporary folder, removed afterwards; a given folder is kept. */
  readonly scratchDir?: string;
  /** Variables for the child, given explicitly: the parent's environment is never inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** `auto` uses namespaces where the machine allows them; `off` never does (tests, debugging). */
  readonly namespaces?: 'auto' | 'off';
  /** Receives the notice when children run without namespaces: once per reason for each function passed (pass one long-lived function). */
  readonly onNotice?: (notice: SandboxNotice) => void;
}

/** What a caller chooses per run; the signal and the notice callback are the runner's. */
export type SandboxLimits = Pick<SandboxOptions, 'timeoutMs' | 'memoryMb' | 'maxResultBytes'>;

/**
 * runSandboxed with the caller's signal and notice callback already given: what a stage gets as
 * `context.sandbox`, so every child it starts answers the build's Ctrl-C and its notices reach the
 * build's output.
 */
export type SandboxRunner = <O = unknown, I = unknown>(
  request: SandboxRequest<I>,
  limits?: SandboxLimits,
) => Promise<SandboxOutcome<O>>;

export function sandboxRunner(options: Pick<SandboxOptions, 'signal' | 'onNotice' | 'namespaces'>): SandboxRunner {
  return (request, limits = {}) => runSandboxed(request, { ...limits, ...options });
}

export const SANDBOX_DEFAULTS = { timeoutMs: 10_000, memoryMb: 256, maxResultBytes: 8 * 1024 * 1024 } as const;

const CHILD_ENTRY = fileURLToPath(new URL('./child-entry.js', import.meta.url));

/** `value` is what the entry returned, parsed from JSON but not validated: check it if the entry is untrusted. */
export async function runSandboxed<O = unknown, I = unknown>(
  request: SandboxRequest<I>,
  options: SandboxOptions = {},
): Promise<SandboxOutcome<O>> {
  const python = 'python' in request ? request.python : undefined;
  const entry = 'entry' in request ? request.entry : '<python>';
  if (python === undefined && !isAbsolute(entry))
    throw new Error(`internal error: a sandbox entry must be an absolute path, got ${entry}`);
  if (python !== undefined && !isAbsolute(python.interpreter))
    throw new Error(`internal error: a Python interpreter must be an absolute path, got ${python.interpreter}`);
  const limits = { ...SANDBOX_DEFAULTS, ...definedOnly(options) };
  if (!(limits.timeoutMs > 0 && limits.memoryMb >= 16 && limits.maxResultBytes > 0)) {
    throw new Error(`internal error: sandbox limits out of range: ${JSON.stringify(limits)}`);
  }
  const wrapping = await chooseWrapping(options);
  if (options.signal?.aborted)
    return { kind: 'cancelled', isolation: wrapping.isolation, durationMs: 0 } as SandboxOutcome<O>;
  const ownScratch = options.scratchDir === undefined;
  const scratchDir = realpathSync(options.scratchDir ?? mkdtempSync(join(tmpdir(), 'awm-sandbox-')));
  try {
    const run = new SandboxedRun({
      launch: childLaunch({
        wrapping,
        scratchDir,
        memoryMb: limits.memoryMb,
        env: options.env,
        childEntry: CHILD_ENTRY,
        python:
          python === undefined
            ? undefined
            : { interpreter: python.interpreter, source: pythonChildProgram(python.entrySource) },
      }),
      request: encodeRequestFrame({ entry, input: request.input, scratchDir }),
      timeoutMs: limits.timeoutMs,
      memoryMb: limits.memoryMb,
      maxResultBytes: limits.maxResultBytes,
      signal: options.signal,
    });
    return (await run.outcome) as SandboxOutcome<O>;
  } finally {
    if (ownScratch) rmSync(scratchDir, { recursive: true, force: true });
  }
}

function definedOnly(options: SandboxOptions): Partial<typeof SANDBOX_DEFAULTS> {
  const { timeoutMs, memoryMb, maxResultBytes } = options;
  return Object.fromEntries(
    Object.entries({ timeoutMs, memoryMb, maxResultBytes }).filter(([, value]) => value !== undefined),
  );
}
