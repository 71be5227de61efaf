// Where an instance stands, as build and status both need to know it: its inputs hashed, its
// fingerprint (from the render memo, or by rendering its requests) and its freshness against the
// lock. An instance never built needs no fingerprint to be judged, so it is not rendered here; the
// build renders it once, when it runs.
import {
  prepareFingerprint,
  rememberedFingerprint,
  renderRequests,
  type FingerprintEnvironment,
  type PreparedFingerprint,
  type RenderedRequests,
} from './compute-fingerprint.js';
import type { InputProblem } from './events.js';
import { judgeInstance, judgeOutputs, NEVER_BUILT, type Freshness } from './freshness.js';
import type { PlannedInstance } from './instance-plan.js';
import type { ProjectState } from './project-state.js';

export type Assessment =
  /** Its lock entry is imported (LockEntry.imported) and its outputs are as recorded. */
  | { readonly kind: 'imported-fresh' }
  /** Its inputs are not all there (not built, missing, no such row), or its prompts do not render. */
  | { readonly kind: 'inputs-unavailable'; readonly problems: readonly InputProblem[] }
  | {
      readonly kind: 'judged';
      readonly freshness: Freshness;
      readonly prepared: PreparedFingerprint;
      /** The rendered requests when judging had to render them (the memo did not know these inputs). */
      readonly rendered: RenderedRequests | null;
    };

export function assessInstance(
  env: FingerprintEnvironment,
  state: ProjectState,
  instance: PlannedInstance,
  /** Judge an imported entry as a built one (a forced build runs the stage). */
  asBuilt = false,
): Assessment {
  const entry = state.entries.get(instance.key);
  // Imported outputs are pinned to their content: what the stage reads does not decide them.
  let importedFreshness: Freshness | null = null;
  if (entry?.imported !== undefined && !asBuilt) {
    importedFreshness = judgeOutputs(instance, entry, state.hasher.hashAll(instance.outputs), (path) =>
      state.hasher.unreadableOf(path),
    );
    if (importedFreshness.state === 'fresh') return { kind: 'imported-fresh' };
  }
  const prepared = prepareFingerprint(env, instance);
  if (!prepared.ok) return { kind: 'inputs-unavailable', problems: prepared.error };
  if (importedFreshness !== null)
    return { kind: 'judged', freshness: importedFreshness, prepared: prepared.value, rendered: null };
  if (!entry) return { kind: 'judged', freshness: NEVER_BUILT, prepared: prepared.value, rendered: null };
  let rendered: RenderedRequests | null = null;
  let fingerprint = rememberedFingerprint(env, prepared.value);
  if (!fingerprint) {
    const render = renderRequests(env, prepared.value);
    if (!render.ok) return { kind: 'inputs-unavailable', problems: render.error };
    rendered = render.value;
    fingerprint = render.value.fingerprint;
  }
  const freshness = judgeInstance(instance, fingerprint, entry, state.hasher.hashAll(instance.outputs), (path) =>
    state.hasher.unreadableOf(path),
  );
  return { kind: 'judged', freshness, prepared: prepared.value, rendered };
}
