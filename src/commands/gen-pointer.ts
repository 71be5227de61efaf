// What `awm gen STAGE` answers while awm has no `gen` command: the reference's synthesis commands
// run one stage over JSONL files; here a stage is a target of `awm build`, so this names the one to run.
// The reference's stage names, then ours in the default pipeline (awm.pipeline.yaml).
const STAGES: Readonly<Record<string, string>> = {
  scenario: 'scenarios',
  task: 'tasks',
  db: 'schema',
  sample: 'sample',
  spec: 'spec',
  env: 'env',
  verifier: 'verifier',
};

/** The usage error for `awm gen [STAGE]`: the `awm build` command that does what it asked. */
export function genPointer(stage: string | undefined): string {
  const files =
    'stages read and write the files awm.pipeline.yaml names (artifacts/), not the --input/--output JSONL files';
  if (stage === 'all') return `awm has no \`awm gen all\`: \`awm build\` builds every stage that is stale; ${files}`;
  const ours =
    stage === undefined ? undefined : (STAGES[stage] ?? Object.values(STAGES).find((name) => name === stage));
  if (ours !== undefined)
    return `awm has no \`awm gen ${stage}\`: \`awm build :${ours}\` builds the ${ours} stage of every scenario (\`awm build S:${ours}\` of one), and what it needs when stale; ${files}`;
  const table = Object.entries(STAGES)
    .map(([reference, name]) => `gen ${reference} → build :${name}`)
    .join(', ');
  return `awm has no \`awm gen\`; the reference's synthesis commands are targets of \`awm build\` here: ${table}, gen all → build`;
}
