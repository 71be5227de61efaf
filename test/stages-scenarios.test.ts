// The scenarios stage's pure parts: the checks on its two answers, de-duplication, few-shot and
// focus rotation, the scenario id, and the coherence of the seed file with the recorded demo answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkClassification,
  checkGenerated,
  readPreviousList,
  readSeeds,
  type ClassifyAnswer,
  type GenerateAnswer,
} from '../stages/scenarios.js';
import { ScenarioPool } from '../src/synthesis/scenario-pool.js';
import { cosineSimilarity } from '../src/util/cosine-similarity.js';
import { CATEGORY_GROUPS, focusGroups, pickFewShot, type ClassifiedSeed } from '../src/synthesis/scenario-focus.js';
import { scenarioId } from '../src/synthesis/scenario-id.js';
import { growScenarioList, type BatchRequest } from '../src/synthesis/grow-scenario-list.js';
import type { ScenarioRow } from '../src/synthesis/artifacts.js';
import { PROJECT_ROOT } from './support/awm-samples.js';

const readJson = (relative: string): unknown => JSON.parse(readFileSync(join(PROJECT_ROOT, relative), 'utf8'));
const LONG = Array.from({ length: 45 }, (_unused, index) => `word${index}`).join(' ');

test('scenario ids: lower-case, runs of non-alphanumerics become one _, trimmed', () => {
  assert.is(scenarioId('Online Bookstore'), 'online_bookstore');
  assert.is(scenarioId('DoorDash Drive (Delivery Tracking)'), 'doordash_drive_delivery_tracking');
  assert.is(scenarioId('  X (Twitter) '), 'x_twitter');
  assert.is(scenarioId('e_commerce__33'), 'e_commerce_33');
  assert.is(scenarioId('Café – Menü'), 'caf_men');
});

test('classification must cover every seed exactly once and nothing else', () => {
  const seeds = [
    { name: 'Amazon', description: 'a' },
    { name: 'X (Twitter)', description: 'b' },
  ];
  const entry = (name: string): ClassifyAnswer['classifications'][number] => ({
    name,
    categories: ['e-commerce'],
    suitability: 'high',
    features: [],
  });
  assert.equal(checkClassification({ classifications: [entry('amazon'), entry('X (Twitter)')] }, seeds), { ok: true });
  const outcome = checkClassification({ classifications: [entry('Amazon'), entry('Amazon'), entry('eBay')] }, seeds);
  assert.equal(outcome, {
    ok: false,
    errors: [
      '"Amazon" is classified twice; classify each platform once',
      '"eBay" is not one of the platforms listed; classify only those',
      'no classification for 1 platforms: X (Twitter)',
    ],
    score: 3,
  });
});

test('generated scenarios need a usable, distinct name and a description of substance', () => {
  const good: GenerateAnswer = { scenarios: [{ name: 'Tool Library', category: 'e-commerce', description: LONG }] };
  assert.equal(checkGenerated(good), { ok: true });
  const outcome = checkGenerated({
    scenarios: [
      good.scenarios[0]!,
      { name: 'tool-library', category: 'x', description: LONG },
      { name: '!!!', category: 'x', description: 'Too short.' },
    ],
  });
  assert.equal(outcome, {
    ok: false,
    errors: [
      '"tool-library" appears twice in this batch',
      '"!!!" has no letters or digits; give each scenario a real name',
      'the description of "!!!" has 2 words; write at least 40 (entities, workflows, what users do)',
    ],
    score: 3,
  });
});

test('de-duplication: same id, too similar, borderline in a full category; relax loosens both limits', () => {
  const pool = new ScenarioPool({ reject: 0.85, borderline: 0.75, categoryCap: 1 });
  pool.reserve('amazon', 'Amazon');
  pool.add({ id: 'tool_library', name: 'Tool Library', category: 'e-commerce' }, [1, 0, 0]);
  const candidate = (id: string, category = 'e-commerce') => ({ id, name: id, category });
  assert.equal(pool.decide(candidate('amazon'), [0, 1, 0]), { keep: false, reason: 'same name as "Amazon"' });
  assert.equal(pool.decide(candidate('tool_library'), [0, 1, 0]), {
    keep: false,
    reason: 'same name as "Tool Library"',
  });
  assert.equal(pool.decide(candidate('tool_share'), [0.9, 0.1, 0]), {
    keep: false,
    reason: 'too similar to "Tool Library" (cosine 0.994)',
  });
  assert.equal(pool.decide(candidate('gear_swap'), [0.8, 0.6, 0]), {
    keep: false,
    reason: 'close to "Tool Library" (cosine 0.800) and category "e-commerce" already has 1',
  });
  const borderline = pool.decide(candidate('gear_swap', 'curation'), [0.8, 0.6, 0]);
  assert.ok(borderline.keep && borderline.closest === 'Tool Library' && Math.abs(borderline.similarity - 0.8) < 1e-9);
  assert.equal(pool.decide(candidate('clinic'), [0, 0, 1]), { keep: true, similarity: 0, closest: null });
  pool.relax();
  assert.equal(pool.thresholds, { reject: 0.9, borderline: 0.75, categoryCap: 1 });
  for (let round = 0; round < 5; round += 1) pool.relax();
  assert.equal(pool.thresholds.reject, 0.95);
  assert.ok(Math.abs(cosineSimilarity([1, 2], [2, 4]) - 1) < 1e-12);
});

test('a stall relaxes the duplicate limit, so a close candidate gets in after stall_iterations refusals', async () => {
  const kept: ScenarioRow = { id: 'tool_library', name: 'Tool Library', category: 'e-commerce', description: '' };
  const close: ScenarioRow = { id: 'tool_share', name: 'Tool Share', category: 'curation', description: '' };
  const requests: BatchRequest[] = [];
  const log: string[] = [];
  const generation = await growScenarioList<string>(
    {
      target: 2,
      maxIterations: 10,
      stallIterations: 2,
      pool: new ScenarioPool({ reject: 0.85, borderline: 0.75, categoryCap: 80 }),
      requestBatch: async (request) => {
        requests.push({ ...request, rows: [...request.rows], refused: [...request.refused] });
        return { ok: true, value: [close] };
      },
      // cosine 0.88 between the two: above 0.85, below the relaxed 0.90
      embed: async (rows) => ({
        ok: true,
        value: rows.map((row) => (row.id === 'tool_library' ? [1, 0] : [0.88, Math.sqrt(1 - 0.88 ** 2)])),
      }),
      log: (line) => log.push(line),
    },
    [kept],
  );
  assert.equal(generation.stopped, null);
  assert.equal(
    generation.rows.map((row) => row.id),
    ['tool_library', 'tool_share'],
  );
  assert.equal(
    requests.map((request) => [request.tries, request.refused]),
    [
      [0, []],
      [1, ['Tool Share']],
      [2, ['Tool Share', 'Tool Share']],
    ],
  );
  assert.ok(log.includes('no new scenario for 2 requests: duplicate limit now 0.90, category cap 96'));
});

test('when relaxing stops helping, generation gives up after three relaxations instead of spending max_iterations', async () => {
  const kept: ScenarioRow = { id: 'tool_library', name: 'Tool Library', category: 'e-commerce', description: '' };
  let requests = 0;
  const log: string[] = [];
  const generation = await growScenarioList<string>(
    {
      target: 2,
      maxIterations: 1000,
      stallIterations: 2,
      pool: new ScenarioPool({ reject: 0.85, borderline: 0.75, categoryCap: 80 }),
      requestBatch: async () => {
        requests += 1;
        return { ok: true, value: [kept, { ...kept, id: 'tool_library_2', name: 'Tool Library 2' }] };
      },
      // Every candidate points the same way as the kept row: a duplicate at any limit.
      embed: async (rows) => ({ ok: true, value: rows.map(() => [1, 0]) }),
      log: (line) => log.push(line),
    },
    [kept],
  );
  assert.is(generation.stopped, 'duplicates');
  assert.is(requests, 8, 'two requests after each of three relaxations, and the two before them');
  assert.equal(generation.fruitless, { requests: 8, refused: 16, relaxations: 3 });
  assert.equal(
    log.filter((line) => line.startsWith('no new scenario')),
    [
      'no new scenario for 2 requests: duplicate limit now 0.90, category cap 96',
      'no new scenario for 2 requests: duplicate limit now 0.95, category cap 115',
      'no new scenario for 2 requests: duplicate limit now 0.95, category cap 138',
    ],
  );
});

test('a new scenario resets the count of fruitless relaxations', async () => {
  const kept: ScenarioRow = { id: 'tool_library', name: 'Tool Library', category: 'e-commerce', description: '' };
  // Fruitless for 7 requests (three relaxations), then one new scenario, then fruitless again.
  const batches = [...Array(7).fill('dup'), 'new', ...Array(20).fill('dup')] as string[];
  let requests = 0;
  const generation = await growScenarioList<string>(
    {
      target: 3,
      maxIterations: 1000,
      stallIterations: 2,
      pool: new ScenarioPool({ reject: 0.85, borderline: 0.75, categoryCap: 80 }),
      requestBatch: async () => {
        const batch = batches[requests] ?? 'dup';
        requests += 1;
        return {
          ok: true,
          value: [batch === 'new' ? { ...kept, id: 'clinic_queue', name: 'Clinic Queue' } : kept],
        };
      },
      embed: async (rows) => ({ ok: true, value: rows.map((row) => (row.id === 'clinic_queue' ? [0, 1] : [1, 0])) }),
      log: () => {},
    },
    [kept],
  );
  assert.is(generation.stopped, 'duplicates');
  assert.equal(
    generation.rows.map((row) => row.id),
    ['tool_library', 'clinic_queue'],
  );
  assert.is(requests, 8 + 8, 'eight fruitless requests counted afresh after the new scenario');
});

test('few-shot examples prefer high suitability, spread over primary categories, and rotate', () => {
  const seed = (name: string, category: string, suitability: ClassifiedSeed['suitability']): ClassifiedSeed => ({
    name,
    description: '',
    categories: [category],
    suitability,
    features: [],
  });
  const seeds = [
    seed('A1', 'a', 'high'),
    seed('A2', 'a', 'high'),
    seed('A3', 'a', 'high'),
    seed('B1', 'b', 'high'),
    seed('C1', 'c', 'high'),
    seed('L', 'd', 'low'),
  ];
  assert.equal(
    pickFewShot(seeds, 3, 0).map((s) => s.name),
    ['A1', 'B1', 'C1'],
  );
  assert.equal(
    pickFewShot(seeds, 3, 1).map((s) => s.name),
    ['B1', 'C1', 'A2'],
  );
  assert.equal(
    pickFewShot(seeds, 10, 0).map((s) => s.name),
    ['A1', 'B1', 'C1', 'A2', 'A3'],
  );
  assert.equal(
    pickFewShot([seed('M', 'm', 'medium'), seed('L', 'l', 'low')], 5, 0).map((s) => s.name),
    ['M'],
  );
  assert.equal(pickFewShot(seeds, 0, 0), []);
});

test('focus categories rotate through the whole vocabulary', () => {
  assert.equal(
    focusGroups(0).map((group) => group.category),
    ['e-commerce', 'booking', 'social'],
  );
  assert.equal(
    focusGroups(1).map((group) => group.category),
    ['productivity', 'finance', 'subscriptions'],
  );
  const seen = new Set(
    Array.from({ length: CATEGORY_GROUPS.length }, (_unused, rotation) =>
      focusGroups(rotation).map((group) => group.category),
    ).flat(),
  );
  assert.is(seen.size, CATEGORY_GROUPS.length);
});

test('rows of an earlier build are read back; malformed ones are dropped', () => {
  const row = { id: 'a', name: 'A', category: 'x', description: 'd' };
  assert.equal(readPreviousList([row, { id: 1 }, null]), [row]);
  assert.equal(readPreviousList(null), []);
  assert.throws(() => readSeeds([{ name: 'A' }]), /not a JSON array of \{ "name", "description" \} objects/);
});

test('the seed file: about a hundred distinct platforms over many categories, each classified in the recorded demo answer', () => {
  const seeds = readSeeds(readJson('data/seed-scenarios.json'));
  assert.ok(seeds.length >= 100, `${seeds.length} seeds`);
  assert.is(new Set(seeds.map((seed) => scenarioId(seed.name))).size, seeds.length);
  const classify = readJson('demo/recorded-responses/_global/scenarios.classify.json') as ClassifyAnswer;
  assert.equal(checkClassification(classify, seeds), { ok: true });
  const primaries = new Set(classify.classifications.map((entry) => entry.categories[0]));
  assert.ok(primaries.size >= 20, `${primaries.size} primary categories`);
  const vocabulary = new Set(CATEGORY_GROUPS.map((group) => group.category));
  assert.equal(
    classify.classifications.flatMap((entry) => entry.categories).filter((category) => !vocabulary.has(category)),
    [],
  );
});

test('the recorded first batch passes its check and gives the three demo scenario ids, none a seed', () => {
  const batch = readJson('demo/recorded-responses/_global/scenarios.generate-0.json') as GenerateAnswer;
  assert.equal(checkGenerated(batch), { ok: true });
  assert.equal(
    batch.scenarios.map((scenario) => scenarioId(scenario.name)),
    ['online_bookstore', 'clinic_appointment_booking', 'personal_banking'],
  );
  const seedIds = new Set(
    readSeeds(readJson('data/seed-scenarios.json')).map((seed) => scenarioId(seed.name) as string),
  );
  assert.equal(
    batch.scenarios.filter((scenario) => seedIds.has(scenarioId(scenario.name))),
    [],
  );
});

test.run();
