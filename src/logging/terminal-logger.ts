// For an interactive terminal: what happened scrolls above a live block of one line per stage
// (done / fresh / failed / left), redrawn at most ten times a second.
import type { BuildEvent } from '../engine/build-event.js';
import { isFailure } from '../engine/events.js';
import { unreachable } from '../util/result.js';
import { describeOutcome, describeSummary } from './describe.js';

interface StageProgress {
  discovered: number;
  built: number;
  fresh: number;
  failed: number;
  skipped: number;
  running: number;
}

export interface TerminalStream {
  write(text: string): void;
}

export function terminalLogger(stream: TerminalStream): (event: BuildEvent) => void {
  const stages = new Map<string, StageProgress>();
  let drawnLines = 0;
  let lastDraw = 0;
  const progress = (stage: string): StageProgress => {
    let entry = stages.get(stage);
    if (!entry) {
      entry = { discovered: 0, built: 0, fresh: 0, failed: 0, skipped: 0, running: 0 };
      stages.set(stage, entry);
    }
    return entry;
  };
  const clear = (): void => {
    if (drawnLines > 0) stream.write(`\x1b[${drawnLines}A\x1b[J`);
    drawnLines = 0;
  };
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    clear();
    const width = Math.max(...[...stages.keys()].map((name) => name.length), 5);
    const lines = [...stages].map(([name, p]) => {
      const left = p.discovered - p.built - p.fresh - p.failed - p.skipped;
      const bar = `${p.built} built · ${p.fresh} fresh · ${p.failed} failed · ${left} left${p.running > 0 ? ` (${p.running} running)` : ''}`;
      return `  ${name.padEnd(width)}  ${bar}`;
    });
    if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  const print = (text: string): void => {
    clear();
    stream.write(`${text}\n`);
    draw(true);
  };
  return (event) => {
    switch (event.kind) {
      case 'notice':
        print(`awm: ${event.message}`);
        return;
      case 'discovered':
        progress(event.stage).discovered += event.count;
        draw(false);
        return;
      case 'started':
        progress(event.stage).running += 1;
        draw(false);
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
        if (line) print(line);
        else draw(false);
        return;
      }
      case 'summary':
        draw(true);
        drawnLines = 0;
        for (const line of describeSummary(event.summary)) stream.write(`${line}\n`);
        return;
      default:
        unreachable(event, 'event');
    }
  };
}
