// The server's own events in its run folder's server.log, beside the call log's lines in the same
// file: one JSON line each (`{ time, event, … }`; a call's line has `tool` instead), appended, so
// the file reads in order and a killed server keeps what it wrote.
import { closeSync, openSync, writeSync } from 'node:fs';

export type ServerEvent =
  | { readonly event: 'listening'; readonly scenario: string; readonly url: string; readonly tools: number }
  | { readonly event: 'sandbox-notice'; readonly message: string }
  | { readonly event: 'judge'; readonly available: boolean; readonly reason?: string }
  | { readonly event: 'stopping' }
  | { readonly event: 'stopped'; readonly final_db?: string; readonly closed_live?: number }
  | { readonly event: 'draining'; readonly live_episodes: number; readonly drain_seconds: number }
  | { readonly event: 'serving'; readonly url: string; readonly scenarios: readonly string[] }
  | {
      readonly event: 'episode-created' | 'episode-closed' | 'episode-detached' | 'episode-reattached';
      readonly [field: string]: unknown;
    };

export class ServerLog {
  #fd: number | null;

  constructor(
    readonly path: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.#fd = openSync(path, 'a');
  }

  write(event: ServerEvent): void {
    if (this.#fd === null) return;
    writeSync(this.#fd, `${JSON.stringify({ time: this.clock().toISOString(), ...event })}\n`);
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
