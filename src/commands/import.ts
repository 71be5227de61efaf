// `awm import DIR [--world-clock ISO]`: the reference pipeline's JSONL files (any subset of
// gen_scenario, gen_tasks, gen_db, gen_sample, gen_spec, gen_envs, gen_verifier[.pure_code]) taken
// into this project. src/interop reads and converts them (joined by scenario and task_idx, every
// problem at once, nothing half-way); then, under the build lock:
//
//   imports/scenarios.json (the scenarios stage's optional input `imported`) ← the scenario rows
//   each stage's output paths ← tasks.json, schema.json, sample.json + seed.db (built through our
//     sample path, time pinned to the world clock), spec.json, verifiers/<task>.json (Python)
//   imports/<scenario>/gen_envs.py ← their env code, kept (our env stage regenerates handlers)
//   awm.lock ← an imported entry per instance written (engine/imported-entries.ts)
//
// then builds the scenario list and the scenario rows (`:scenarios`, `*:scenario`), so the imported
// scenarios are fresh and the stages we own (env, and verifiers for tasks without one) build on
// them with `awm build`. imports/report.json says what was converted, lost and rejected.
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { InputRef, PipelineConfig } from '../config/types.js';
import { acquireBuildMutex } from '../engine/build-mutex.js';
import { forgetClean } from '../engine/clean-stamp.js';
import { recordImported, type ImportedInstance } from '../engine/imported-entries.js';
import {
  buildReferenceSeed,
  formatReferenceProblem,
  importReference,
  readReferenceFolder,
  specVerdict,
  type ImportedScenario,
  type SeedReport,
  type SpecVerdict,
} from '../interop/index.js';
import { chooseLogger } from '../logging/choose-logger.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { asStageId } from '../util/brand.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { buildProject } from './build-project.js';
import { scenarioRows } from './built-env.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

/** The stages an import writes into, by the output it fills (as the demo pipeline names them). */
const TARGETS = {
  tasks: { stage: 'tasks', output: 'tasks', file: 'gen_tasks.jsonl' },
  schema: { stage: 'schema', output: 'schema', file: 'gen_db.jsonl' },
  sample: { stage: 'sample', output: 'sample', file: 'gen_sample.jsonl' },
  seedDb: { stage: 'sample', output: 'seed_db', file: 'gen_sample.jsonl' },
  spec: { stage: 'spec', output: 'spec', file: 'gen_spec.jsonl' },
  verifier: { stage: 'verifier', output: 'verifier', file: 'gen_verifier.jsonl' },
} as const;

export const IMPORTS_DIR = 'imports';

interface ScenarioReport {
  readonly scenario: string;
  readonly tasks: number | null;
  readonly tables: number | null;
  readonly rows: number | null;
  readonly rejected: SeedReport['rejected'];
  readonly dropped_tables: SeedReport['droppedTables'];
  readonly tools: number | null;
  /** Our spec stage's check of their spec: imported as it is, whatever it says. */
  readonly spec_check: SpecVerdict | null;
  readonly verifiers: number;
  readonly imported: readonly string[];
  readonly lost: readonly string[];
}

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  if (request.positionals.length !== 1) {
    io.stderr.write('awm: `awm import` takes the folder of the reference files: awm import DIR [--world-clock ISO]\n');
    return 2;
  }
  const folder = resolve(request.root, request.positionals[0]!);
  return (await importFolder(request.root, folder, request.values['world-clock'], io, signal)).code;
}

/** The import of one folder of reference files; with the ids of the scenarios it brought in. */
export async function importFolder(
  root: string,
  folder: string,
  clockOption: unknown,
  io: CliIo,
  signal: AbortSignal,
): Promise<{ readonly code: number; readonly scenarios: readonly string[] }> {
  const none = (code: number): { code: number; scenarios: readonly string[] } => ({ code, scenarios: [] });
  const project = await openProjectOrReport(root, io);
  if (!project) return none(2);
  const config = project.config;
  const clock = worldClock(clockOption, config);
  if (!clock.ok) return none(fail(io, clock.error, 2));
  const layout = importLayout(config);
  if (!layout.ok) return none(fail(io, layout.error, 2));

  // Read and convert everything first: a problem anywhere imports nothing.
  const read = readReferenceFolder(folder);
  if (!read.ok) {
    for (const problem of read.error)
      io.stderr.write(`awm: ${problem.file === folder ? '' : `${folder}/`}${formatReferenceProblem(problem)}\n`);
    io.stderr.write(`awm: nothing was imported (${read.error.length} problems)\n`);
    return none(1);
  }
  const converted = importReference(read.value, { worldClock: clock.value });
  const clash = generatedClashes(config, converted.scenarios);
  if (clash.length > 0)
    return none(
      fail(
        io,
        `${clash.join(', ')} ${clash.length === 1 ? 'is a scenario' : 'are scenarios'} this project generated; an import would replace ${clash.length === 1 ? 'it' : 'them'}. Import into another project, or remove ${clash.length === 1 ? 'it' : 'them'} from the list first`,
        1,
      ),
    );

  const scenarios = converted.scenarios.map((scenario) => scenario.id);
  const mutex = acquireBuildMutex(root, `awm import ${folder}`, io);
  if (!mutex.ok) return none(fail(io, mutex.error, 1));
  const forgetExit = io.onExit(() => mutex.value.release());
  let reports: ScenarioReport[];
  try {
    const written = writeImport(config, layout.value, converted.scenarios);
    reports = written.reports;
    const recorded = recordImported(project, written.instances);
    if (!recorded.ok) return none(fail(io, `internal error: ${recorded.error.join('; ')}`, 1));
    project.state.flushLock();
    project.state.saveCaches();
    forgetClean(root);
    atomicWriteFile(
      join(root, IMPORTS_DIR, 'report.json'),
      `${JSON.stringify({ from: folder, world_clock: clock.value, warnings: converted.warnings, scenarios: reports }, null, 2)}\n`,
    );
  } finally {
    mutex.value.release();
    forgetExit();
  }
  for (const warning of converted.warnings) io.stderr.write(`awm: warning: ${warning.file}: ${warning.message}\n`);
  for (const report of reports) io.stdout.write(`awm: ${summaryLine(report)}\n`);
  io.stdout.write(
    `awm: imported ${reports.length} scenarios from ${folder}; what was lost or rejected: ${IMPORTS_DIR}/report.json\n`,
  );

  // The list and the rows, so the imported scenarios are in the graph and fresh.
  const reopened = await openProjectOrReport(root, io);
  if (!reopened) return { code: 2, scenarios };
  const listStage = config.scenarios?.stage ?? asStageId('scenarios');
  const rowStage = layout.value.rowStage;
  const targets = [`:${listStage}`, ...(rowStage === null ? [] : [`*:${rowStage}`])];
  const code = await buildProject(
    reopened,
    { targets, force: false, dryRun: false, jobs: 32, keepGoing: false, frozen: false, fresh: false },
    io,
    chooseLogger(io),
    signal,
  );
  if (code === 0)
    io.stdout.write(
      'awm: next: `awm build` generates what was not imported (our env handlers from their spec and schema, verifiers for tasks without one)\n',
    );
  return { code, scenarios };
}

interface ImportLayout {
  /** imports/scenarios.json (the scenarios stage's `imported` input). */
  readonly listPath: string;
  /** The per-scenario stage that writes a row of the list to its own file, if any. */
  readonly rowStage: string | null;
}

/** Where the import writes: the list's optional input, and every stage output it fills. */
function importLayout(config: PipelineConfig): Result<ImportLayout, string> {
  const listStage = config.scenarios === null ? null : config.stages.get(config.scenarios.stage);
  const imported: InputRef | undefined = listStage?.inputs['imported'];
  if (listStage === undefined || listStage === null || imported?.kind !== 'file')
    return err(
      `${config.file}: the scenario list's stage needs the input \`imported: file?:${IMPORTS_DIR}/scenarios.json\` (the demo pipeline has it) so imported scenarios join the list`,
    );
  const missing = Object.values(TARGETS)
    .filter((target) => config.stages.get(asStageId(target.stage))?.outputs[target.output] === undefined)
    .map((target) => `${target.stage}.${target.output}`);
  if (missing.length > 0)
    return err(
      `${config.file}: awm import writes into the outputs ${missing.join(', ')}, which this pipeline does not declare; use the demo pipeline's stage names`,
    );
  const rowStage =
    [...config.stages.values()].find((stage) =>
      Object.values(stage.inputs).some(
        (input) => input.kind === 'output' && input.stage === listStage.id && input.row === 'scenario',
      ),
    )?.id ?? null;
  return ok({ listPath: imported.path, rowStage });
}

function writeImport(
  config: PipelineConfig,
  layout: ImportLayout,
  scenarios: readonly ImportedScenario[],
): { instances: ImportedInstance[]; reports: ScenarioReport[] } {
  const root = config.root;
  const at = (target: (typeof TARGETS)[keyof typeof TARGETS], scenario: string, task = ''): string =>
    join(
      root,
      config.stages
        .get(asStageId(target.stage))!
        .outputs[target.output]!.replaceAll('{scenario}', scenario)
        .replaceAll('{task}', task),
    );
  // The file name only: an import of an export of an import records the same entries.
  const origin = (file: string): string => `reference ${file}`;
  const instances: ImportedInstance[] = [];
  const reports: ScenarioReport[] = [];
  const rows = previousImportedRows(join(root, layout.listPath));
  for (const scenario of scenarios) {
    const id = scenario.id;
    rows.set(id, { ...scenario.row, imported: origin('gen_scenario.jsonl') });
    const imported: string[] = [];
    const json = (path: string, value: unknown): void => {
      mkdirSync(dirname(path), { recursive: true });
      atomicWriteFile(path, `${JSON.stringify(value, null, 2)}\n`);
    };
    const record = (target: (typeof TARGETS)[keyof typeof TARGETS], task: string | null = null): void => {
      instances.push({ stage: target.stage, scenario: id, task, origin: origin(target.file) });
      if (task === null) imported.push(target.stage);
    };
    if (scenario.tasks !== null) {
      json(at(TARGETS.tasks, id), scenario.tasks);
      record(TARGETS.tasks);
    }
    if (scenario.schema !== null) {
      json(at(TARGETS.schema, id), scenario.schema);
      record(TARGETS.schema);
    }
    let seed: SeedReport | null = null;
    if (scenario.sample !== null && scenario.schema !== null) {
      const dbPath = at(TARGETS.seedDb, id);
      const temp = `${dbPath}.awm-import-tmp`;
      mkdirSync(dirname(dbPath), { recursive: true });
      rmSync(temp, { force: true });
      seed = buildReferenceSeed(scenario.schema, scenario.sample, temp);
      renameSync(temp, dbPath);
      json(at(TARGETS.sample, id), {
        ...scenario.sample,
        skipped_statements: seed.rejected.map((rejected) => ({
          table_name: rejected.table,
          index: rejected.index,
          statement: rejected.statement,
          error: rejected.error,
        })),
      });
      record(TARGETS.sample);
    }
    if (scenario.spec !== null) {
      json(at(TARGETS.spec, id), scenario.spec);
      record(TARGETS.spec);
    }
    if (scenario.tasks !== null)
      for (const [taskId, verifier] of scenario.verifiers) {
        json(at(TARGETS.verifier, id, taskId), verifier);
        record(TARGETS.verifier, taskId);
      }
    if (scenario.envCode !== null) {
      const envPath = join(root, IMPORTS_DIR, id, 'gen_envs.py');
      mkdirSync(dirname(envPath), { recursive: true });
      atomicWriteFile(envPath, scenario.envCode);
    }
    reports.push({
      scenario: id,
      tasks: scenario.tasks?.length ?? null,
      tables: seed === null ? (scenario.schema?.tables.length ?? null) : Object.keys(seed.tables).length,
      rows: seed === null ? null : Object.values(seed.tables).reduce((sum, count) => sum + count, 0),
      rejected: seed?.rejected ?? [],
      dropped_tables: seed?.droppedTables ?? [],
      tools: scenario.spec?.tools.length ?? null,
      spec_check:
        scenario.spec === null || scenario.schema === null ? null : specVerdict(scenario.spec, scenario.schema),
      verifiers: scenario.tasks === null ? 0 : scenario.verifiers.size,
      imported: [...imported, ...(scenario.verifiers.size > 0 && scenario.tasks !== null ? ['verifier'] : [])],
      lost: scenario.lost,
    });
  }
  const listPath = join(root, layout.listPath);
  mkdirSync(dirname(listPath), { recursive: true });
  atomicWriteFile(listPath, `${JSON.stringify([...rows.values()], null, 2)}\n`);
  return { instances, reports };
}

/** The rows of earlier imports, by id: a new import adds to them and replaces what it imports again. */
function previousImportedRows(path: string): Map<string, Record<string, unknown>> {
  const rows = new Map<string, Record<string, unknown>>();
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return rows;
  }
  if (Array.isArray(value))
    for (const row of value) if (isRecord(row) && typeof row['id'] === 'string') rows.set(row['id'], row);
  return rows;
}

/** Scenarios of the generated list (not imported) that the import would replace. */
function generatedClashes(config: PipelineConfig, scenarios: readonly ImportedScenario[]): string[] {
  const generated = new Set(
    (scenarioRows(config) ?? []).filter((row) => row['imported'] === undefined).map((row) => row.id),
  );
  return scenarios.map((scenario) => scenario.id).filter((id) => generated.has(id));
}

function worldClock(given: unknown, config: PipelineConfig): Result<string, string> {
  if (given === undefined) return ok(config.worldClock);
  const text = String(given);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text)))
    return err(`--world-clock must be an ISO 8601 date and time such as 2026-03-02T09:00:00Z (got "${text}")`);
  return ok(text);
}

function summaryLine(report: ScenarioReport): string {
  const parts = [
    report.tasks === null ? null : `${report.tasks} tasks`,
    report.tables === null ? null : `${report.tables} tables`,
    report.rows === null ? null : `${report.rows} rows`,
    report.rejected.length === 0 ? null : `${report.rejected.length} statements rejected`,
    report.tools === null
      ? null
      : `${report.tools} tools${report.spec_check?.passes === false ? ` (our spec check: ${report.spec_check.problems.length} problems)` : ''}`,
    report.verifiers === 0 ? null : `${report.verifiers} verifiers`,
  ].filter((part) => part !== null);
  return `${report.scenario}: ${parts.join(', ') || 'the scenario row only'}`;
}

function fail(io: CliIo, message: string, code: number): number {
  io.stderr.write(`awm: ${message}\n`);
  return code;
}
