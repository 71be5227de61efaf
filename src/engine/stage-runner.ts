// Runs one stage instance: gives the stage its inputs, temp paths for its outputs and an LLM
// session; on success hashes the outputs and renames them into place (each rename is atomic, so a
// crash never leaves a half-written output). Writes the instance's log of attempts either way.
// A failed instance never replaces good outputs: its best attempt goes to the log.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Sha256 } from '../util/brand.js';
import { prettyJson } from '../util/canonical-json.js';
import type { Fingerprint } from './fingerprint.js';
import { lockedParts } from './fingerprint.js';
import type { FingerprintEnvironment } from './compute-fingerprint.js';
import { renderContext } from './compute-fingerprint.js';
import type { PlannedInstance } from './instance-plan.js';
import type { LockEntry } from './lock-file.js';
import type { LlmSession, StructuredRequest, StructuredResult } from '../llm/types.js';
import type { Outcome } from './events.js';
import type { RunContext, StageOutputs, StageRunResult } from '../stage-api/stage.js';

export interface StageRunEnvironment extends FingerprintEnvironment {
  readonly tempRoot: string;
  readonly artifactsDir: string;
  /** An LLM session for the stage (called only for stages with usesLlm). */
  openSession(instance: PlannedInstance): LlmSession;
  readonly signal: AbortSignal;
}

export interface RunRecord {
  readonly outcome: Outcome;
  readonly entry: LockEntry | null;
}

export async function runStageInstance(env: StageRunEnvironment, instance: PlannedInstance, fingerprint: Fingerprint, reasons: readonly string[]): Promise<RunRecord> {
  const started = Date.now();
  const tempDir = join(env.tempRoot, `${process.pid}-${started}-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(tempDir, { recursive: true });
  const log = new InstanceLog(instance, fingerprint, reasons);
  const session = instance.stage.definition.usesLlm ? recordingSession(env.openSession(instance), log) : refusingSession(instance);
  try {
    const outputs = outputWriter(env.root, instance, tempDir);
    const context: RunContext = { ...renderContext(env, instance, env.prompts(instance.stage)), outputs, llm: session, log: (line) => log.lines.push(line), signal: env.signal };
    let result: StageRunResult;
    try {
      result = await instance.stage.definition.run(context);
    } catch (error) {
      const message = `stage code threw: ${(error as Error).stack ?? String(error)}`;
      return { outcome: { kind: 'failed-error', message: firstLine(message), log: log.write(env, 'failed-error', { error: message }) }, entry: null };
    }
    if (result.status === 'failed') {
      const kind = result.kind === 'llm' ? 'failed-llm' : result.kind === 'validation' ? 'failed-validation' : result.kind === 'check' ? 'failed-check' : 'failed-error';
      return { outcome: { kind, message: result.message, log: log.write(env, kind, { error: result.message, best_attempt: result.bestAttempt ?? null }) }, entry: null };
    }
    const missing = Object.keys(instance.outputs).filter((name) => !existsSync(tempPathFor(tempDir, instance, name)));
    if (missing.length > 0) {
      const message = `stage "${instance.stage.config.id}" finished without writing output${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')}`;
      return { outcome: { kind: 'failed-error', message, log: log.write(env, 'failed-error', { error: message }) }, entry: null };
    }
    const outputHashes = await commitOutputs(env, instance, tempDir);
    const warnings = result.warnings ?? [];
    log.write(env, 'built', { warnings });
    const entry: LockEntry = { instance: instance.key, fingerprint: fingerprint.hash, outputs: outputHashes, parts: lockedParts(fingerprint.parts) };
    return { outcome: { kind: 'built', reasons, durationMs: Date.now() - started, warnings, llmRequests: log.requests, cachedRequests: log.cachedRequests }, entry };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Hash every output in its temp place, then rename each into place. */
async function commitOutputs(env: StageRunEnvironment, instance: PlannedInstance, tempDir: string): Promise<Record<string, Sha256>> {
  const hashes: Record<string, Sha256> = {};
  for (const name of Object.keys(instance.outputs)) hashes[name] = await env.hasher.hashUncached(tempPathFor(tempDir, instance, name));
  for (const [name, path] of Object.entries(instance.outputs)) {
    mkdirSync(dirname(join(env.root, path)), { recursive: true });
    renameSync(tempPathFor(tempDir, instance, name), join(env.root, path));
    env.hasher.adopt(path, hashes[name] as Sha256);
    env.jsonCache.forget(path);
  }
  return hashes;
}

function tempPathFor(tempDir: string, instance: PlannedInstance, name: string): string {
  return join(tempDir, `${name}${extname(instance.outputs[name] ?? '')}`);
}

function outputWriter(root: string, instance: PlannedInstance, tempDir: string): StageOutputs {
  const check = (name: string): void => {
    if (!(name in instance.outputs)) throw new Error(`stage wrote output "${name}", which it does not declare in awm.pipeline.yaml (declared: ${Object.keys(instance.outputs).join(', ')})`);
  };
  return {
    async writeJson(name, value) {
      check(name);
      writeFileSync(tempPathFor(tempDir, instance, name), prettyJson(value));
    },
    async writeText(name, text) {
      check(name);
      writeFileSync(tempPathFor(tempDir, instance, name), text);
    },
    pathFor(name) {
      check(name);
      return tempPathFor(tempDir, instance, name);
    },
    previousJson<T>(name: string): T | null {
      check(name);
      const path = join(root, instance.outputs[name] ?? '');
      if (!existsSync(path)) return null;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch {
        return null;
      }
    },
  };
}

/** Collects what the engine logs per instance: every structured request's attempts. */
class InstanceLog {
  readonly lines: string[] = [];
  readonly structuredRequests: { item: string | null; ok: boolean; attempts: unknown }[] = [];
  requests = 0;
  cachedRequests = 0;

  constructor(private readonly instance: PlannedInstance, private readonly fingerprint: Fingerprint, private readonly reasons: readonly string[]) {}

  record(item: string | null, result: StructuredResult<unknown>): void {
    this.structuredRequests.push({ item, ok: result.ok, attempts: result.attempts });
    for (const attempt of result.attempts) {
      if (attempt.stage === 'llm' && attempt.errors.length > 0 && !attempt.cached) continue;
      this.requests += 1;
      if (attempt.cached) this.cachedRequests += 1;
    }
  }

  /** Writes artifacts/<scenario>/logs/<stage>[.<task>].json; returns its path. */
  write(env: StageRunEnvironment, outcome: string, extra: Record<string, unknown>): string {
    const { ref } = this.instance;
    const file = `${ref.stage}${ref.task ? `.${ref.task}` : ''}.json`;
    const path = join(env.artifactsDir, ...(ref.scenario ? [ref.scenario] : []), 'logs', file);
    const body = { instance: this.instance.key, outcome, fingerprint: this.fingerprint.hash, reasons: this.reasons, at: new Date().toISOString(), ...extra, requests: this.structuredRequests, log: this.lines };
    const absolute = join(env.root, path);
    mkdirSync(dirname(absolute), { recursive: true });
    const temp = join(dirname(absolute), `.${basename(absolute)}.${process.pid}.tmp`);
    writeFileSync(temp, prettyJson(body));
    renameSync(temp, absolute);
    return path;
  }
}

function recordingSession(inner: LlmSession, log: InstanceLog): LlmSession {
  return {
    providerName: inner.providerName,
    model: inner.model,
    embeddingModel: inner.embeddingModel,
    usage: () => inner.usage(),
    embed: (texts, item) => inner.embed(texts, item),
    async structured<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const result = await inner.structured(request);
      log.record(request.item ?? null, result as StructuredResult<unknown>);
      return result;
    },
  };
}

function refusingSession(instance: PlannedInstance): LlmSession {
  const refuse = (): never => {
    throw new Error(`stage "${instance.stage.config.id}" called the LLM but does not declare usesLlm: true`);
  };
  return { providerName: 'none', model: 'none', embeddingModel: 'none', usage: () => ({ promptTokens: 0, completionTokens: 0 }), embed: refuse, structured: refuse };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
