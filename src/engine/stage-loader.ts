// Loads each stage's module (its default export is the StageDefinition), hashes its source as its
// code version, and checks the YAML params against the JSON Schema the stage declares, applying
// its defaults. Problems come back together, placed in awm.pipeline.yaml.
import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv } from 'ajv';
import { codeFileMissing } from '../config/check-source-files.js';
import { createAjv } from '../config/schema.js';
import { sortDiagnostics, type Diagnostic } from '../config/diagnostic.js';
import { asCodeHash, type CodeHash } from '../util/brand.js';
import { sha256 } from '../util/hash.js';
import type { PipelineConfig, StageConfig } from '../config/types.js';
import { err, ok, type Result } from '../util/result.js';
import { schemaDiagnostics } from '../config/schema-diagnostics.js';
import { locateStageModule, type CompiledFiles } from './stage-module-location.js';
import type { StageDefinition } from '../stage-api/stage.js';
import { ValidationMemo } from '../config/validation-memo.js';

/** A stage with its module loaded and its params validated (defaults applied). */
export interface LoadedStage {
  readonly config: StageConfig;
  readonly definition: StageDefinition<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  /** SHA-256 of the stage's source file: its code version. */
  readonly codeHash: CodeHash;
  /** The module actually imported (the compiled copy of a .ts stage), relative to the root. */
  readonly module: string;
}

/** The file system and module system as the loader sees them (paths are absolute). */
export interface StageImporter extends CompiledFiles {
  readBytes(path: string): Promise<Uint8Array | null>;
  /** Imports an ES module; `version` changes when the file does, so watch mode gets fresh code. */
  importModule(path: string, version: string): Promise<unknown>;
}

export const nodeStageImporter: StageImporter = {
  modifiedTime: async (path) => (await stat(path).catch(() => null))?.mtimeMs ?? null,
  readText: (path) => readFile(path, 'utf8').catch(() => null),
  readBytes: (path) => readFile(path).catch(() => null),
  importModule: (path, version) => import(`${pathToFileURL(path).href}?v=${encodeURIComponent(version)}`),
};

export async function loadStages(
  config: PipelineConfig,
  importer: StageImporter = nodeStageImporter,
  memo: ValidationMemo | null = null,
): Promise<Result<LoadedStage[], Diagnostic[]>> {
  let ajv: Promise<Ajv> | null = null;
  const validator: ParamValidator = { memo, ajv: () => (ajv ??= createAjv({ useDefaults: true, strict: false })) };
  const results = await Promise.all(
    [...config.stages.values()].map((stage) => loadStage(config, stage, importer, validator)),
  );
  const problems = results.flatMap((result) => (result.ok ? [] : result.error));
  return problems.length > 0
    ? err(sortDiagnostics(problems))
    : ok(results.flatMap((result) => (result.ok ? [result.value] : [])));
}

/** ajv, loaded only when some params were not validated before. */
interface ParamValidator {
  readonly memo: ValidationMemo | null;
  ajv(): Promise<Ajv>;
}

async function loadStage(
  config: PipelineConfig,
  stage: StageConfig,
  importer: StageImporter,
  validator: ParamValidator,
): Promise<Result<LoadedStage, Diagnostic[]>> {
  const atCode = (message: string, hint: string): Result<never, Diagnostic[]> =>
    err([{ file: config.file, position: config.positionOf(['stages', stage.id, 'code']), message, hint }]);
  const sourceBytes = await importer.readBytes(resolve(config.root, stage.code));
  if (sourceBytes === null) return atCode(...codeFileMissing(stage.id, stage.code, config.file));
  const codeHash = asCodeHash(sha256(sourceBytes));
  const location = await locateStageModule(config.root, stage.code, codeHash, importer);
  if (location.kind === 'not-compiled')
    return atCode(
      `stage code ${stage.code} has not been compiled (${location.compiled} is missing)`,
      'run `npm run build`',
    );
  if (location.kind === 'outdated')
    return atCode(`stage code ${stage.code} has changed since it was compiled`, 'run `npm run build`');
  const imported = await importDefinition(location.path, stage.code, importer);
  if (!imported.ok)
    return atCode(
      imported.error.message,
      imported.error.hint ?? `\`node ${relative(config.root, location.path)}\` shows the whole error`,
    );
  const params = await checkParams(config, stage, imported.value, validator);
  if (!params.ok) return params;
  return ok({
    config: stage,
    definition: imported.value,
    params: params.value,
    codeHash,
    module: relative(config.root, location.path),
  });
}

const definitionHint = 'the module must `export default defineStage({ description, usesLlm, params?, render?, run })`';

/** The module's default export, checked to be a StageDefinition. */
async function importDefinition(
  path: string,
  code: string,
  importer: StageImporter,
): Promise<Result<StageDefinition<Record<string, unknown>>, { message: string; hint: string | null }>> {
  let namespace: unknown;
  try {
    namespace = await importer.importModule(path, String((await importer.modifiedTime(path)) ?? 0));
  } catch (error) {
    return err({
      message: `stage code ${code} failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      hint: null,
    });
  }
  const definition = (namespace as { default?: unknown } | null)?.default;
  if (definition === undefined)
    return err({ message: `stage code ${code} has no default export`, hint: definitionHint });
  const problems = definitionProblems(definition);
  if (problems.length > 0)
    return err({
      message: `the default export of ${code} is not a stage definition: ${problems.join('; ')}`,
      hint: definitionHint,
    });
  return ok(definition as StageDefinition<Record<string, unknown>>);
}

function definitionProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['it is not an object'];
  const field = (name: string) => (value as Record<string, unknown>)[name];
  const problems: string[] = [];
  if (typeof field('description') !== 'string') problems.push('"description" must be a string');
  if (typeof field('usesLlm') !== 'boolean') problems.push('"usesLlm" must be true or false');
  if (typeof field('run') !== 'function') problems.push('"run" must be a function');
  if (field('render') !== undefined && typeof field('render') !== 'function')
    problems.push('"render" must be a function');
  if (field('params') !== undefined && (typeof field('params') !== 'object' || field('params') === null))
    problems.push('"params" must be a JSON Schema object');
  if (field('llm') !== undefined) problems.push(...llmDefaultsProblems(field('llm')));
  return problems;
}

/** `llm` of a definition: `{ maxTokens?, maxTokensCap?, timeoutS?, reasoningEffort? }`, each well-formed. */
function llmDefaultsProblems(llm: unknown): string[] {
  if (typeof llm !== 'object' || llm === null || Array.isArray(llm))
    return ['"llm" must be an object such as { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 }'];
  const value = llm as Record<string, unknown>;
  const problems = Object.keys(value)
    .filter((key) => !['maxTokens', 'maxTokensCap', 'timeoutS', 'reasoningEffort'].includes(key))
    .map((key) => `"llm.${key}" is not a setting (maxTokens, maxTokensCap, timeoutS, reasoningEffort)`);
  const positiveInteger = (key: string) =>
    value[key] === undefined || (Number.isInteger(value[key]) && (value[key] as number) >= 1);
  for (const key of ['maxTokens', 'maxTokensCap'])
    if (!positiveInteger(key)) problems.push(`"llm.${key}" must be an integer ≥ 1`);
  const timeout = value['timeoutS'];
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout)))
    problems.push('"llm.timeoutS" must be a number of seconds > 0');
  const effort = value['reasoningEffort'];
  if (effort !== undefined && !['minimal', 'low', 'medium', 'high'].includes(effort as string))
    problems.push('"llm.reasoningEffort" must be "minimal", "low", "medium" or "high"');
  const [tokens, cap] = [value['maxTokens'], value['maxTokensCap']];
  if (typeof tokens === 'number' && typeof cap === 'number' && cap < tokens)
    problems.push('"llm.maxTokensCap" must be at least "llm.maxTokens"');
  return problems;
}

/**
 * The YAML params checked against the stage's schema, with its defaults filled in. Unknown params
 * are errors even if the schema does not say so: a misspelt param must not silently do nothing.
 */
async function checkParams(
  config: PipelineConfig,
  stage: StageConfig,
  definition: StageDefinition<Record<string, unknown>>,
  validator: ParamValidator,
): Promise<Result<Record<string, unknown>, Diagnostic[]>> {
  const basePath = ['stages', stage.id, 'params'];
  const given = structuredClone(stage.params) as Record<string, unknown>;
  const at = (path: readonly (string | number)[], message: string, hint: string): Result<never, Diagnostic[]> =>
    err([{ file: config.file, position: config.positionOf(path, 'key'), message, hint }]);
  if (definition.params === undefined) {
    const names = Object.keys(given);
    if (names.length === 0) return ok(given);
    return at(
      basePath,
      `stage "${stage.id}" takes no params, but the pipeline gives ${names.map((name) => `"${name}"`).join(', ')}`,
      `remove "params:", or declare them in ${stage.code} (params: { type: 'object', properties: { … } })`,
    );
  }
  const schema = closeObject(definition.params);
  const key = validator.memo ? ValidationMemo.key(schema, given) : null;
  const known = key ? validator.memo?.passed(key) : null;
  if (known) return ok(known.value as Record<string, unknown>);
  let validate;
  try {
    validate = (await validator.ajv()).compile(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return at(
      ['stages', stage.id, 'code'],
      `stage code ${stage.code} declares an invalid params schema: ${reason}`,
      'fix "params" in the stage definition: it must be a JSON Schema (draft-07) object',
    );
  }
  if (validate(given)) {
    if (key) validator.memo?.remember(key, given);
    return ok(given);
  }
  return err(
    schemaDiagnostics(validate.errors ?? [], {
      file: config.file,
      basePath,
      positionOf: config.positionOf,
      rootSchema: schema,
    }),
  );
}

/**
 * The params a stage gets for `given` outside a pipeline (a test running one stage, a tool): checked
 * against the stage's schema exactly as the loader checks them, defaults filled in.
 */
export async function resolveStageParams(
  definition: StageDefinition<unknown>,
  given: Readonly<Record<string, unknown>>,
): Promise<Result<Record<string, unknown>, string[]>> {
  const value = structuredClone(given) as Record<string, unknown>;
  if (definition.params === undefined)
    return Object.keys(value).length === 0
      ? ok(value)
      : err([`the stage takes no params (got ${Object.keys(value).join(', ')})`]);
  const validate = (await createAjv({ useDefaults: true, strict: false })).compile(closeObject(definition.params));
  if (validate(value)) return ok(value);
  return err(
    (validate.errors ?? []).map((error) => `${error.instancePath || '(params)'} ${error.message ?? 'is invalid'}`),
  );
}

function closeObject(schema: object): object {
  const node = schema as Record<string, unknown>;
  const describesObject = node['type'] === 'object' || node['properties'] !== undefined;
  return describesObject && node['additionalProperties'] === undefined && node['patternProperties'] === undefined
    ? { ...node, additionalProperties: false }
    : schema;
}
