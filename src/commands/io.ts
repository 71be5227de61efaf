// What a command is given: the process seen through an interface (cli.ts is the only module that
// touches \`process\` itself), the parsed command line, and the signal of the one interrupt handler.
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
  /** What tells a process from a later one given the same pid (the build lock records it); null when unknown. */
  identityOf(pid: number): string | null;
  /** Calls `handler` on SIGINT and SIGTERM. */
  onInterrupt(handler: () => void): void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): never;
  /** Runs `handler` when the process exits, however it exits; returns a function that cancels it. */
  onExit(handler: () => void): () => void;
}

export interface CommandRequest {
  /** The project folder (absolute). */
  readonly root: string;
  /** Arguments after the command name. */
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

export type CommandRun = (request: CommandRequest, io: CliIo, signal: AbortSignal) => Promise<number>;
