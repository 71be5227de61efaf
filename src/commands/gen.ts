// `awm gen STAGE` and `awm gen all`, the reference's synthesis commands over its JSONL files, run
// through this project's stages and LLM response cache:
//
//   --input … files (the reference's gen_*.jsonl) ──awm import──▶ artifacts pinned as imported
//   ──awm build <each scenario>:<stage>──▶ our stage's outputs ──awm export──▶ --output FILE
//
// `gen task --input gen_scenario.jsonl --output gen_tasks.jsonl` so generates the tasks of those
// scenarios; without --input, every scenario of the list. `gen all --input gen_scenario.jsonl
// --output DIR` builds everything and writes every file into DIR. What does not map is refused
// with what to do instead: `gen scenario` (our list grows from data/seed-scenarios.json and
// `target`), and `gen env --output` (our handlers are JavaScript; gen_envs.jsonl holds Python).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { REFERENCE_FILES, type ReferenceFileName } from '../interop/index.js';
import { chooseLogger } from '../logging/choose-logger.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { err, ok, type Result } from '../util/result.js';
import { buildProject } from './build-project.js';
import { exportScenarios, scenarioList } from './export.js';
import { importFolder } from './import.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

interface GenStage {
  /** Our stage in the default pipeline. */
  readonly stage: string;
  /** The file --output writes, or null when it cannot carry our outputs. */
  readonly output: ReferenceFileName | null;
  /** What the reference's plain `--input` holds for this stage. */
  readonly input: ReferenceFileName | null;
}

const STAGES: Readonly<Record<string, GenStage>> = {
  task: { stage: 'tasks', output: 'gen_tasks.jsonl', input: 'gen_scenario.jsonl' },
  db: { stage: 'schema', output: 'gen_db.jsonl', input: 'gen_tasks.jsonl' },
  sample: { stage: 'sample', output: 'gen_sample.jsonl', input: null },
  spec: { stage: 'spec', output: 'gen_spec.jsonl', input: null },
  env: { stage: 'env', output: null, input: null },
  verifier: { stage: 'verifier', output: 'gen_verifier.jsonl', input: 'gen_tasks.jsonl' },
};

/** The reference's named input flags, and the file each holds. */
const INPUT_FLAGS: Readonly<Record<string, ReferenceFileName>> = {
  input_task: 'gen_tasks.jsonl',
  input_db: 'gen_db.jsonl',
  input_sample: 'gen_sample.jsonl',
  input_spec: 'gen_spec.jsonl',
  input_scenario: 'gen_scenario.jsonl',
};

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = request.positionals;
  const usage = `\`awm gen\` takes a stage: ${[...Object.keys(STAGES), 'all'].join(', ')} (awm gen task --input gen_scenario.jsonl --output gen_tasks.jsonl)`;
  if (name === undefined || rest.length > 0) return fail(io, usage, 2);
  if (name === 'scenario')
    return fail(
      io,
      "`awm gen scenario` does not map: the scenario list grows from data/seed-scenarios.json (a JSON array of {name, description}) to the scenarios stage's `target` in awm.pipeline.yaml; set those and run `awm build :scenarios`, then `awm export DIR` writes gen_scenario.jsonl",
      2,
    );
  const gen = name === 'all' ? null : STAGES[name];
  if (gen === undefined) return fail(io, usage, 2);
  if (gen?.output === null && request.values['output'] !== undefined)
    return fail(
      io,
      '`awm gen env --output` does not map: our env stage writes JavaScript handlers (artifacts/<scenario>/tools.mjs), which gen_envs.jsonl (Python code) cannot hold; run it without --output, and serve the envs with `awm env start` or `awm serve`',
      2,
    );
  const inputs = inputFiles(request, gen);
  if (!inputs.ok) return fail(io, inputs.error, 2);

  // The inputs, imported (each under the reference's own file name).
  let scenarios: readonly string[] | null = null;
  if (inputs.value.length > 0) {
    const folder = mkdtempSync(join(tmpdir(), 'awm-gen-'));
    try {
      for (const { path, file } of inputs.value) copyFileSync(path, join(folder, file));
      const imported = await importFolder(request.root, folder, request.values['world-clock'], io, signal);
      if (imported.code !== 0) return imported.code;
      scenarios = imported.scenarios;
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  // Our stage over those scenarios (or all), through the same build and cache as `awm build`.
  const project = await openProjectOrReport(request.root, io);
  if (!project) return 2;
  const targets =
    scenarios === null
      ? gen === null
        ? []
        : [`:${gen.stage}`]
      : scenarios.map((id) => (gen === null ? id : `${id}:${gen.stage}`));
  const built = await buildProject(
    project,
    { targets, force: false, dryRun: false, jobs: 32, keepGoing: true, frozen: false, fresh: false },
    io,
    chooseLogger(io),
    signal,
  );

  // What the reference writes, from what is built (a scenario that failed is left out, and said).
  const output = request.values['output'];
  if (typeof output === 'string') {
    const list = scenarioList(project.config) ?? [];
    const rows = scenarios === null ? list : list.filter((row) => scenarios.includes(row.id));
    const { files } = exportScenarios(project.config, rows);
    const target = resolve(request.root, output);
    if (gen === null) {
      mkdirSync(target, { recursive: true });
      for (const [file, lines] of files) atomicWriteFile(join(target, file), `${lines.join('\n')}\n`);
      io.stdout.write(`awm: wrote ${[...files.keys()].join(', ')} to ${target}\n`);
    } else {
      const lines = files.get(gen.output!) ?? [];
      atomicWriteFile(target, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
      io.stdout.write(`awm: wrote ${lines.length} rows of ${gen.output} to ${target}\n`);
    }
  }
  return built;
}

/** The files the flags name, each with the reference file it is. */
function inputFiles(
  request: CommandRequest,
  gen: GenStage | null,
): Result<{ path: string; file: ReferenceFileName }[], string> {
  const found: { path: string; file: ReferenceFileName }[] = [];
  const add = (path: string, file: ReferenceFileName): void => {
    found.push({ path: resolve(request.root, path), file });
  };
  for (const [flag, file] of Object.entries(INPUT_FLAGS)) {
    const value = request.values[flag];
    if (typeof value === 'string') add(value, file);
  }
  const plain = request.values['input'];
  if (typeof plain === 'string') {
    // A file named as the reference names it says what it is; otherwise the stage's usual input.
    const named = REFERENCE_FILES.find((file) => basename(plain) === file);
    const file = named ?? gen?.input ?? sniff(resolve(request.root, plain));
    if (file === null)
      return err(
        `cannot tell which reference file ${plain} is: name it as the reference does (${REFERENCE_FILES.join(', ')}) or use --input_task, --input_db, --input_spec, --input_sample`,
      );
    add(plain, file);
  }
  const twice = found.map((entry) => entry.file).find((file, index, all) => all.indexOf(file) !== index);
  if (twice !== undefined) return err(`two inputs are both ${twice}; give it once`);
  return ok(found);
}

/** Which reference file a JSONL file is, by the fields of its first row. */
function sniff(path: string): ReferenceFileName | null {
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(readFileSync(path, 'utf8').split('\n')[0] ?? '') as Record<string, unknown>;
  } catch {
    return null;
  }
  if ('tasks' in row) return 'gen_tasks.jsonl';
  if ('db_schema' in row) return 'gen_db.jsonl';
  if ('sample_data' in row) return 'gen_sample.jsonl';
  if ('api_spec' in row) return 'gen_spec.jsonl';
  if ('full_code' in row) return 'gen_envs.jsonl';
  if ('verification' in row) return 'gen_verifier.jsonl';
  if ('name' in row && 'description' in row) return 'gen_scenario.jsonl';
  return null;
}

function fail(io: CliIo, message: string, code: number): number {
  io.stderr.write(`awm: ${message}\n`);
  return code;
}
