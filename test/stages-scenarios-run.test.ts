// The scenarios stage run end to end: offline from the recorded demo answers, and through the
// mock LLM server for de-duplication, incremental growth and shrinking, and running out of requests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlm } from '../src/llm/create-llm.js';
import { mockStep, startMockLlmServer, type MockStep } from '../src/testing/mock-llm-server.js';
import scenariosStage, { type ScenariosParams } from '../stages/scenarios.js';
import type { ScenarioRow } from '../src/synthesis/artifacts.js';
import { PROJECT_ROOT } from './support/awm-samples.js';
import { llmForMock, tempFolder, testSettings } from './support/mock-llm-fixture.js';
import { runStage, type HarnessRun } from './support/stage-harness.js';
import { describeNotice } from '../src/logging/describe.js';
import type { LlmSettings } from '../src/config/types.js';

const PROMPTS = { classify: 'prompts/scenarios-classify.md', generate: 'prompts/scenarios-generate.md' };
const SEEDS = [
  { name: 'Amazon', description: 'General online store.' },
  { name: 'Zocdoc', description: 'Doctor appointments.' },
  { name: 'Twitch', description: 'Live streaming.' },
];
const CLASSIFIED = {
  classifications: [
    { name: 'Amazon', categories: ['e-commerce'], suitability: 'high', features: ['place orders'] },
    { name: 'Zocdoc', categories: ['healthcare'], suitability: 'high', features: ['book appointments'] },
    { name: 'Twitch', categories: ['entertainment'], suitability: 'low', features: ['follow channels'] },
  ],
};
const WORDS =
  'with members, items, loans, due dates, reminders, late fees, reservations, reviews and reports that an ordinary signed-in member ' +
  'looks up and changes every week of the year, plus staff who approve requests, track returns and settle disputes about damaged items';

function scenario(name: string, category = 'e-commerce'): { name: string; category: string; description: string } {
  return { name, category, description: `${name} is a platform ${WORDS}.` };
}

function row(name: string, category = 'e-commerce'): ScenarioRow {
  const { description } = scenario(name, category);
  return { id: name.toLowerCase().replace(/[^a-z0-9]+/g, '_'), name, category, description };
}

/** Vectors by topic, so tests decide what counts as similar: "Tool" scenarios point one way. */
function embedByTopic(texts: readonly string[]): number[][] {
  return texts.map((text) =>
    text.startsWith('Tool') ? [1, 0, 0] : text.startsWith('Clinic') ? [0, 1, 0] : [0, 0.2, 1],
  );
}

async function runWithMock(
  steps: MockStep[],
  params: Partial<ScenariosParams>,
  previous?: ScenarioRow[],
  options: { respond?: () => MockStep; settings?: Partial<LlmSettings>; imported?: unknown } = {},
): Promise<{ run: HarnessRun; requests: string[] }> {
  const server = await startMockLlmServer({
    steps,
    embed: embedByTopic,
    ...(options.respond ? { respond: options.respond } : {}),
  });
  const folder = tempFolder();
  const env = {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: server.url,
    EMBEDDING_OPENAI_API_KEY: 'sk-test',
    EMBEDDING_OPENAI_BASE_URL: server.url,
  };
  const { llm } = llmForMock(server, folder.dir, { env, settings: options.settings ?? {} });
  try {
    const run = await runStage(scenariosStage, {
      stage: 'scenarios',
      inputs: { seeds: SEEDS, ...(options.imported === undefined ? {} : { imported: options.imported }) },
      outputs: { list: 'scenarios.json' },
      prompts: PROMPTS,
      params,
      previous: previous ? { list: previous } : {},
      llm: llm.session('scenarios', null, {}),
    });
    return { run, requests: server.chatRequests.map((request) => request.text) };
  } finally {
    await llm.close();
    await server.close();
    folder.remove();
  }
}

test('offline, from the recorded demo answers: target 3 gives the three demo scenarios and needs nothing else', async () => {
  const notices: string[] = [];
  const llm = createLlm({
    settings: testSettings(),
    env: {},
    root: PROJECT_ROOT,
    onNotice: (notice) => notices.push(describeNotice(notice)),
  });
  const run = await runStage(scenariosStage, {
    stage: 'scenarios',
    inputs: { seeds: { file: 'data/seed-scenarios.json' } },
    outputs: { list: 'scenarios.json' },
    prompts: PROMPTS,
    params: { target: 3 },
    llm: llm.session('scenarios', null, {}),
  });
  await llm.close();
  assert.equal(run.result, { status: 'ok' });
  const list = run.written['list'] as ScenarioRow[];
  assert.equal(
    list.map((entry) => entry.id),
    ['online_bookstore', 'clinic_appointment_booking', 'personal_banking'],
  );
  assert.equal(Object.keys(list[0]!), ['id', 'name', 'category', 'description']);
  assert.equal(
    list.map((entry) => entry.category),
    ['e-commerce', 'healthcare', 'finance'],
  );
  run.dispose();
});

test('classify, then generate: high-suitability seeds are the examples; a near-duplicate is refused and avoided next time', async () => {
  const { run, requests } = await runWithMock(
    [
      mockStep.json(CLASSIFIED),
      mockStep.json({ scenarios: [scenario('Tool Library'), scenario('Tool Share')] }),
      mockStep.json({ scenarios: [scenario('Clinic Queue', 'healthcare')] }),
    ],
    { target: 2 },
  );
  assert.equal(run.result, { status: 'ok' });
  assert.equal(
    (run.written['list'] as ScenarioRow[]).map((entry) => entry.name),
    ['Tool Library', 'Clinic Queue'],
  );
  assert.is(requests.length, 3);
  assert.match(
    requests[0]!,
    /- Amazon: General online store\.\n- Zocdoc: Doctor appointments\.\n- Twitch: Live streaming\./,
  );
  assert.match(requests[1]!, /## Write 2 new scenarios/);
  assert.match(requests[1]!, /- Amazon \[e-commerce\]: General online store\. Typical operations: place orders\./);
  assert.not.match(requests[1]!, /Twitch \[/);
  assert.match(requests[1]!, /## Focus this batch on these categories\n\n- e-commerce: /);
  assert.match(requests[2]!, /## Write 1 new scenarios/);
  assert.match(requests[2]!, /- Tool Library\n- Tool Share\n/);
  assert.match(run.log.join('\n'), /refused "Tool Share": too similar to "Tool Library" \(cosine 1\.000\)/);
  run.dispose();
});

test('a seed platform or a name already in the list is refused by name', async () => {
  const { run } = await runWithMock(
    [
      mockStep.json(CLASSIFIED),
      mockStep.json({
        scenarios: [scenario('amazon'), scenario('Tool-Library', 'curation'), scenario('Clinic Queue', 'healthcare')],
      }),
    ],
    { target: 2 },
    [row('Tool Library')],
  );
  assert.equal(
    (run.written['list'] as ScenarioRow[]).map((entry) => entry.name),
    ['Tool Library', 'Clinic Queue'],
  );
  assert.match(
    run.log.join('\n'),
    /refused "amazon": same name as "Amazon"\nrefused "Tool-Library": same name as "Tool Library"/,
  );
  run.dispose();
});

test('raising the target keeps the existing rows first and unchanged, and asks only for the missing ones', async () => {
  const existing = [row('Tool Library'), row('Clinic Queue', 'healthcare')];
  const { run, requests } = await runWithMock(
    [mockStep.json(CLASSIFIED), mockStep.json({ scenarios: [scenario('Seed Swap', 'curation')] })],
    { target: 3 },
    existing,
  );
  assert.equal(run.result, { status: 'ok' });
  const list = run.written['list'] as ScenarioRow[];
  assert.equal(list.slice(0, 2), existing);
  assert.is(list[2]!.name, 'Seed Swap');
  assert.match(requests[1]!, /## Write 1 new scenarios/);
  assert.match(requests[1]!, /- Tool Library\n- Clinic Queue/);
  run.dispose();
});

test('lowering the target keeps the first rows and asks the LLM nothing', async () => {
  const existing = [row('Tool Library'), row('Clinic Queue', 'healthcare'), row('Seed Swap', 'curation')];
  const { run, requests } = await runWithMock([], { target: 2 }, existing);
  assert.equal(run.result, { status: 'ok' });
  assert.equal(run.written['list'], existing.slice(0, 2));
  assert.equal(requests, []);
  run.dispose();
});

test('imported rows (awm import) follow the generated ones; target counts only the generated; an import wins an id', async () => {
  const existing = [row('Tool Library'), row('Clinic Queue', 'healthcare')];
  const gone = { ...row('Old Import'), imported: 'reference gen_scenario.jsonl' };
  const fresh = { ...row('Rover', 'pets'), imported: 'reference gen_scenario.jsonl' };
  const clash = { ...row('Clinic Queue', 'imported-health'), imported: 'reference gen_scenario.jsonl' };
  const { run, requests } = await runWithMock([], { target: 1 }, [...existing, gone], {
    imported: [fresh, clash],
  });
  assert.equal(run.result, { status: 'ok' });
  // The previous generated rows minus the imported id; an import no longer there is dropped.
  assert.equal(run.written['list'], [existing[0], fresh, clash]);
  assert.equal(requests, [], 'the generated rows were enough: no LLM');
  run.dispose();
  const only = await runWithMock([], { target: 0 }, undefined, { imported: [fresh] });
  assert.equal(only.run.written['list'], [fresh]);
  assert.equal(only.requests, []);
  only.run.dispose();
  const absent = await runWithMock([], { target: 1 }, existing, { imported: { absent: true } });
  assert.equal(absent.run.written['list'], [existing[0]]);
  absent.run.dispose();
});

test('when the iteration cap is reached, the stage fails and logs the partial list as its best attempt', async () => {
  const { run, requests } = await runWithMock(
    [
      mockStep.json(CLASSIFIED),
      mockStep.json({ scenarios: [scenario('Tool Library')] }),
      mockStep.json({ scenarios: [scenario('Tool Share')] }),
    ],
    { target: 2, max_iterations: 2 },
  );
  assert.is(requests.length, 3);
  const result = run.result;
  assert.is(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.is(result.kind, 'check');
  assert.is(
    result.message,
    'only 1 of 2 scenarios after 2 requests (the others were refused as duplicates); raise max_iterations or lower target',
  );
  assert.equal(
    (result.bestAttempt as ScenarioRow[]).map((entry) => entry.name),
    ['Tool Library'],
  );
  assert.equal(run.written, {});
  run.dispose();
});

test('a model that keeps proposing duplicates stops the stage early, saying what to change', async () => {
  const { run, requests } = await runWithMock(
    [mockStep.json(CLASSIFIED), mockStep.json({ scenarios: [scenario('Tool Library')] })],
    { target: 2, stall_iterations: 1 },
    undefined,
    { respond: () => mockStep.json({ scenarios: [scenario('Tool Library')] }) },
  );
  // classify, the first batch, then four batches of nothing new: one before and one after each relaxation.
  assert.is(requests.length, 6);
  const result = run.result;
  assert.is(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.is(result.kind, 'check');
  assert.is(
    result.message,
    'only 1 of 2 scenarios: the model keeps proposing scenarios that duplicate the list (4 refused in the last 4 requests, ' +
      'with the limits relaxed 3 times); lower target, raise similarity_reject, or use a stronger model',
  );
  assert.equal(
    (result.bestAttempt as ScenarioRow[]).map((entry) => entry.name),
    ['Tool Library'],
  );
  run.dispose();
});

test('llm.max_requests_per_instance stops a stage instance at its request budget', async () => {
  const { run, requests } = await runWithMock([mockStep.json(CLASSIFIED)], { target: 2 }, undefined, {
    respond: () => mockStep.json({ scenarios: [scenario('Tool Library')] }),
    settings: { maxRequestsPerInstance: 4 },
  });
  assert.is(requests.length, 4);
  const result = run.result;
  assert.is(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.is(result.kind, 'llm');
  assert.is(
    result.message,
    'generating scenarios 2… failed: stage "scenarios" has made 4 LLM requests, the most llm.max_requests_per_instance ' +
      'allows (repairs and answers from the cache count); raise it in awm.pipeline.yaml if the stage really needs more',
  );
  run.dispose();
});

test('a classification that leaves out a seed is fed back and repaired', async () => {
  const partial = { classifications: CLASSIFIED.classifications.slice(0, 2) };
  const { run, requests } = await runWithMock(
    [mockStep.json(partial), mockStep.json(CLASSIFIED), mockStep.json({ scenarios: [scenario('Tool Library')] })],
    {
      target: 1,
    },
  );
  assert.equal(run.result, { status: 'ok' });
  assert.match(requests[1]!, /- no classification for 1 platforms: Twitch/);
  run.dispose();
});

test('render gives both prompts; the generate text stands in for what only run time knows', () => {
  const rendered = scenariosStage.render!({
    stage: 'scenarios',
    scenario: null,
    task: null,
    params: { target: 3, batch_size: 10, few_shot: 8 } as ScenariosParams,
    inputs: { has: () => true, declares: () => true, json: () => SEEDS as never, text: () => '', path: () => '' },
    prompts: {
      classify: { file: 'c', render: (values) => `classify ${values['seeds']}` },
      generate: { file: 'g', render: (values) => `generate ${values['count']} | ${values['examples']}` },
    },
    worldClock: '2026-03-02T09:00:00Z',
    worldClockInstant: new Date('2026-03-02T09:00:00Z'),
  });
  assert.equal(rendered, {
    classify: 'classify - Amazon: General online store.\n- Zocdoc: Doctor appointments.\n- Twitch: Live streaming.',
    generate:
      'generate (the number of scenarios still missing, at most 10) | (up to 8 seed platforms chosen at run time from the classification)',
  });
});

test.run();
