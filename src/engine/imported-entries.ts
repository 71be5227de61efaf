// Lock entries for outputs no stage wrote: `awm import` puts the reference's files, converted, at
// the stages' output paths, then records each such instance as imported (LockEntry.imported). The
// entry pins the outputs' content hashes; the executor and status judge it by those alone, so the
// stages downstream build on it and nothing re-asks the LLM for what was imported.
import { asFingerprintHash, asScenarioId, asStageId, asTaskId, type FileHash } from '../util/brand.js';
import { hashValue } from '../util/hash.js';
import { err, ok, type Result } from '../util/result.js';
import { FINGERPRINT_FORMAT } from './fingerprint.js';
import { planInstance } from './instance-plan.js';
import type { LockEntry } from './lock-file.js';
import type { Project } from './project.js';

export interface ImportedInstance {
  readonly stage: string;
  readonly scenario: string | null;
  readonly task: string | null;
  /** Where the outputs came from, e.g. `gen_tasks.jsonl:3`. */
  readonly origin: string;
}

/**
 * Records an imported entry for each instance (journal first, as a build does); every output must
 * be on disk already. The caller holds the build lock and flushes the lock afterwards.
 */
export function recordImported(project: Project, items: readonly ImportedInstance[]): Result<number, string[]> {
  const problems: string[] = [];
  const entries: LockEntry[] = [];
  for (const item of items) {
    const stage = project.stages.get(asStageId(item.stage));
    if (stage === undefined) {
      problems.push(`the pipeline has no stage "${item.stage}" to import into`);
      continue;
    }
    const instance = planInstance(
      project.config,
      project.stages,
      stage,
      item.scenario === null ? null : asScenarioId(item.scenario),
      item.task === null ? null : asTaskId(item.task),
    );
    const hashes = project.state.hasher.hashAll(instance.outputs);
    const absent = Object.entries(instance.outputs).filter(([name]) => hashes[name] === null);
    if (absent.length > 0) {
      problems.push(`${instance.key}: ${absent.map(([, path]) => path).join(', ')} not written`);
      continue;
    }
    const outputs = hashes as Record<string, FileHash>;
    entries.push({
      instance: instance.key,
      fingerprint: asFingerprintHash(
        hashValue({ format: FINGERPRINT_FORMAT, stage: item.stage, imported: item.origin, outputs }),
      ),
      outputs,
      parts: { code: 'imported', prompts: {}, model: null, params: {}, world_clock: null, inputs: {} },
      // No `summary`: no check of ours passed on it (the checks block counts only those).
      imported: item.origin,
    });
  }
  if (problems.length > 0) return err(problems);
  for (const entry of entries) project.state.record(entry, true);
  return ok(entries.length);
}
