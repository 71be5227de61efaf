// The synthetic project: SCENARIOS scenarios × 7 per-scenario stages (plus the global scenario-list
// stage) whose outputs have realistic sizes, written by a local fake stage that calls no LLM.
import { fs, path } from 'zx';

// Realistic sizes from the reference run (community-run-8-scenarios): tasks ~2.5 KB, schema
// ~14 KB, sample ~33 KB, seed DB ~100 KB, spec ~28 KB, env code ~55 KB, verifiers ~125 KB.
const STAGES = [
  { id: 'scenario', reads: { row: 'scenarios.list[{scenario}]' }, out: { scenario: 'scenario.json' }, bytes: 1_500 },
  { id: 'tasks', reads: { scenario: 'scenario.scenario' }, out: { tasks: 'tasks.json' }, bytes: 2_500, prompt: true },
  {
    id: 'schema',
    reads: { scenario: 'scenario.scenario', tasks: 'tasks.tasks' },
    out: { schema: 'schema.json' },
    bytes: 14_000,
    prompt: true,
  },
  {
    id: 'sample',
    reads: { tasks: 'tasks.tasks', schema: 'schema.schema' },
    out: { sample: 'sample.json', seed_db: 'seed.db' },
    bytes: 33_000,
    prompt: true,
  },
  {
    id: 'spec',
    reads: { tasks: 'tasks.tasks', schema: 'schema.schema' },
    out: { spec: 'spec.json' },
    bytes: 28_000,
    prompt: true,
  },
  {
    id: 'env',
    reads: { spec: 'spec.spec', schema: 'schema.schema' },
    out: { env: 'env.json' },
    bytes: 55_000,
    prompt: true,
  },
  {
    id: 'verifiers',
    reads: { tasks: 'tasks.tasks', seed: 'sample.seed_db' },
    out: { verifiers: 'verifiers.json' },
    bytes: 125_000,
    prompt: true,
  },
];

/** Instances of a synthetic project of `scenarios` scenarios. */
export const syntheticInstances = (scenarios) => scenarios * STAGES.length + 1;

function pipelineYaml() {
  const lines = [
    'version: 1',
    'world_clock: "2026-03-02T09:00:00Z"',
    'scenarios:',
    '  from: scenarios.list',
    'stages:',
    '  scenarios:',
    '    code: stages/list.mjs',
    '    inputs:',
    '      names: file:data/names.json',
    '    outputs:',
    '      list: artifacts/scenarios.json',
  ];
  for (const stage of STAGES) {
    lines.push(`  ${stage.id}:`, '    foreach: scenario', '    code: stages/fake.mjs');
    if (stage.prompt) lines.push('    prompts:', `      main: prompts/${stage.id}.md`);
    lines.push('    inputs:', ...Object.entries(stage.reads).map(([name, ref]) => `      ${name}: ${ref}`));
    lines.push(
      '    outputs:',
      ...Object.entries(stage.out).map(([name, file]) => `      ${name}: artifacts/{scenario}/${file}`),
    );
    lines.push(
      '    params:',
      `      bytes: ${stage.bytes}`,
      `      outputs: [${Object.keys(stage.out).join(', ')}]`,
      `      first_input: ${Object.keys(stage.reads)[0]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const LIST_STAGE = `export default {
  description: 'scenario list', usesLlm: false,
  async run(ctx) {
    await ctx.outputs.writeJson('list', ctx.inputs.json('names').map((name) => ({ id: name, name, description: 'A synthetic scenario for the no-op benchmark.' })));
    return { status: 'ok' };
  },
};
`;

// Renders a prompt from its inputs (so fingerprints carry rendered text) and writes outputs of
// the configured size; a .db output is a copy of a template SQLite file of ~100 KB.
const FAKE_STAGE = `import { copyFileSync } from 'node:fs';
export default {
  description: 'fake stage of the benchmark', usesLlm: false,
  params: { type: 'object', properties: { bytes: { type: 'integer' }, outputs: { type: 'array', items: { type: 'string' } }, first_input: { type: 'string' } }, additionalProperties: false },
  render(ctx) {
    if (!ctx.prompts.main) return {};
    return { main: ctx.prompts.main.render({ scenario: ctx.scenario, first_input: ctx.inputs.text(ctx.params.first_input).slice(0, 200) }) };
  },
  async run(ctx) {
    for (const name of ctx.params.outputs) {
      if (ctx.outputs.pathFor(name).endsWith('.db')) copyFileSync(process.env.AWM_BENCH_TEMPLATE_DB, ctx.outputs.pathFor(name));
      else await ctx.outputs.writeJson(name, { scenario: ctx.scenario, stage: ctx.stage, filler: 'x'.repeat(ctx.params.bytes) });
    }
    return { status: 'ok' };
  },
};
`;

/** Writes the project into `dir`; returns the extra environment its stages need. */
export async function makeSyntheticProject(dir, scenarios) {
  await fs.outputFile(path.join(dir, 'awm.pipeline.yaml'), pipelineYaml());
  await fs.outputFile(path.join(dir, 'stages/list.mjs'), LIST_STAGE);
  await fs.outputFile(path.join(dir, 'stages/fake.mjs'), FAKE_STAGE);
  for (const stage of STAGES) {
    if (stage.prompt)
      await fs.outputFile(
        path.join(dir, `prompts/${stage.id}.md`),
        `Do the ${stage.id} work for {{scenario}}.\nInput begins: {{first_input}}\n`,
      );
  }
  const names = Array.from({ length: scenarios }, (_, index) => `scenario_${String(index).padStart(5, '0')}`);
  await fs.outputJson(path.join(dir, 'data/names.json'), names);
  const template = path.join(dir, 'template.db');
  await writeTemplateDatabase(template);
  return { AWM_BENCH_TEMPLATE_DB: template };
}

async function writeTemplateDatabase(file) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  for (let index = 0; index < 800; index += 1) insert.run(`row ${index} `.repeat(10));
  db.close();
}
