// For logs and CI (not a terminal): one line per thing that happened, nothing redrawn.
import type { BuildEvent } from '../build-event.js';
import { unreachable } from '../result.js';
import { describeOutcome, describeSummary } from './describe.js';

export type Write = (line: string) => void;

export function plainLogger(write: Write, options: { verbose: boolean } = { verbose: false }): (event: BuildEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'notice':
        write(`awm: ${event.message}`);
        return;
      case 'discovered':
        return;
      case 'started':
        if (options.verbose || event.reasons.length > 0) write(`▶ ${event.instance}: ${event.reasons.join('; ')}`);
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
