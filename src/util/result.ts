// Expected failures travel as values; bugs throw.
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** Closes a `switch` over a union: adding a member fails to compile until every switch handles it. */
export function unreachable(value: never, what = 'value'): never {
  throw new Error(`internal error: unexpected ${what}: ${JSON.stringify(value)}`);
}
