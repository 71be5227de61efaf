// Ctrl-C (or SIGTERM) as every command honours it: the first lets work in progress finish and
// starts nothing new (the command sees its AbortSignal fire); the second stops at once, exit 130.
// Finished work is kept either way: outputs are renamed into place and journaled as they finish.
import type { CliIo } from './io.js';

export function listenForInterrupt(
  io: Pick<CliIo, 'stderr' | 'onInterrupt' | 'exit'>,
  message: string | null,
): AbortSignal {
  const controller = new AbortController();
  io.onInterrupt(() => {
    if (controller.signal.aborted) io.exit(130);
    if (message !== null) io.stderr.write(`\nawm: ${message}\n`);
    controller.abort();
  });
  return controller.signal;
}
