// For logs and CI (not a terminal): one line per thing that happened, nothing redrawn.
import type { BuildEvent } from '../engine/events.js';
import { unreachable } from '../util/result.js';
import { describeNotice, describeOutcome, describeReason, describeSummary } from './describe.js';

export type Write = (line: string) => void;

export function plainLogger(
  write: Write,
  options: { verbose: boolean } = { verbose: false },
): (event: BuildEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'notice':
        write(`awm: ${describeNotice(event.notice)}`);
        return;
      case 'discovered':
        return;
      case 'started':
        // Why a rebuild happens is worth a line; "never built" on a first build is not.
        if (options.verbose || !event.reasons.every((reason) => reason.code === 'never-built'))
          write(`▶ ${event.instance}: ${event.reasons.map(describeReason).join('; ')}`);
        return;
      case 'finished': {
        const line = describeOutcome(event.instance, event.outcome);
        if (line) write(line);
        return;
      }
      case 'summary':
        for (const line of describeSummary(event.summary)) write(line);
        return;
      default:
        unreachable(event, 'event');
    }
  };
}
