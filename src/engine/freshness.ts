// Judges one instance against awm.lock: fresh, stale (its fingerprint changed), missing (never
// built, or an output is gone), modified (an output was edited by hand) or blocked (something it
// reads is not fresh yet). Says why as data — the changed file, prompt, param, with its values —
// which logging/describe.ts puts into words. Pure.
import type { FileHash } from '../util/brand.js';
import { canonicalJson } from '../util/canonical-json.js';
import { shortHash } from '../util/hash.js';
import type { FreshnessState, InputSource, Reason, SettingChange } from './events.js';
import type { Fingerprint, LockedParts } from './fingerprint.js';
import { ABSENT_INPUT, lockedParts } from './fingerprint.js';
import type { PlannedInstance } from './instance-plan.js';
import type { LockEntry } from './lock-file.js';

export interface Freshness {
  readonly state: FreshnessState;
  readonly reasons: readonly Reason[];
}

export const NEVER_BUILT: Freshness = { state: 'missing', reasons: [{ code: 'never-built' }] };

export function judgeInstance(
  instance: PlannedInstance,
  fingerprint: Fingerprint,
  entry: LockEntry | undefined,
  outputHashes: Readonly<Record<string, FileHash | null>>,
  /** Why an output cannot be read as what it claims to be (a damaged database), or null. */
  unreadableOf: (path: string) => string | null = () => null,
): Freshness {
  if (!entry) return NEVER_BUILT;
  if (entry.fingerprint !== fingerprint.hash) {
    const reasons = explainChanges(instance, entry.parts, lockedParts(fingerprint.parts));
    return { state: 'stale', reasons: reasons.length > 0 ? reasons : [{ code: 'fingerprint-format-changed' }] };
  }
  return judgeOutputs(instance, entry, outputHashes, unreadableOf);
}

/**
 * Outputs against the lock: missing, modified, or fresh. An imported entry (LockEntry.imported)
 * is judged by this alone: nothing a stage reads decides outputs no stage wrote.
 */
export function judgeOutputs(
  instance: PlannedInstance,
  entry: LockEntry,
  outputHashes: Readonly<Record<string, FileHash | null>>,
  unreadableOf: (path: string) => string | null = () => null,
): Freshness {
  const missing = Object.entries(instance.outputs).filter(
    ([name]) => outputHashes[name] === null || outputHashes[name] === undefined,
  );
  if (missing.length > 0)
    return { state: 'missing', reasons: missing.map(([output, path]) => ({ code: 'output-missing', output, path })) };
  const modified = Object.entries(instance.outputs).filter(([name]) => outputHashes[name] !== entry.outputs[name]);
  if (modified.length > 0)
    return {
      state: 'modified',
      reasons: modified.map(([output, path]): Reason => {
        const problem = unreadableOf(path);
        return problem === null
          ? { code: 'output-modified', output, path }
          : { code: 'output-unreadable', output, path, problem };
      }),
    };
  return { state: 'fresh', reasons: [] };
}

/** Which recorded parts of the fingerprint differ. */
export function explainChanges(instance: PlannedInstance, before: LockedParts, after: LockedParts): Reason[] {
  const stage = instance.stage.config;
  const reasons: Reason[] = [];
  if (before.code !== after.code) reasons.push({ code: 'code-changed', stage: stage.id, file: stage.code });
  for (const prompt of union(before.prompts, after.prompts)) {
    const file = stage.prompts[prompt] ?? '?';
    if (!(prompt in before.prompts)) reasons.push({ code: 'prompt-new', prompt, file });
    else if (!(prompt in after.prompts)) reasons.push({ code: 'prompt-unused', prompt });
    else if (before.prompts[prompt] !== after.prompts[prompt]) reasons.push({ code: 'prompt-changed', prompt, file });
  }
  if (canonicalJson(before.model) !== canonicalJson(after.model))
    reasons.push({ code: 'model-changed', changes: settingChanges(before.model ?? {}, after.model ?? {}) });
  if (canonicalJson(before.params) !== canonicalJson(after.params))
    reasons.push({ code: 'params-changed', changes: settingChanges(before.params, after.params) });
  if (before.world_clock !== after.world_clock)
    reasons.push({ code: 'world-clock-changed', before: before.world_clock, after: after.world_clock });
  for (const input of union(before.inputs, after.inputs)) {
    const source = sourceOf(instance, input);
    if (!(input in before.inputs)) reasons.push({ code: 'input-new', input, source });
    else if (!(input in after.inputs)) reasons.push({ code: 'input-removed', input });
    else if (before.inputs[input] !== after.inputs[input])
      reasons.push(inputChange(input, source, before.inputs[input], after.inputs[input]));
  }
  return reasons;
}

const ABSENT = shortHash(ABSENT_INPUT);

/** An input's content changed; for an optional file, its appearing or going says more. */
function inputChange(input: string, source: InputSource | null, before?: string, after?: string): Reason {
  if (source?.kind === 'file' && before === ABSENT) return { code: 'input-file-appeared', input, path: source.path };
  if (source?.kind === 'file' && after === ABSENT) return { code: 'input-file-disappeared', input, path: source.path };
  return { code: 'input-changed', input, source };
}

function sourceOf(instance: PlannedInstance, name: string): InputSource | null {
  const input = instance.inputs.find((candidate) => candidate.name === name);
  if (!input) return null;
  return input.kind === 'file'
    ? { kind: 'file', path: input.path }
    : { kind: 'output', label: input.label, path: input.path, row: input.row };
}

function settingChanges(before: object, after: object): SettingChange[] {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const changes: SettingChange[] = [];
  for (const key of union(a, b)) {
    if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    if (!(key in a)) changes.push({ key, after: b[key] });
    else if (!(key in b)) changes.push({ key, before: a[key] });
    else changes.push({ key, before: a[key], after: b[key] });
  }
  return changes;
}

function union(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
