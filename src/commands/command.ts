// The command table: each `awm` command's name, its options and how to load it. Commands load
// lazily (`awm --help` imports none of them), and each lives in its own file beside this one.
import type { ParseArgsConfig } from 'node:util';

/** The process as commands see it: cli.ts is the only module that touches `process` itself. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** This process's id (the build lock records it). */
  readonly pid: number;
  /** Whether a process is running (the build lock asks about its holder). */
  isAlive(pid: number): boolean;
  /** Calls `handler` on SIGINT and SIGTERM. */
  onInterrupt(handler: () => void): void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
}

export interface CommandRequest {
  /** The project folder (absolute). */
  readonly root: string;
  /** Arguments after the command name. */
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

export type CommandRun = (request: CommandRequest, io: CliIo, signal: AbortSignal) => Promise<number>;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly name: string;
  /** The options it takes beyond the global ones. */
  readonly options: Options;
  /** Said on the first Ctrl-C before the command winds down; null to stop quietly. */
  interruptMessage(values: CommandRequest['values']): string | null;
  load(): Promise<{ readonly run: CommandRun }>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  dir: { type: 'string', short: 'C' },
};

const quiet = (): null => null;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'build',
    options: {
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      'keep-going': { type: 'boolean', short: 'k' },
      watch: { type: 'boolean', short: 'w' },
      frozen: { type: 'boolean' },
      fresh: { type: 'boolean' },
    },
    interruptMessage: (values) => (values['watch'] ? null : 'interrupted; letting running instances finish (press Ctrl-C again to stop at once; finished work is kept)'),
    load: () => import('./build.js'),
  },
  { name: 'status', options: { explain: { type: 'boolean' }, json: { type: 'boolean' } }, interruptMessage: quiet, load: () => import('./status.js') },
  { name: 'check', options: {}, interruptMessage: quiet, load: () => import('./check.js') },
  { name: 'dag', options: { format: { type: 'string' } }, interruptMessage: quiet, load: () => import('./dag.js') },
];
