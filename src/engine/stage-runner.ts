// Runs one stage instance: renders its requests (once: what it sends is what its fingerprint
// hashes), gives the stage its inputs, temp paths for its outputs and an LLM session; on success
// hashes the outputs and renames them into place (each rename is atomic, so a crash never leaves a
// half-written output). Writes the instance's log of attempts either way. A failed instance never
// replaces good outputs: its best attempt goes to the log.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { LlmSession, StructuredResult } from '../llm/types.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import type { StageFailureKind, StageRunResult } from '../stage-api/stage.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { describeFileSystemError } from '../util/file-system-error.js';
import type { FileHash } from '../util/brand.js';
import { prettyJson } from '../util/canonical-json.js';
import {
  renderRequests,
  stageContextParts,
  type FingerprintEnvironment,
  type PreparedFingerprint,
  type RenderedRequests,
} from './compute-fingerprint.js';
import { isDatabase, type FileContent } from './content-hasher.js';
import type { Outcome, Reason } from './events.js';
import { parseIdList } from './fanout.js';
import type { Fingerprint } from './fingerprint.js';
import { lockedParts } from './fingerprint.js';
import type { PlannedInstance } from './instance-plan.js';
import type { LockEntry } from './lock-file.js';
import { createRunContext, recordingSession, refusingSession, tempPathsBeside } from './stage-context.js';

export interface StageRunEnvironment extends FingerprintEnvironment {
  readonly artifactsDir: string;
  /** Notes temp paths before they are written, so the next build sweeps them if this one is killed. */
  trackTemps(paths: readonly string[]): void;
  /** An LLM session for the stage (called only for stages with usesLlm). */
  openSession(instance: PlannedInstance): Promise<LlmSession>;
  /** Runs untrusted work for the stage (src/sandbox); answers the build's stop and reports its notices. */
  readonly sandbox: SandboxRunner;
  /** The output of this instance that is a list others fan out over (scenarios, tasks), if any. */
  listOutputOf(instance: PlannedInstance): string | null;
  readonly signal: AbortSignal;
}

/** What the executor decided to run, and why. */
export interface RunPlan {
  readonly prepared: PreparedFingerprint;
  /** The requests, when judging already rendered them; otherwise they are rendered here. */
  readonly rendered: RenderedRequests | null;
  readonly reasons: readonly Reason[];
}

export interface RunRecord {
  readonly outcome: Outcome;
  readonly entry: LockEntry | null;
}

const STAGE_FAILURE_KINDS = { llm: true, validation: true, check: true, error: true } as const satisfies Record<
  StageFailureKind,
  true
>;

export async function runStageInstance(
  env: StageRunEnvironment,
  instance: PlannedInstance,
  plan: RunPlan,
): Promise<RunRecord> {
  let rendered = plan.rendered;
  if (!rendered) {
    const render = renderRequests(env, plan.prepared);
    if (!render.ok) return { outcome: { kind: 'failed-inputs', problems: render.error }, entry: null };
    rendered = render.value;
  }
  const { texts, fingerprint } = rendered;
  const blocked = outputInTheWay(env.root, instance.outputs);
  if (blocked !== null) return { outcome: { kind: 'failed-error', message: blocked, log: null }, entry: null };
  const started = Date.now();
  const tempPaths = tempPathsBeside(env.root, instance.outputs, randomBytes(6).toString('hex'));
  const temps = Object.values(tempPaths);
  env.trackTemps(temps);
  for (const temp of temps) mkdirSync(dirname(temp), { recursive: true });
  const log = new InstanceLog(instance, fingerprint, plan.reasons);
  const stageId = instance.stage.config.id;
  const session = instance.stage.definition.usesLlm
    ? recordingSession(await env.openSession(instance), (item, result) => log.record(item, result))
    : refusingSession(stageId);
  try {
    const parts = stageContextParts(env, instance);
    const context = createRunContext(parts, {
      requests: texts,
      outputs: instance.outputs,
      tempPaths,
      llm: session,
      sandbox: env.sandbox,
      log: (line) => log.lines.push(line),
      signal: env.signal,
    });
    let result: StageRunResult;
    try {
      result = await instance.stage.definition.run(context);
    } catch (error) {
      // A full disk or a folder without permission reached through the stage's writes is said as such;
      // such an error often names no path (a write, SQLite's SQLITE_FULL): the outputs are where it wrote.
      const outputs = Object.values(instance.outputs).map((path) => join(env.root, path));
      const fileSystem = describeFileSystemError(error, env.root, outputs);
      if (fileSystem !== null)
        return { outcome: { kind: 'failed-error', message: fileSystem, log: null }, entry: null };
      const message = `stage code threw: ${(error as Error).stack ?? String(error)}`;
      return {
        outcome: {
          kind: 'failed-error',
          message: firstLine(message),
          log: log.write(env, 'failed-error', { error: message }),
        },
        entry: null,
      };
    }
    // Stopped by the first Ctrl-C (no further LLM request was sent, say): not the stage's failure.
    if (result.status === 'failed' && env.signal.aborted) {
      log.write(env, 'cancelled', { error: result.message, best_attempt: result.bestAttempt ?? null });
      return { outcome: { kind: 'cancelled' }, entry: null };
    }
    if (result.status === 'failed') {
      // A stage written in JavaScript may name a kind the contract does not have: that is an error too.
      const kind = `failed-${Object.hasOwn(STAGE_FAILURE_KINDS, result.kind) ? result.kind : 'error'}` as const;
      return {
        outcome: {
          kind,
          message: result.message,
          log: log.write(env, kind, { error: result.message, best_attempt: result.bestAttempt ?? null }),
        },
        entry: null,
      };
    }
    const missing = Object.keys(instance.outputs).filter((name) => !existsSync(tempPaths[name]!));
    if (missing.length > 0) {
      const message = `stage "${stageId}" finished without writing output${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')}`;
      return {
        outcome: { kind: 'failed-error', message, log: log.write(env, 'failed-error', { error: message }) },
        entry: null,
      };
    }
    const list = env.listOutputOf(instance);
    if (list !== null) {
      // A list others fan out over is checked where it is written: a row that cannot be used fails
      // the stage that wrote it, and the list in place (if any) stays as it was.
      const ids = parseIdList(readFileSync(tempPaths[list]!, 'utf8'), instance.outputs[list] ?? list, (id) => id);
      if (!ids.ok) {
        const message = `the list it wrote cannot be fanned out over: ${ids.error}`;
        return {
          outcome: { kind: 'failed-error', message, log: log.write(env, 'failed-error', { error: message }) },
          entry: null,
        };
      }
    }
    const contents = Object.fromEntries(
      Object.keys(instance.outputs).map((name) => [name, env.hasher.hashContent(tempPaths[name]!, undefined)]),
    );
    const damaged = Object.entries(contents).find(([, content]) => content.unreadable !== undefined);
    if (damaged) {
      const message = `stage "${stageId}" wrote output "${damaged[0]}", which is not a sound SQLite database (${damaged[1].unreadable ?? ''})`;
      return {
        outcome: { kind: 'failed-error', message, log: log.write(env, 'failed-error', { error: message }) },
        entry: null,
      };
    }
    const outputHashes = commitOutputs(env, instance, tempPaths, contents);
    const warnings = result.warnings ?? [];
    log.write(env, 'built', { warnings }, { onlyIfSomething: true });
    const entry: LockEntry = {
      instance: instance.key,
      fingerprint: fingerprint.hash,
      outputs: outputHashes,
      parts: lockedParts(fingerprint.parts),
      ...(result.summary === undefined ? {} : { summary: result.summary }),
    };
    return {
      outcome: {
        kind: 'built',
        reasons: plan.reasons,
        durationMs: Date.now() - started,
        warnings,
        llmRequests: log.requests,
        cachedRequests: log.cachedRequests,
        summary: result.summary ?? null,
      },
      entry,
    };
  } finally {
    for (const temp of temps) rmSync(temp, { force: true });
  }
}

/**
 * Why an output cannot be put in place — a folder where it goes, a file where a folder on its way
 * should be — or null. Said before the stage runs; nothing there is removed, it may be someone's work.
 */
function outputInTheWay(root: string, outputs: Readonly<Record<string, string>>): string | null {
  for (const [name, path] of Object.entries(outputs)) {
    const steps = path.split('/');
    for (let count = 1; count <= steps.length; count += 1) {
      const at = steps.slice(0, count).join('/');
      const stats = statSync(join(root, at), { throwIfNoEntry: false });
      if (!stats) break;
      if (count === steps.length && stats.isDirectory())
        return `output "${name}" cannot be put in place: ${at} is a folder. Move it away (or delete it) and run awm build again`;
      if (count < steps.length && !stats.isDirectory())
        return `output "${name}" (${path}) cannot be put in place: ${at} is a file where a folder belongs. Move it away (or delete it) and run awm build again`;
    }
  }
  return null;
}

/** Renames each output into place (from beside it: never across devices) and records its hash. */
function commitOutputs(
  env: StageRunEnvironment,
  instance: PlannedInstance,
  tempPaths: Readonly<Record<string, string>>,
  contents: Readonly<Record<string, FileContent>>,
): Record<string, FileHash> {
  const hashes: Record<string, FileHash> = {};
  for (const [name, path] of Object.entries(instance.outputs)) {
    const content = contents[name]!;
    const target = join(env.root, path);
    // A journal or WAL left beside an older database would be replayed into the new one.
    if (isDatabase(path))
      for (const suffix of ['-journal', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(tempPaths[name]!, target);
    // Hashed once, before the rename: a database's costly canonical dump is kept with its stat and bytes.
    env.hasher.adopt(path, content);
    env.jsonCache.forget(path);
    hashes[name] = content.hash;
  }
  return hashes;
}

/** Collects what the engine logs per instance: every structured request's attempts. */
class InstanceLog {
  readonly lines: string[] = [];
  readonly structuredRequests: { item: string | null; ok: boolean; attempts: unknown }[] = [];
  requests = 0;
  cachedRequests = 0;

  constructor(
    private readonly instance: PlannedInstance,
    private readonly fingerprint: Fingerprint,
    private readonly reasons: readonly Reason[],
  ) {}

  record(item: string | null, result: StructuredResult<unknown>): void {
    this.structuredRequests.push({ item, ok: result.ok, attempts: result.attempts });
    for (const attempt of result.attempts) {
      if (attempt.stage === 'llm' && attempt.errors.length > 0 && !attempt.cached) continue;
      this.requests += 1;
      if (attempt.cached) this.cachedRequests += 1;
    }
  }

  /**
   * Writes artifacts/<scenario>/logs/<stage>[.<task>].json; returns its path. A successful instance
   * that asked no LLM, logged no line and has no warning has nothing to say: its log is not written
   * (and one an earlier build left is removed, so no log tells an old story).
   */
  write(
    env: StageRunEnvironment,
    outcome: string,
    extra: Record<string, unknown>,
    options: { onlyIfSomething?: boolean } = {},
  ): string {
    const { ref } = this.instance;
    const file = `${ref.stage}${ref.task ? `.${ref.task}` : ''}.json`;
    const path = join(env.artifactsDir, ...(ref.scenario ? [ref.scenario] : []), 'logs', file);
    const warnings = extra['warnings'];
    const nothing =
      this.structuredRequests.length === 0 &&
      this.lines.length === 0 &&
      (!Array.isArray(warnings) || warnings.length === 0);
    if (options.onlyIfSomething && nothing) {
      rmSync(join(env.root, path), { force: true });
      return path;
    }
    const body = {
      instance: this.instance.key,
      outcome,
      fingerprint: this.fingerprint.hash,
      reasons: this.reasons,
      at: new Date().toISOString(),
      ...extra,
      requests: this.structuredRequests,
      log: this.lines,
    };
    atomicWriteFile(join(env.root, path), prettyJson(body));
    return path;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
