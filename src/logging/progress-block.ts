// The live block at the bottom of a terminal: one line per stage, redrawn in place. Text printed
// through `print` scrolls above it; drawing is throttled to ten times a second.
export interface TerminalStream {
  write(text: string): void;
}

export class ProgressBlock {
  readonly #stream: TerminalStream;
  readonly #lines: () => readonly string[];
  #drawnLines = 0;
  #lastDraw = 0;

  /** `lines` gives the block's current lines each time it is drawn. */
  constructor(stream: TerminalStream, lines: () => readonly string[]) {
    this.#stream = stream;
    this.#lines = lines;
  }

  /** Redraws, at most every 100 ms unless `force`. */
  draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#clear();
    const lines = this.#lines();
    if (lines.length > 0) this.#stream.write(`${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  /** Text above the block, which is redrawn below it. */
  print(text: string): void {
    this.#clear();
    this.#stream.write(`${text}\n`);
    this.draw(true);
  }

  /** Draws a last time and leaves the block on screen; what is written next goes below it. */
  finish(): void {
    this.draw(true);
    this.#drawnLines = 0;
  }

  #clear(): void {
    if (this.#drawnLines > 0) this.#stream.write(`\x1b[${this.#drawnLines}A\x1b[J`);
    this.#drawnLines = 0;
  }
}
