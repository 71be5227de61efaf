// `awm export DIR [--scenarios GLOB]`: this project's artifacts written as the reference pipeline's
// JSONL files (src/interop/export-reference.ts): gen_scenario, gen_tasks, gen_db, gen_sample (our
// time placeholders resolved against the world clock), gen_spec, gen_envs (only the Python env
// code an import kept: our handlers have no Python form), gen_verifier (ours as JavaScript, with a
// field that says so). Each row also carries our artifact in an `awm` field, so `awm import` of an
// export gives back the same artifacts. What is not built yet is left out, and said.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PipelineConfig } from '../config/types.js';
import { exportReference, type ScenarioArtifacts, type VerifierFile } from '../interop/index.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { asStageId } from '../util/brand.js';
import { globPattern } from '../util/glob-pattern.js';
import { isRecord } from '../util/is-record.js';
import type { CliIo, CommandRequest } from './io.js';
import { scenarioRows } from './built-env.js';
import { IMPORTS_DIR } from './import.js';
import { openProjectOrReport } from './open-project.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  if (request.positionals.length !== 1) {
    io.stderr.write('awm: `awm export` takes the folder to write: awm export DIR [--scenarios GLOB]\n');
    return 2;
  }
  const folder = resolve(request.root, request.positionals[0]!);
  const project = await openProjectOrReport(request.root, io);
  if (!project) return 2;
  const config = project.config;
  const list = scenarioList(config);
  if (list === null) {
    io.stderr.write('awm: the scenario list is not built yet; run `awm build` first\n');
    return 1;
  }
  const glob = request.values['scenarios'];
  const pattern = typeof glob === 'string' ? globPattern(glob) : null;
  const rows = list.filter((row) => pattern === null || pattern.test(row.id));
  if (rows.length === 0) {
    io.stderr.write(`awm: no scenario matches --scenarios; the scenarios: ${list.map((row) => row.id).join(', ')}\n`);
    return 1;
  }
  const { scenarios, files } = exportScenarios(config, rows);
  mkdirSync(folder, { recursive: true });
  for (const [file, lines] of files) atomicWriteFile(join(folder, file), `${lines.join('\n')}\n`);
  for (const scenario of scenarios) {
    const missing = [
      scenario.tasks === null ? 'tasks' : null,
      scenario.schema === null ? 'schema' : null,
      scenario.sample === null ? 'sample' : null,
      scenario.spec === null ? 'spec' : null,
    ].filter((part) => part !== null);
    if (missing.length > 0)
      io.stderr.write(`awm: ${scenario.row.id}: not built yet, left out: ${missing.join(', ')}\n`);
  }
  io.stdout.write(
    `awm: exported ${scenarios.length} scenarios to ${folder}: ${[...files.keys()].map((file) => `${file} (${files.get(file)!.length})`).join(', ')}\n`,
  );
  return 0;
}

type Row = ScenarioArtifacts['row'];

/** The built artifacts of these scenarios, and the reference's files made of them. */
export function exportScenarios(
  config: PipelineConfig,
  rows: readonly Row[],
): { readonly scenarios: ScenarioArtifacts[]; readonly files: ReturnType<typeof exportReference> } {
  const scenarios = rows.map((row) => artifactsOf(config, row));
  return { scenarios, files: exportReference(scenarios) };
}

export function scenarioList(config: PipelineConfig): Row[] | null {
  return scenarioRows(config)?.filter((row): row is typeof row & Row => typeof row['name'] === 'string') ?? null;
}

/** A scenario's built artifacts at the stages' output paths; null where one is not built. */
function artifactsOf(config: PipelineConfig, row: Row): ScenarioArtifacts {
  const at = (stage: string, output: string, task = ''): string | null => {
    const pattern = config.stages.get(asStageId(stage))?.outputs[output];
    return pattern === undefined
      ? null
      : join(config.root, pattern.replaceAll('{scenario}', row.id).replaceAll('{task}', task));
  };
  const read = (stage: string, output: string, task = ''): unknown => {
    const path = at(stage, output, task);
    return path === null ? null : readJson(path);
  };
  const tasks = read('tasks', 'tasks') as ScenarioArtifacts['tasks'];
  const verifiers = new Map<string, VerifierFile>();
  for (const task of tasks ?? []) {
    const verifier = read('verifier', 'verifier', task.id);
    if (isRecord(verifier)) verifiers.set(task.id, verifier);
  }
  const envPath = join(config.root, IMPORTS_DIR, row.id, 'gen_envs.py');
  return {
    row: { id: row.id, name: row.name, category: row.category, description: row.description },
    tasks,
    schema: read('schema', 'schema') as ScenarioArtifacts['schema'],
    sample: read('sample', 'sample') as ScenarioArtifacts['sample'],
    spec: read('spec', 'spec') as ScenarioArtifacts['spec'],
    envCode: existsSync(envPath) ? readFileSync(envPath, 'utf8') : null,
    verifiers,
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
