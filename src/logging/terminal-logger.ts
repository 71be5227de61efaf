// For an interactive terminal: what happened scrolls above a live block of one line per stage
// (built / fresh / failed / left).
import type { BuildEvent } from '../engine/events.js';
import { isFailure } from '../engine/events.js';
import { unreachable } from '../util/result.js';
import { describeNotice, describeOutcome, describeSummary } from './describe.js';
import { ProgressBlock, type TerminalStream } from './progress-block.js';

export type { TerminalStream } from './progress-block.js';

interface StageProgress {
  discovered: number;
  built: number;
  fresh: number;
  failed: number;
  skipped: number;
  running: number;
}

export function terminalLogger(stream: TerminalStream): (event: BuildEvent) => void {
  const stages = new Map<string, StageProgress>();
  const progress = (stage: string): StageProgress => {
    let entry = stages.get(stage);
    if (!entry) {
      entry = { discovered: 0, built: 0, fresh: 0, failed: 0, skipped: 0, running: 0 };
      stages.set(stage, entry);
    }
    return entry;
  };
  const block = new ProgressBlock(stream, () => {
    const width = Math.max(...[...stages.keys()].map((name) => name.length), 5);
    return [...stages].map(([name, p]) => {
      const left = p.discovered - p.built - p.fresh - p.failed - p.skipped;
      const bar = `${p.built} built · ${p.fresh} fresh · ${p.failed} failed · ${left} left${p.running > 0 ? ` (${p.running} running)` : ''}`;
      return `  ${name.padEnd(width)}  ${bar}`;
    });
  });
  return (event) => {
    switch (event.kind) {
      case 'notice':
        block.print(`awm: ${describeNotice(event.notice)}`);
        return;
      case 'discovered':
        progress(event.stage).discovered += event.count;
        block.draw();
        return;
      case 'started':
        progress(event.stage).running += 1;
        block.draw();
        return;
      case 'finished': {
        const p = progress(event.stage);
        const { outcome } = event;
        if (outcome.kind === 'built' || isFailure(outcome)) p.running = Math.max(0, p.running - 1);
        if (outcome.kind === 'built') p.built += 1;
        else if (outcome.kind === 'fresh' || outcome.kind === 'would-build') p.fresh += 1;
        else if (isFailure(outcome)) p.failed += 1;
        else p.skipped += 1;
        const line = describeOutcome(event.instance, outcome);
        if (line) block.print(line);
        else block.draw();
        return;
      }
      case 'summary':
        block.finish();
        for (const line of describeSummary(event.summary)) stream.write(`${line}\n`);
        return;
      default:
        unreachable(event, 'event');
    }
  };
}
