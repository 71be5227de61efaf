// The contract a child entry module fulfils: its default export takes the JSON input (and the
// context below) and returns, or resolves to, a JSON-serializable value. Types only, so an entry can
// name them without loading anything at run time.

/** What an entry's default export receives besides its input. */
export interface EntryContext {
  /** The one folder the child may write to (also its working directory, TMPDIR and SQLITE_TMPDIR). */
  readonly scratchDir: string;
}

/** `undefined` comes back as `null`; a value JSON cannot hold ends as a `threw` outcome in phase `return`. */
export type SandboxEntry<I, O> = (input: I, context: EntryContext) => Promise<O> | O;
