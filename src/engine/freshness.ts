// Judges one instance against awm.lock: fresh, stale (its fingerprint changed), missing (never
// built, or an output is gone), modified (an output was edited by hand) or blocked (something it
// reads is not fresh yet). Says why in words, naming the changed file, prompt or param. Pure.
import type { Sha256 } from '../util/brand.js';
import type { Fingerprint, LockedParts } from './fingerprint.js';
import { lockedParts } from './fingerprint.js';
import type { PlannedInstance } from './instance-plan.js';
import type { LockEntry } from './lock-file.js';
import { canonicalJson } from '../util/canonical-json.js';

export type FreshnessState = 'fresh' | 'stale' | 'missing' | 'modified' | 'blocked';

export interface Freshness {
  readonly state: FreshnessState;
  readonly reasons: readonly string[];
}

export function judgeInstance(
  instance: PlannedInstance,
  fingerprint: Fingerprint,
  entry: LockEntry | undefined,
  outputHashes: Readonly<Record<string, Sha256 | null>>,
): Freshness {
  if (!entry) return { state: 'missing', reasons: ['never built (no entry in awm.lock)'] };
  if (entry.fingerprint !== fingerprint.hash) {
    const reasons = explainChanges(instance, entry.parts, lockedParts(fingerprint.parts));
    return { state: 'stale', reasons: reasons.length > 0 ? reasons : ['its fingerprint changed (fingerprint format or stage name)'] };
  }
  const missing = Object.entries(instance.outputs).filter(([name]) => outputHashes[name] === null || outputHashes[name] === undefined);
  if (missing.length > 0) return { state: 'missing', reasons: missing.map(([name, path]) => `output "${name}" (${path}) does not exist`) };
  const modified = Object.entries(instance.outputs).filter(([name]) => outputHashes[name] !== entry.outputs[name]);
  if (modified.length > 0) {
    return { state: 'modified', reasons: modified.map(([name, path]) => `output "${name}" (${path}) differs from awm.lock (edited by hand?); a build regenerates it`) };
  }
  return { state: 'fresh', reasons: [] };
}

/** Which recorded parts of the fingerprint differ, in words. */
export function explainChanges(instance: PlannedInstance, before: LockedParts, after: LockedParts): string[] {
  const stage = instance.stage.config;
  const reasons: string[] = [];
  if (before.code !== after.code) reasons.push(`code of stage "${stage.id}" changed (${stage.code})`);
  for (const name of union(before.prompts, after.prompts)) {
    const file = stage.prompts[name] ?? '?';
    if (!(name in before.prompts)) reasons.push(`prompt "${name}" is new (${file})`);
    else if (!(name in after.prompts)) reasons.push(`prompt "${name}" is no longer used`);
    else if (before.prompts[name] !== after.prompts[name]) reasons.push(`prompt "${name}" renders a different request (${file})`);
  }
  if (canonicalJson(before.model) !== canonicalJson(after.model)) reasons.push(`model settings changed: ${describeDiff(before.model ?? {}, after.model ?? {})}`);
  if (canonicalJson(before.params) !== canonicalJson(after.params)) reasons.push(`params changed: ${describeDiff(before.params, after.params)}`);
  if (before.world_clock !== after.world_clock) reasons.push(`world clock changed: ${before.world_clock ?? 'unset'} → ${after.world_clock ?? 'unset'}`);
  for (const name of union(before.inputs, after.inputs)) {
    const input = instance.inputs.find((candidate) => candidate.name === name);
    const what = input ? (input.kind === 'file' ? `file ${input.path}` : `${input.label}: ${input.path}${input.row ? ` row "${input.row}"` : ''}`) : name;
    if (!(name in before.inputs)) reasons.push(`input "${name}" is new (${what})`);
    else if (!(name in after.inputs)) reasons.push(`input "${name}" was removed`);
    else if (before.inputs[name] !== after.inputs[name]) reasons.push(`input "${name}" changed (${what})`);
  }
  return reasons;
}

function describeDiff(before: object, after: object): string {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of union(a, b)) {
    const was = JSON.stringify(a[key]);
    const now = JSON.stringify(b[key]);
    if (was === now) continue;
    if (!(key in a)) parts.push(`${key} = ${now} (new)`);
    else if (!(key in b)) parts.push(`${key} (removed, was ${was})`);
    else parts.push(`${key} ${was} → ${now}`);
  }
  return parts.join(', ');
}

function union(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
