// The scenario list, grown by self-instruct from seed platforms: classify the seeds (which can a
// database plus tools simulate well, in which categories), then ask for new scenarios in batches,
// with few-shot examples and focus categories, keeping only those that are not duplicates.
//
// Incremental: the previous list is kept as it is, in order, and only the missing scenarios are
// generated, so raising `target` leaves every existing row — and everything built from it — fresh;
// lowering it keeps the first `target` rows without asking the LLM anything. Rows `awm import`
// wrote (the optional input `imported`, imports/scenarios.json) follow the generated ones as they
// are; `target` counts only the generated.
import {
  defineStage,
  err,
  maxAttemptsParam,
  ok,
  renderPrompt,
  stageFailure,
  type CheckOutcome,
  type RenderContext,
  type Result,
  type RunContext,
  type StageRunResult,
} from '../src/stage-api/index.js';
import type { ScenarioRow } from '../src/synthesis/artifacts.js';
import { capErrors } from '../src/synthesis/feedback-text.js';
import { growScenarioList, type BatchRequest, type Generation } from '../src/synthesis/grow-scenario-list.js';
import {
  focusGroups,
  formatCategoryGroups,
  pickFewShot,
  type ClassifiedSeed,
  type Suitability,
} from '../src/synthesis/scenario-focus.js';
import { scenarioId } from '../src/synthesis/scenario-id.js';
import { ScenarioPool } from '../src/synthesis/scenario-pool.js';

export interface ScenariosParams {
  readonly target: number;
  readonly batch_size: number;
  readonly few_shot: number;
  readonly similarity_reject: number;
  readonly similarity_borderline: number;
  readonly category_cap: number;
  readonly max_iterations: number;
  readonly stall_iterations: number;
  readonly max_attempts: number;
}

export interface Seed {
  readonly name: string;
  readonly description: string;
}

export interface ClassifyAnswer {
  readonly classifications: readonly {
    name: string;
    categories: string[];
    suitability: Suitability;
    features: string[];
  }[];
}

export interface GenerateAnswer {
  readonly scenarios: readonly { name: string; category: string; description: string }[];
}

const nonEmptyStrings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const classifyAnswerSchema = {
  type: 'object',
  required: ['classifications'],
  additionalProperties: false,
  properties: {
    classifications: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'categories', 'suitability', 'features'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          categories: { ...nonEmptyStrings, minItems: 1 },
          suitability: { enum: ['high', 'medium', 'low'] },
          features: nonEmptyStrings,
        },
      },
    },
  },
} as const;

export const generateAnswerSchema = {
  type: 'object',
  required: ['scenarios'],
  additionalProperties: false,
  properties: {
    scenarios: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'category', 'description'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          category: { type: 'string', minLength: 1 },
          description: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

/** Scenario ids name folders and lock entries: the engine refuses longer ones (engine/fanout.ts). */
const MAX_ID_LENGTH = 128;

/** Generated descriptions must be rich enough to design a database and tasks from. */
export const MIN_DESCRIPTION_WORDS = 40;

/** Every seed classified exactly once, nothing else. */
export function checkClassification(answer: ClassifyAnswer, seeds: readonly Seed[]): CheckOutcome {
  const expected = new Map(seeds.map((seed) => [scenarioId(seed.name) as string, seed.name]));
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const { name } of answer.classifications) {
    const id = scenarioId(name);
    if (!expected.has(id)) errors.push(`"${name}" is not one of the platforms listed; classify only those`);
    else if (seen.has(id)) errors.push(`"${name}" is classified twice; classify each platform once`);
    seen.add(id);
  }
  const missing = [...expected].filter(([id]) => !seen.has(id)).map(([, name]) => name);
  if (missing.length > 0) errors.push(`no classification for ${missing.length} platforms: ${missing.join(', ')}`);
  return errors.length === 0 ? { ok: true } : { ok: false, errors: capErrors(errors), score: errors.length };
}

/** Usable names, distinct within the batch, and descriptions of substance. */
export function checkGenerated(answer: GenerateAnswer): CheckOutcome {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const scenario of answer.scenarios) {
    const id = scenarioId(scenario.name);
    if (id === '') errors.push(`"${scenario.name}" has no letters or digits; give each scenario a real name`);
    else if (id.length > MAX_ID_LENGTH) {
      errors.push(
        `"${scenario.name.slice(0, 60)}…" is too long a name: its id would have ${id.length} characters (at most ${MAX_ID_LENGTH}); give a shorter name`,
      );
    } else if (seen.has(id)) errors.push(`"${scenario.name}" appears twice in this batch`);
    seen.add(id);
    const words = scenario.description.trim().split(/\s+/).length;
    if (words < MIN_DESCRIPTION_WORDS) {
      errors.push(
        `the description of "${scenario.name}" has ${words} words; write at least ${MIN_DESCRIPTION_WORDS} (entities, workflows, what users do)`,
      );
    }
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors, score: errors.length };
}

export function readSeeds(value: unknown): Seed[] {
  const valid =
    Array.isArray(value) &&
    value.every((seed) => typeof seed?.name === 'string' && typeof seed?.description === 'string');
  if (!valid) throw new Error('the seed file is not a JSON array of { "name", "description" } objects');
  return (value as Seed[]).map(({ name, description }) => ({ name, description }));
}

/** A row `awm import` added (it carries where it came from). */
function isImportedRow(row: ScenarioRow): boolean {
  return typeof (row as { imported?: unknown }).imported === 'string';
}

/** imports/scenarios.json: the scenario rows `awm import` wrote, each with `imported` (its origin). */
export function readImportedRows(value: unknown): ScenarioRow[] {
  const rows = readPreviousList(value);
  if (!Array.isArray(value) || rows.length !== value.length || !rows.every(isImportedRow))
    throw new Error(
      'imports/scenarios.json is not a JSON array of imported scenario rows ({ id, name, category, description, imported }); run `awm import` again',
    );
  return rows;
}

/** Rows of an earlier build that still have the shape of a scenario row (anything else is dropped). */
export function readPreviousList(value: unknown): ScenarioRow[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (row): row is ScenarioRow =>
      typeof row?.id === 'string' &&
      typeof row.name === 'string' &&
      typeof row.category === 'string' &&
      typeof row.description === 'string',
  );
}

function renderClassify(context: RenderContext<ScenariosParams>, seeds: readonly Seed[]): string {
  return renderPrompt(context, 'classify', {
    seeds: seeds.map((seed) => `- ${seed.name}: ${seed.description}`).join('\n'),
    categories: formatCategoryGroups(),
  });
}

interface GenerateValues {
  readonly count: string;
  readonly examples: string;
  readonly focus_categories: string;
  readonly avoid: string;
}

function renderGenerate(context: RenderContext<ScenariosParams>, values: GenerateValues): string {
  return renderPrompt(context, 'generate', { ...values, categories: formatCategoryGroups() });
}

/** What the generate prompt looks like before run time fills in its batch (for the fingerprint). */
function generateTemplateText(context: RenderContext<ScenariosParams>): string {
  return renderGenerate(context, {
    count: `(the number of scenarios still missing, at most ${context.params.batch_size})`,
    examples: `(up to ${context.params.few_shot} seed platforms chosen at run time from the classification)`,
    focus_categories: '(three categories chosen at run time)',
    avoid: '(the latest scenarios kept and the candidates just refused, at run time)',
  });
}

export default defineStage<ScenariosParams>({
  description: 'Classifies the seed platforms and generates the scenario list by self-instruct, without duplicates',
  llm: { maxTokens: 16000, timeoutS: 300, maxTokensCap: 32000 },
  usesLlm: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      target: {
        type: 'integer',
        minimum: 0,
        default: 3,
        description: 'Scenarios generated for the list (imported ones come on top; 0: imported ones only)',
      },
      batch_size: {
        type: 'integer',
        minimum: 1,
        maximum: 50,
        default: 10,
        description: 'Scenarios asked for per request, at most',
      },
      few_shot: { type: 'integer', minimum: 0, default: 8, description: 'Seed examples shown per request' },
      similarity_reject: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.85,
        description: 'Cosine similarity above which a candidate is a duplicate',
      },
      similarity_borderline: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.75,
        description: 'Above this, a candidate is refused when its category is full',
      },
      category_cap: {
        type: 'integer',
        minimum: 1,
        default: 80,
        description: 'Scenarios per category before borderline candidates are refused',
      },
      max_iterations: { type: 'integer', minimum: 1, default: 1000, description: 'Generation requests at most' },
      stall_iterations: {
        type: 'integer',
        minimum: 1,
        default: 10,
        description:
          'Requests without progress before the limits are relaxed; after three relaxations in a row that bring nothing, the stage gives up',
      },
      max_attempts: { ...maxAttemptsParam(), description: 'Attempts per request, repairs included' },
    },
  },
  render(context) {
    return {
      classify: renderClassify(context, readSeeds(context.inputs.json('seeds'))),
      generate: generateTemplateText(context),
    };
  },
  async run(context) {
    const target = context.params.target;
    // Imported scenarios (`awm import`) join the list as they are; the rest is generated.
    const imported =
      context.inputs.declares('imported') && context.inputs.has('imported')
        ? readImportedRows(context.inputs.json('imported'))
        : [];
    const importedIds = new Set(imported.map((row) => row.id));
    const previous = readPreviousList(context.outputs.previousJson('list')).filter(
      (row) => !isImportedRow(row) && !importedIds.has(row.id),
    );
    if (previous.length >= target) {
      await context.outputs.writeJson('list', [...previous.slice(0, target), ...imported]);
      return { status: 'ok' };
    }
    const seeds = readSeeds(context.inputs.json('seeds'));
    const classified = await classifySeeds(context, seeds);
    if (!classified.ok) return classified.error;
    const generated = await generateMissing(context, seeds, classified.value, previous);
    if (generated.stopped !== null) return generated.stopped;
    await context.outputs.writeJson('list', [...generated.rows.filter((row) => !importedIds.has(row.id)), ...imported]);
    return { status: 'ok' };
  },
});

async function classifySeeds(
  context: RunContext<ScenariosParams>,
  seeds: readonly Seed[],
): Promise<Result<ClassifiedSeed[], StageRunResult>> {
  const result = await context.llm.structured<ClassifyAnswer>({
    item: 'classify',
    // The request the engine rendered (and fingerprinted) from `render` below.
    messages: [{ role: 'user', content: context.requests['classify'] ?? renderClassify(context, seeds) }],
    schema: classifyAnswerSchema,
    check: (answer) => checkClassification(answer, seeds),
    maxAttempts: context.params.max_attempts,
    signal: context.signal,
  });
  if (!result.ok) return err(stageFailure('the seed platforms could not be classified', result));
  const byId = new Map(result.value.classifications.map((entry) => [scenarioId(entry.name) as string, entry]));
  const classifiedSeeds = seeds.map((seed) => {
    const entry = byId.get(scenarioId(seed.name));
    return {
      ...seed,
      categories: entry?.categories ?? [],
      suitability: entry?.suitability ?? 'medium',
      features: entry?.features ?? [],
    };
  });
  return ok(classifiedSeeds);
}

function shortfall(context: RunContext<ScenariosParams>, generated: readonly ScenarioRow[]): StageRunResult {
  return {
    status: 'failed',
    kind: 'check',
    message:
      `only ${generated.length} of ${context.params.target} scenarios after ${context.params.max_iterations} requests ` +
      '(the others were refused as duplicates); raise max_iterations or lower target',
    bestAttempt: generated,
  };
}

/** Relaxing the limits stopped helping: say so now rather than after max_iterations requests. */
function onlyDuplicates(context: RunContext<ScenariosParams>, generation: Generation<StageRunResult>): StageRunResult {
  const { requests, refused, relaxations } = generation.fruitless;
  return {
    status: 'failed',
    kind: 'check',
    message:
      `only ${generation.rows.length} of ${context.params.target} scenarios: the model keeps proposing scenarios that ` +
      `duplicate the list (${refused} refused in the last ${requests} requests, with the limits relaxed ${relaxations} times); ` +
      'lower target, raise similarity_reject, or use a stronger model',
    bestAttempt: generation.rows,
  };
}

async function generateMissing(
  context: RunContext<ScenariosParams>,
  seeds: readonly Seed[],
  classified: readonly ClassifiedSeed[],
  previous: readonly ScenarioRow[],
): Promise<{ rows: ScenarioRow[]; stopped: StageRunResult | null }> {
  const { params } = context;
  const pool = new ScenarioPool({
    reject: params.similarity_reject,
    borderline: params.similarity_borderline,
    categoryCap: params.category_cap,
  });
  for (const seed of seeds) pool.reserve(scenarioId(seed.name), seed.name);
  const generation = await growScenarioList<StageRunResult>(
    {
      target: params.target,
      maxIterations: params.max_iterations,
      stallIterations: params.stall_iterations,
      pool,
      requestBatch: (request) => requestBatch(context, classified, request),
      embed: (rows, item) => embedRows(context, rows, item),
      log: (line) => context.log(line),
    },
    previous,
  );
  const stopped =
    generation.stopped === 'iterations'
      ? shortfall(context, generation.rows)
      : generation.stopped === 'duplicates'
        ? onlyDuplicates(context, generation)
        : generation.stopped;
  return { rows: generation.rows, stopped };
}

async function requestBatch(
  context: RunContext<ScenariosParams>,
  classified: readonly ClassifiedSeed[],
  request: BatchRequest,
): Promise<Result<ScenarioRow[], StageRunResult>> {
  const { params } = context;
  const { rows, tries, refused } = request;
  const rotation = rows.length + tries;
  const prompt = renderGenerate(context, {
    count: String(Math.min(params.batch_size, params.target - rows.length)),
    examples: pickFewShot(classified, params.few_shot, rotation).map(formatExample).join('\n'),
    focus_categories: focusGroups(rotation)
      .map((group) => `- ${group.category}: ${group.covers}`)
      .join('\n'),
    avoid: formatAvoid(rows, refused),
  });
  const result = await context.llm.structured<GenerateAnswer>({
    item: `generate-${rows.length}`,
    messages: [{ role: 'user', content: prompt }],
    schema: generateAnswerSchema,
    check: checkGenerated,
    maxAttempts: params.max_attempts,
    signal: context.signal,
  });
  if (!result.ok) return err(stageFailure(`generating scenarios ${rows.length + 1}… failed`, result));
  const candidates = result.value.scenarios.map((scenario) => ({
    id: scenarioId(scenario.name),
    name: scenario.name.trim(),
    category: scenario.category.trim().toLowerCase(),
    description: scenario.description.trim(),
  }));
  return ok(candidates);
}

function formatExample(seed: ClassifiedSeed): string {
  const features = seed.features.length > 0 ? ` Typical operations: ${seed.features.slice(0, 5).join('; ')}.` : '';
  return `- ${seed.name} [${seed.categories.join(', ')}]: ${seed.description}${features}`;
}

/** The latest kept names (the full list would grow without bound) and the names just refused. */
function formatAvoid(rows: readonly ScenarioRow[], refused: readonly string[]): string {
  const names = [...rows.slice(-40).map((row) => row.name), ...refused];
  return names.length === 0 ? '(none yet)' : names.map((name) => `- ${name}`).join('\n');
}

async function embedRows(
  context: RunContext<ScenariosParams>,
  rows: readonly ScenarioRow[],
  item: string,
): Promise<Result<number[][], StageRunResult>> {
  if (rows.length === 0) return ok([]);
  const texts = rows.map((row) => `${row.name} (${row.category}): ${row.description}`);
  const result = await context.llm.embed(texts, item);
  if (result.ok) return ok(result.value);
  return err({
    status: 'failed',
    kind: 'llm',
    message: `embedding scenarios for de-duplication failed: ${result.error.message}`,
  });
}
