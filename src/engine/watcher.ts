// Watch mode's lifecycle: build, then rebuild whenever a source changes, one build at a time. A
// change during a build never interrupts it (an LLM request in flight finishes); it is picked up
// by the next build. The file watching itself and the build are given to it.
//
//   [idle] ──change──▶ [debouncing] ──quiet for debounceMs──▶ [building] ──done──▶ [idle]
//                       ▲   │ change: restart the timer          │ change
//                       │   ▼                                    ▼
//                       └───────────── done ◀───────── [building, pending]
//   every state ──stop──▶ [stopped]   (a build in progress finishes first)

export interface FileWatch {
  add(paths: readonly string[]): void;
  unwatch(paths: readonly string[]): void;
  close(): Promise<void>;
}

export type WatchEvent =
  /** These sources changed; what became stale is rebuilt now. */
  | { readonly kind: 'rebuilding'; readonly changed: readonly string[] }
  /** The build is done; waiting for the next change. */
  | { readonly kind: 'watching'; readonly sources: number };

export interface WatcherOptions {
  readonly debounceMs: number;
  /** Runs one build after `changed` changed; returns the sources to watch from then on. */
  build(changed: readonly string[]): Promise<ReadonlySet<string>>;
  /** Starts watching `paths`, calling `onChange` with each changed path; resolves once it is ready. */
  watch(paths: readonly string[], onChange: (path: string) => void): Promise<FileWatch>;
  report(event: WatchEvent): void;
}

type WatcherState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'debouncing'; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'building'; readonly pending: boolean; readonly done: Promise<void> }
  | { readonly kind: 'stopped' };

export class Watcher {
  readonly #options: WatcherOptions;
  #state: WatcherState = { kind: 'idle' };
  readonly #changed = new Set<string>();
  #files: FileWatch | null = null;
  #watched: ReadonlySet<string> = new Set();

  constructor(options: WatcherOptions) {
    this.#options = options;
  }

  /** Watches `sources` and runs the first build. */
  async start(sources: ReadonlySet<string>): Promise<void> {
    this.#watched = sources;
    this.#files = await this.#options.watch([...sources], (path) => this.#fileChanged(path));
    this.#build();
    if (this.#state.kind === 'building') await this.#state.done;
  }

  /** Stops watching; resolves when a build in progress has finished. */
  async stop(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: 'stopped' };
    switch (state.kind) {
      case 'debouncing':
        clearTimeout(state.timer);
        break;
      case 'building':
        await state.done;
        break;
      case 'idle':
      case 'stopped':
        break;
      default:
        throw unexpectedState(state);
    }
    await this.#files?.close();
  }

  #fileChanged(path: string): void {
    this.#changed.add(path);
    const state = this.#state;
    switch (state.kind) {
      case 'idle':
        this.#debounce();
        return;
      case 'debouncing':
        clearTimeout(state.timer);
        this.#debounce();
        return;
      case 'building':
        this.#state = { ...state, pending: true };
        return;
      case 'stopped':
        return;
      default:
        throw unexpectedState(state);
    }
  }

  #debounce(): void {
    this.#state = { kind: 'debouncing', timer: setTimeout(() => this.#debounced(), this.#options.debounceMs) };
  }

  #debounced(): void {
    const state = this.#state;
    switch (state.kind) {
      case 'debouncing':
        this.#build();
        return;
      case 'stopped':
        return;
      case 'idle':
      case 'building':
        throw unexpectedState(state);
      default:
        throw unexpectedState(state);
    }
  }

  #build(): void {
    const changed = [...this.#changed];
    this.#changed.clear();
    if (changed.length > 0) this.#options.report({ kind: 'rebuilding', changed });
    const done = this.#options.build(changed).then(
      (sources) => this.#built(sources),
      () => this.#built(this.#watched),
    );
    this.#state = { kind: 'building', pending: false, done };
  }

  #built(sources: ReadonlySet<string>): void {
    this.#follow(sources);
    const state = this.#state;
    switch (state.kind) {
      case 'building':
        if (state.pending) this.#debounce();
        else {
          this.#state = { kind: 'idle' };
          this.#options.report({ kind: 'watching', sources: this.#watched.size });
        }
        return;
      case 'stopped':
        return;
      case 'idle':
      case 'debouncing':
        throw unexpectedState(state);
      default:
        throw unexpectedState(state);
    }
  }

  /** Watches what the pipeline now names (a new prompt file, a stage removed). */
  #follow(sources: ReadonlySet<string>): void {
    const added = [...sources].filter((path) => !this.#watched.has(path));
    const removed = [...this.#watched].filter((path) => !sources.has(path));
    if (added.length > 0) this.#files?.add(added);
    if (removed.length > 0) this.#files?.unwatch(removed);
    this.#watched = sources;
  }
}

function unexpectedState(state: WatcherState): Error {
  return new Error(`internal error: the watcher got an event it does not expect in state "${state.kind}"`);
}
