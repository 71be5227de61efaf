// Computes an instance's fingerprint from the current state of its inputs. The expensive part —
// reading inputs and rendering prompts — is skipped when the render memo knows the input key.
import type { Sha256 } from '../util/brand.js';
import type { ContentHasher } from './content-hasher.js';
import type { Fingerprint } from './fingerprint.js';
import { computeFingerprint } from './fingerprint.js';
import { sha256 } from '../util/hash.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { JsonFileCache } from './stage-context.js';
import { createInputReader } from './stage-context.js';
import type { PlannedInstance, ResolvedInput } from './instance-plan.js';
import type { LoadedStage, ModelSettings } from '../config/types.js';
import type { RenderMemo } from './render-memo.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';
import type { PromptTemplate, RenderContext } from '../stage-api/stage.js';

export interface LoadedPrompt {
  readonly template: PromptTemplate;
  /** Hash of the template file's text: part of the memo key, never of the fingerprint. */
  readonly fileHash: Sha256;
}

export interface FingerprintEnvironment {
  readonly root: string;
  readonly hasher: ContentHasher;
  readonly memo: RenderMemo;
  readonly jsonCache: JsonFileCache;
  readonly worldClock: string;
  prompts(stage: LoadedStage): Readonly<Record<string, LoadedPrompt>>;
  /** The model settings that will answer this stage's requests (null for local stages). */
  modelFor(stage: LoadedStage): ModelSettings | null;
}

export async function fingerprintInstance(env: FingerprintEnvironment, instance: PlannedInstance): Promise<Result<Fingerprint, string[]>> {
  const inputHashes = await hashInputs(env.hasher, instance.inputs);
  if (!inputHashes.ok) return inputHashes;
  const stage = instance.stage;
  const prompts = env.prompts(stage);
  const model = stage.definition.usesLlm ? env.modelFor(stage) : null;
  const worldClock = stage.definition.usesWorldClock ? env.worldClock : null;
  const inputKey = sha256(`${stageKey(stage, prompts, model, worldClock)}|${instance.ref.scenario}|${instance.ref.task}|${canonicalJson(inputHashes.value)}`);
  let rendered = env.memo.get(inputKey);
  if (!rendered) {
    const result = renderPrompts(env, instance, prompts);
    if (!result.ok) return result;
    rendered = result.value;
    env.memo.set(inputKey, rendered);
  }
  return ok(computeFingerprint(stage.config.id, {
    code: stage.codeHash as Sha256,
    prompts: rendered,
    model,
    params: stage.params,
    worldClock,
    inputs: inputHashes.value,
  }));
}

/** The part of the memo key shared by every instance of a stage, serialized once per stage. */
const stageKeys = new WeakMap<LoadedStage, string>();
function stageKey(stage: LoadedStage, prompts: Readonly<Record<string, LoadedPrompt>>, model: ModelSettings | null, worldClock: string | null): string {
  let key = stageKeys.get(stage);
  if (key === undefined) {
    const templates = Object.fromEntries(Object.entries(prompts).map(([name, prompt]) => [name, prompt.fileHash]));
    key = canonicalJson({ code: stage.codeHash, templates, params: stage.params, model, worldClock });
    stageKeys.set(stage, key);
  }
  return key;
}

async function hashInputs(hasher: ContentHasher, inputs: readonly ResolvedInput[]): Promise<Result<Record<string, Sha256>, string[]>> {
  const hashes: Record<string, Sha256> = {};
  const problems: string[] = [];
  for (const input of inputs) {
    if (input.kind === 'file') {
      const hash = await hasher.hashFile(input.path);
      if (hash === null) problems.push(`input "${input.name}": file ${input.path} does not exist`);
      else hashes[input.name] = hash;
    } else if (input.row === null) {
      const hash = await hasher.hashFile(input.path);
      if (hash === null) problems.push(`input "${input.name}" (${input.label}): ${input.path} is not built yet`);
      else hashes[input.name] = hash;
    } else {
      const hash = await hasher.hashRow(input.path, input.row);
      if (hash === 'no-file') problems.push(`input "${input.name}" (${input.label}): ${input.path} is not built yet`);
      else if (hash === 'no-row') problems.push(`input "${input.name}" (${input.label}): ${input.path} has no row "${input.row}"`);
      else hashes[input.name] = hash;
    }
  }
  return problems.length > 0 ? err(problems) : ok(hashes);
}

function renderPrompts(env: FingerprintEnvironment, instance: PlannedInstance, prompts: Readonly<Record<string, LoadedPrompt>>): Result<Record<string, Sha256>, string[]> {
  const render = instance.stage.definition.render;
  if (!render) return ok({});
  try {
    const texts = render(renderContext(env, instance, prompts));
    return ok(Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, sha256(text)])));
  } catch (error) {
    return err([`rendering the prompts of stage "${instance.stage.config.id}" failed: ${(error as Error).message}`]);
  }
}

export function renderContext(env: Pick<FingerprintEnvironment, 'root' | 'jsonCache' | 'worldClock'>, instance: PlannedInstance, prompts: Readonly<Record<string, LoadedPrompt>>): RenderContext {
  return {
    stage: instance.stage.config.id,
    scenario: instance.ref.scenario,
    task: instance.ref.task,
    params: instance.stage.params,
    inputs: createInputReader(env.root, instance.inputs, env.jsonCache),
    prompts: Object.fromEntries(Object.entries(prompts).map(([name, prompt]) => [name, prompt.template])),
    worldClock: env.worldClock,
  };
}
