// The build's logger: the live progress block on an interactive terminal, plain lines elsewhere
// (pipes, files, CI).
import type { BuildEvent } from '../engine/events.js';
import { plainLogger } from './plain-logger.js';
import { terminalLogger } from './terminal-logger.js';

export interface LoggerTarget {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function chooseLogger(target: LoggerTarget): (event: BuildEvent) => void {
  if (target.stdout.isTTY && !target.env['CI'])
    return terminalLogger({ write: (text) => void target.stdout.write(text) });
  return plainLogger((line) => void target.stdout.write(`${line}\n`));
}
