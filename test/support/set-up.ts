// A suite's one-time setup whose failure fails every test of the suite. uvu swallows an error
// thrown in a `before` hook (its runner returns from a `finally`): the suite then reports 0 passed,
// no failure, and exit 0. Here the error is kept and rethrown before each test instead.
import type { Test } from 'uvu';

export function setUp(suite: Test, setup: () => unknown): void {
  let failure: { readonly error: unknown } | null = null;
  suite.before(async () => {
    try {
      await setup();
    } catch (error) {
      failure = { error };
    }
  });
  suite.before.each(() => {
    if (failure !== null) throw failure.error;
  });
}
