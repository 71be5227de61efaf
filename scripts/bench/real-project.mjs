// The real project: SCENARIOS scenarios built by awm's own stages (scenario, tasks, schema, sample,
// spec, as in the repo's awm.pipeline.yaml) with the offline demo provider, so that artifacts are
// demo-sized (real SQLite seed databases and all). The three demo scenarios' recorded answers are
// copied under varied ids, cycling: online_bookstore_0001, clinic_appointment_booking_0002, …
//
// Only the global list stage is replaced, by a local stage that writes the N rows (the demo rows
// with the id varied), because the LLM `scenarios` stage has recorded answers for three rows only.
//
// How the temp project gets the stage code, with the CLI as it is: a `.ts` stage runs from its
// compiled copy at `dist/<same path>.js` (refused if older than the source), so the project has
// `stages/<stage>.ts` symlinked to the repo's sources and `dist` symlinked to the repo's dist/.
// Node resolves an imported module at its real path, so the compiled stages' `../src/…` imports
// land in the repo's dist/src, the same modules the CLI itself runs (as in the repo).
import { fs, path } from 'zx';
import YAML from 'yaml';

const GLOBAL_ANSWER = 'demo/recorded-responses/_global/scenarios.generate-0.json';

const LIST_STAGE = `// The scenario list of the real-project benchmark: the demo rows, cycled, with ids varied.
export default {
  description: 'Writes count scenario rows: the demo rows, cycled, with numbered ids',
  usesLlm: false,
  params: { type: 'object', additionalProperties: false, properties: { count: { type: 'integer', minimum: 1 } } },
  async run(context) {
    const demo = context.inputs.json('demo');
    const rows = Array.from({ length: context.params.count }, (_, index) => {
      const row = demo[index % demo.length];
      return { ...row, id: \`\${row.id}_\${String(index + 1).padStart(4, '0')}\` };
    });
    await context.outputs.writeJson('list', rows);
    return { status: 'ok' };
  },
};
`;

/** Varied id of the scenario at `index` (0-based), as the list stage writes it. */
const variedId = (demoIds, index) => `${demoIds[index % demoIds.length]}_${String(index + 1).padStart(4, '0')}`;

/** Writes the project into `dir` (the repo must be compiled: dist/ is used as it is). */
export async function makeRealProject(dir, scenarios, repo) {
  const { scenarioId } = await import(path.join(repo, 'dist/src/synthesis/scenario-id.js'));
  const demoRows = (await fs.readJson(path.join(repo, GLOBAL_ANSWER))).scenarios.map((row) => ({
    id: scenarioId(row.name),
    ...row,
  }));
  const pipeline = YAML.parse(await fs.readFile(path.join(repo, 'awm.pipeline.yaml'), 'utf8'));
  const repoStages = Object.entries(pipeline.stages).filter(([id]) => id !== 'scenarios');
  pipeline.stages = {
    scenarios: {
      code: 'stages/bench-scenario-list.mjs',
      inputs: { demo: 'file:data/demo-scenarios.json' },
      outputs: { list: 'artifacts/scenarios.json' },
      params: { count: scenarios },
    },
    ...Object.fromEntries(repoStages),
  };
  await fs.outputFile(path.join(dir, 'awm.pipeline.yaml'), YAML.stringify(pipeline));
  await fs.outputFile(path.join(dir, 'stages/bench-scenario-list.mjs'), LIST_STAGE);
  await fs.outputJson(path.join(dir, 'data/demo-scenarios.json'), demoRows, { spaces: 2 });
  for (const [, stage] of repoStages) await fs.ensureSymlink(path.join(repo, stage.code), path.join(dir, stage.code));
  await fs.ensureSymlink(path.join(repo, 'dist'), path.join(dir, 'dist'));
  await fs.copy(path.join(repo, 'prompts'), path.join(dir, 'prompts'));
  const demoIds = demoRows.map((row) => row.id);
  for (let index = 0; index < scenarios; index += 1) {
    const from = path.join(repo, 'demo/recorded-responses', demoIds[index % demoIds.length]);
    await fs.copy(from, path.join(dir, 'demo/recorded-responses', variedId(demoIds, index)));
  }
}
