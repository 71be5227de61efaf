// The no-op proof. When a run judged the whole graph fresh, it records every file that judgement
// read (the pipeline file, stage code, prompts, inputs, outputs, awm.lock) with its stat signature
// and content hash, the graph's instances, and what else decides fingerprints (awm's own code, the
// LLM environment's model rule). The next run stats those files: if none changed, nothing can be
// stale, and `build`, `status` and `check` answer without parsing the pipeline, loading a stage,
// reading the lock or computing a fingerprint. A file whose stat changed (a touch, an edit, a
// rename) sends the run down the full path, which judges everything and records a new proof.
//
// Like the stat cache, an entry is trusted only if its file did not change within two seconds of
// being hashed (racy-git): such a file is hashed again and compared.
//
// An optional input (`file?:`) found absent is part of what was read: it is recorded with the stat
// ABSENT, and the proof holds only while there is still no file there. One that appears sends the
// run down the full path, which finds its readers stale.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Fanout } from '../config/types.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { asScenarioId, asStageId, asTaskId, type ScenarioId, type StageId } from '../util/brand.js';
import { sha256 } from '../util/hash.js';
import { isRecord } from '../util/is-record.js';
import { statOrNull } from '../util/stat-or-null.js';
import { isDatabase, RACY_MARGIN_MS, type ContentHasher } from './content-hasher.js';
import type { InstanceRef } from './instance.js';
import { STATE_DIR, STATE_FILES } from './project-state.js';

/** Bump when the file's layout or meaning changes: an old stamp is then simply not used. */
const STAMP_FORMAT = 3;

export interface CleanStage {
  readonly id: StageId;
  readonly fanout: Fanout;
  readonly upstream: ReadonlySet<StageId>;
}

/** The graph as the proving run saw it, every instance fresh. */
export interface CleanProject {
  /** In dependency order. */
  readonly stages: readonly CleanStage[];
  readonly instances: readonly InstanceRef[];
  /** The scenario list, when there is one. */
  readonly scenarios: readonly ScenarioId[] | null;
  /** The folder of recorded answers (`llm.demo_responses`), which the offline notice names. */
  readonly demoResponses: string;
}

/**
 * The proof on disk. Laid out for a fast read (JSON.parse of a few flat arrays, most of them only
 * numbers): a no-op run reads it whole.
 */
interface StampFile {
  readonly format: number;
  /** awm's own code: a change to awm may change every judgement. */
  readonly awm: string;
  /** What the LLM environment decides about fingerprints (the model rule), never a credential. */
  readonly llm: string;
  readonly demoResponses: string;
  /**
   * Every file the judgement read, and per file [size, mtimeMs, ctimeMs, inode] in `stats`; all
   * four are ABSENT for an optional input that had no file.
   */
  readonly paths: readonly string[];
  readonly stats: readonly number[];
  /**
   * For files that changed in the same instant they were hashed, by index in `paths`: the SHA-256
   * of their bytes, compared on every use until a later use finds them settled.
   */
  readonly racy: Readonly<Record<string, string>>;
  readonly stages: readonly [id: string, fanout: Fanout, upstream: string[]][];
  /** Distinct scenario and task ids; `instances` is [stage, scenario, task] indexes, -1 for none. */
  readonly scenarioIds: readonly string[];
  readonly taskIds: readonly string[];
  readonly instances: readonly number[];
  /** The scenario list as indexes into scenarioIds, or null when there is none. */
  readonly scenarios: readonly number[] | null;
  /** SHA-256 of the rest: a damaged stamp is never trusted. */
  readonly check?: string;
}

const STATS_PER_FILE = 4;
/** The stats of a file that was absent: no file has a negative size. */
const ABSENT = -1;

/** The project as last proven clean, if nothing it read has changed since; otherwise null. */
export function provenClean(
  root: string,
  llmKey: string,
  stat: StatFile = statFile,
  now: () => number = Date.now,
): CleanProject | null {
  const stamp = readStamp(root);
  if (!stamp || stamp.format !== STAMP_FORMAT || stamp.llm !== llmKey || stamp.awm !== awmIdentity()) return null;
  // A build was cut short since: a journal holds outputs not in awm.lock yet, a note of temps names
  // temp outputs it left for the full path to sweep.
  for (const file of [STATE_FILES.journal, STATE_FILES.temps])
    if (statSync(join(root, STATE_DIR, file), { throwIfNoEntry: false })) return null;
  for (let index = 0; index < stamp.paths.length; index += 1) {
    if (!unchanged(root, stamp, index, stat)) return null;
  }
  settle(root, stamp, now());
  const stages = stamp.stages.map(([id, fanout, upstream]) => ({
    id: asStageId(id),
    fanout,
    upstream: new Set(upstream.map(asStageId)),
  }));
  const scenarioIds = stamp.scenarioIds.map(asScenarioId);
  const taskIds = stamp.taskIds.map(asTaskId);
  const instances: InstanceRef[] = [];
  for (let index = 0; index < stamp.instances.length; index += 3) {
    const stage = stages[stamp.instances[index]!];
    const scenario = stamp.instances[index + 1]!;
    const task = stamp.instances[index + 2]!;
    if (!stage) return null;
    instances.push({
      stage: stage.id,
      scenario: scenario < 0 ? null : (scenarioIds[scenario] ?? null),
      task: task < 0 ? null : (taskIds[task] ?? null),
    });
  }
  const scenarios = stamp.scenarios === null ? null : stamp.scenarios.map((index) => scenarioIds[index]!);
  return { stages, instances, scenarios, demoResponses: stamp.demoResponses };
}

/**
 * Records the proof after a run that judged (or built) every instance fresh. `sources` are the
 * files read besides inputs and outputs; the hasher knows every input and output this run read.
 */
export function recordClean(
  root: string,
  llmKey: string,
  hasher: ContentHasher,
  sources: Iterable<string>,
  project: CleanProject,
): void {
  for (const source of sources) hasher.hashFile(source);
  const paths: string[] = [];
  const stats: number[] = [];
  const racy: Record<string, string> = {};
  for (const [path, entry] of hasher.lookedUp()) {
    // Something read was missing (not an optional input): the graph cannot have been fresh.
    if (entry === null) return forgetClean(root);
    if (entry === 'absent') {
      paths.push(path);
      stats.push(ABSENT, ABSENT, ABSENT, ABSENT);
      continue;
    }
    if (Math.max(entry.mtimeMs, entry.ctimeMs) >= entry.hashedAt - RACY_MARGIN_MS) {
      // A database's hash is of its canonical dump; what the proof compares is its bytes.
      const bytes = isDatabase(path) ? entry.bytes : entry.hash;
      if (bytes === undefined) return forgetClean(root);
      racy[paths.length] = bytes;
    }
    paths.push(path);
    stats.push(entry.size, entry.mtimeMs, entry.ctimeMs, entry.ino);
  }
  const stageIndex = new Map(project.stages.map((stage, index) => [stage.id as string, index]));
  const scenarioIds = new Indexer();
  const taskIds = new Indexer();
  const instances: number[] = [];
  for (const ref of project.instances)
    instances.push(stageIndex.get(ref.stage) ?? -1, scenarioIds.of(ref.scenario), taskIds.of(ref.task));
  const scenarios = project.scenarios?.map((id) => scenarioIds.of(id)) ?? null;
  const stamp: StampFile = {
    format: STAMP_FORMAT,
    awm: awmIdentity(),
    llm: llmKey,
    demoResponses: project.demoResponses,
    paths,
    stats,
    racy,
    stages: project.stages.map((stage) => [stage.id, stage.fanout, [...stage.upstream]]),
    scenarioIds: scenarioIds.values,
    taskIds: taskIds.values,
    instances,
    scenarios,
  };
  writeStamp(root, stamp);
}

function writeStamp(root: string, stamp: StampFile): void {
  const { check: _check, ...rest } = stamp;
  atomicWriteFile(
    join(root, STATE_DIR, STATE_FILES.clean),
    JSON.stringify({ ...rest, check: sha256(JSON.stringify(rest)) }),
  );
}

/**
 * A racy file whose content was just confirmed, and whose stamps are now older than the margin,
 * cannot change again unseen: a later change would carry a later stamp. Such files lose their
 * hash, so the next use is a stat only. (The proof is rewritten once, when any settle.)
 */
function settle(root: string, stamp: StampFile, now: number): void {
  const racy = Object.entries(stamp.racy);
  if (racy.length === 0) return;
  const left = Object.fromEntries(
    racy.filter(([index]) => {
      const at = Number(index) * STATS_PER_FILE;
      return Math.max(stamp.stats[at + 1] ?? 0, stamp.stats[at + 2] ?? 0) >= now - RACY_MARGIN_MS;
    }),
  );
  if (Object.keys(left).length < racy.length) writeStamp(root, { ...stamp, racy: left });
}

/** Distinct strings, each given the index of its first appearance. */
class Indexer {
  readonly values: string[] = [];
  readonly #index = new Map<string, number>();

  of(value: string | null): number {
    if (value === null) return -1;
    let index = this.#index.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.#index.set(value, index);
    }
    return index;
  }
}

/** Drops the proof (a run found something not fresh, or failed). */
export function forgetClean(root: string): void {
  rmSync(join(root, STATE_DIR, STATE_FILES.clean), { force: true });
}

/** A file's stat signature, or null when there is no file (a test may stand in for the file system). */
export type StatFile = (path: string) => { size: number; mtimeMs: number; ctimeMs: number; ino: number } | null;

function statFile(path: string): ReturnType<StatFile> {
  const stats = statOrNull(path);
  return stats?.isFile() ? stats : null;
}

function unchanged(root: string, stamp: StampFile, index: number, stat: StatFile): boolean {
  const path = join(root, stamp.paths[index]!);
  const at = index * STATS_PER_FILE;
  const stats = stat(path);
  // Absent then, so it must be absent still; a file recorded as there must still be there.
  if (!stats) return stamp.stats[at] === ABSENT;
  if (
    stats.size !== stamp.stats[at] ||
    stats.mtimeMs !== stamp.stats[at + 1] ||
    stats.ctimeMs !== stamp.stats[at + 2] ||
    stats.ino !== stamp.stats[at + 3]
  )
    return false;
  const bytes = stamp.racy[index];
  // Changed in the same instant it was hashed: only its content can tell.
  return bytes === undefined || sha256(readFileSync(path)) === bytes;
}

function readStamp(root: string): StampFile | null {
  try {
    const value: unknown = JSON.parse(readFileSync(join(root, STATE_DIR, STATE_FILES.clean), 'utf8'));
    const arrays = ['paths', 'stats', 'stages', 'scenarioIds', 'taskIds', 'instances'];
    if (!isRecord(value) || !arrays.every((name) => Array.isArray(value[name])) || !isRecord(value['racy']))
      return null;
    const { check, ...rest } = value;
    return check === sha256(JSON.stringify(rest)) ? (value as unknown as StampFile) : null;
  } catch {
    return null;
  }
}

let identity: string | null = null;

/** awm's compiled code as it is on disk: the stat of every module under dist/src, and the package version. */
function awmIdentity(): string {
  if (identity !== null) return identity;
  const distSrc = new URL('../', import.meta.url);
  const signatures: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        const stats = statSync(path);
        signatures.push(`${path}|${stats.size}|${stats.mtimeMs}`);
      }
    }
  };
  walk(distSrc.pathname);
  const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  identity = sha256(`${sha256(pkg)}\n${signatures.sort().join('\n')}`);
  return identity;
}
