// Computes an instance's fingerprint from the current state of what it reads. In two steps, so the
// expensive part can be skipped: `prepareFingerprint` hashes the inputs (stat-cached); the prompt
// hashes then come from the render memo when these exact inputs were rendered before, or from
// rendering the requests, whose texts the stage is then given to send.
//
//   inputs ──hash──▶ prepared ──memo──▶ fingerprint
//                        └──render──▶ texts + fingerprint (remembered)
import type { ModelSettings } from '../config/types.js';
import type { PromptTemplate, RenderContext } from '../stage-api/stage.js';
import { asRequestHash, type FileHash, type RequestHash } from '../util/brand.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256 } from '../util/hash.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import type { ContentHasher } from './content-hasher.js';
import type { InputProblem } from './events.js';
import { ABSENT_INPUT, computeFingerprint, type Fingerprint, type FingerprintParts } from './fingerprint.js';
import type { PlannedInstance, ResolvedInput } from './instance-plan.js';
import type { RenderMemo } from './render-memo.js';
import { createRenderContext, type JsonFileCache, type StageContextParts } from './stage-context.js';
import type { LoadedStage } from './stage-loader.js';

export interface LoadedPrompt {
  readonly template: PromptTemplate;
  /** Hash of the template file's text: part of the memo key, never of the fingerprint. */
  readonly fileHash: string;
}

export interface FingerprintEnvironment {
  readonly root: string;
  readonly hasher: ContentHasher;
  readonly memo: RenderMemo;
  readonly jsonCache: JsonFileCache;
  readonly worldClock: string;
  readonly worldClockInstant: Date;
  prompts(stage: LoadedStage): Readonly<Record<string, LoadedPrompt>>;
  /** The model settings that will answer this stage's requests (null for local stages). */
  modelFor(stage: LoadedStage): ModelSettings | null;
}

/** An instance's fingerprint without its prompt hashes: everything but the rendered requests. */
export interface PreparedFingerprint {
  readonly instance: PlannedInstance;
  readonly parts: Omit<FingerprintParts, 'prompts'>;
  /** The render memo's key: everything rendering depends on. */
  readonly memoKey: string;
}

/** The requests an instance renders, and the fingerprint their hashes make. */
export interface RenderedRequests {
  readonly texts: Readonly<Record<string, string>>;
  readonly fingerprint: Fingerprint;
}

export function prepareFingerprint(
  env: FingerprintEnvironment,
  instance: PlannedInstance,
): Result<PreparedFingerprint, InputProblem[]> {
  const inputHashes = hashInputs(env.hasher, instance.inputs);
  if (!inputHashes.ok) return inputHashes;
  const stage = instance.stage;
  const model = stage.definition.usesLlm ? env.modelFor(stage) : null;
  const worldClock = stage.definition.usesWorldClock ? env.worldClock : null;
  const memoKey = sha256(
    `${stageKey(stage, env.prompts(stage), model, worldClock)}|${instance.ref.scenario}|${instance.ref.task}|${canonicalJson(inputHashes.value)}`,
  );
  const parts = {
    code: stage.codeHash,
    model,
    params: stage.params,
    world_clock: worldClock,
    inputs: inputHashes.value,
  };
  return ok({ instance, parts, memoKey });
}

/** The fingerprint, when rendering these exact inputs was remembered; null when it must render. */
export function rememberedFingerprint(env: FingerprintEnvironment, prepared: PreparedFingerprint): Fingerprint | null {
  const prompts = env.memo.get(prepared.memoKey);
  return prompts ? computeFingerprint(prepared.instance.stage.config.id, { ...prepared.parts, prompts }) : null;
}

/** Renders the instance's requests (remembering their hashes) and fingerprints what they say. */
export function renderRequests(
  env: FingerprintEnvironment,
  prepared: PreparedFingerprint,
): Result<RenderedRequests, InputProblem[]> {
  const { instance } = prepared;
  const render = instance.stage.definition.render;
  let texts: Readonly<Record<string, string>> = {};
  if (render) {
    try {
      texts = render(renderContext(env, instance));
    } catch (error) {
      return err([{ code: 'render-failed', stage: instance.stage.config.id, error: (error as Error).message }]);
    }
  }
  const prompts: Record<string, RequestHash> = {};
  for (const [name, text] of Object.entries(texts)) prompts[name] = asRequestHash(sha256(text));
  env.memo.set(prepared.memoKey, prompts);
  return ok({ texts, fingerprint: computeFingerprint(instance.stage.config.id, { ...prepared.parts, prompts }) });
}

export function renderContext(env: ContextEnvironment, instance: PlannedInstance): RenderContext {
  return createRenderContext(stageContextParts(env, instance));
}

/** What the engine knows that a stage context is made of. */
export type ContextEnvironment = Omit<FingerprintEnvironment, 'hasher' | 'memo' | 'modelFor'>;

/** An instance's stage context, as fingerprinting and running both build it. */
export function stageContextParts(
  env: ContextEnvironment,
  instance: PlannedInstance,
): StageContextParts<Record<string, unknown>> {
  const prompts = Object.fromEntries(
    Object.entries(env.prompts(instance.stage)).map(([name, prompt]) => [name, prompt.template]),
  );
  return {
    stage: instance.stage.config.id,
    scenario: instance.ref.scenario,
    task: instance.ref.task,
    params: instance.stage.params,
    root: env.root,
    inputs: instance.inputs,
    jsonCache: env.jsonCache,
    prompts,
    worldClock: env.worldClock,
    worldClockInstant: env.worldClockInstant,
  };
}

/** The part of the memo key shared by every instance of a stage, serialized once per stage. */
const stageKeys = new WeakMap<LoadedStage, string>();
function stageKey(
  stage: LoadedStage,
  prompts: Readonly<Record<string, LoadedPrompt>>,
  model: ModelSettings | null,
  worldClock: string | null,
): string {
  let key = stageKeys.get(stage);
  if (key === undefined) {
    const templates = Object.fromEntries(Object.entries(prompts).map(([name, prompt]) => [name, prompt.fileHash]));
    key = canonicalJson({ code: stage.codeHash, templates, params: stage.params, model, worldClock });
    stageKeys.set(stage, key);
  }
  return key;
}

function hashInputs(
  hasher: ContentHasher,
  inputs: readonly ResolvedInput[],
): Result<Record<string, FileHash>, InputProblem[]> {
  const hashes: Record<string, FileHash> = {};
  const problems: InputProblem[] = [];
  for (const input of inputs) {
    if (input.kind === 'file' && input.optional) {
      hashes[input.name] = hasher.hashOptionalFile(input.path) ?? ABSENT_INPUT;
    } else if (input.kind === 'file') {
      const hash = hasher.hashFile(input.path);
      if (hash === null) problems.push({ code: 'input-file-missing', input: input.name, path: input.path });
      else hashes[input.name] = hash;
    } else if (input.row === null) {
      const hash = hasher.hashFile(input.path);
      if (hash === null)
        problems.push({ code: 'input-not-built', input: input.name, label: input.label, path: input.path });
      else hashes[input.name] = hash;
    } else {
      const hash = hasher.hashRow(input.path, input.row);
      if (hash === 'no-file')
        problems.push({ code: 'input-not-built', input: input.name, label: input.label, path: input.path });
      else if (hash === 'no-row')
        problems.push({
          code: 'input-row-missing',
          input: input.name,
          label: input.label,
          path: input.path,
          row: input.row,
        });
      else hashes[input.name] = hash;
    }
  }
  return problems.length > 0 ? err(problems) : ok(hashes);
}
