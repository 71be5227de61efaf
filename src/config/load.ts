// Loads awm.pipeline.yaml in one pass: parse (positions kept) → schema → semantic checks →
// PipelineConfig. Every problem found is reported at once, sorted by place, each with a hint;
// nothing is printed. With problems, the stages that can still be checked come back too, so their
// params are checked in the same run and the user sees everything in one go.
import { resolve } from 'node:path';
import type { StageId } from '../util/brand.js';
import { err, ok, type Result } from '../util/result.js';
import { NotUtf8Error } from '../util/utf8.js';
import { checkOutputs } from './check-output-paths.js';
import { checkPathsInside } from './check-paths-inside.js';
import { checkReferences } from './check-references.js';
import { checkSourceFiles, nodeProjectReader, type ProjectReader } from './check-source-files.js';
import { checkTokenBudgets } from './check-token-budgets.js';
import { sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { readPipelineDraft, type PipelineDraft, type StageDraft } from './draft.js';
import { diagnosticAt, type CheckContext } from './place-names.js';
import { validatePipelineStructure } from './schema.js';
import { findCycles } from './stage-graph.js';
import type { PipelineConfig, StageConfig } from './types.js';
import type { ValidationMemo } from './validation-memo.js';
import { parseWorldClock } from './world-clock.js';
import { parseYaml, type PositionLookup } from './yaml-positions.js';

export { nodeProjectReader, type ProjectReader } from './check-source-files.js';

/** The one name of the pipeline file, relative to the project root. */
export const PIPELINE_FILE = 'awm.pipeline.yaml';

export interface PipelineReading {
  /** The validated pipeline, when the file has no problems. */
  readonly config: PipelineConfig | null;
  /** Every problem, sorted by place; empty when `config` is set. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * With problems: the pipeline cut down to the stages whose code file exists, so their params can
   * be checked too. Null when there are no problems or the YAML does not parse.
   */
  readonly checkable: PipelineConfig | null;
}

export async function readPipeline(
  root: string,
  fileName = PIPELINE_FILE,
  reader: ProjectReader = nodeProjectReader,
  memo: ValidationMemo | null = null,
): Promise<PipelineReading> {
  const absoluteRoot = resolve(root);
  const unreadable = (diagnostic: Diagnostic): PipelineReading => ({
    config: null,
    diagnostics: [diagnostic],
    checkable: null,
  });
  if ((await reader.kindOf(resolve(absoluteRoot, fileName))) === 'directory') {
    const hint = `move the folder away; ${fileName} is the file that declares the stages`;
    return unreadable({ file: fileName, position: null, message: `${fileName} is a folder, not a file`, hint });
  }
  let sourceText: string | null;
  try {
    sourceText = await reader.readText(resolve(absoluteRoot, fileName));
  } catch (error) {
    if (!(error instanceof NotUtf8Error)) throw error;
    return unreadable(notUtf8Problem(fileName, error));
  }
  if (sourceText === null) {
    const missing = {
      file: fileName,
      position: null,
      message: `there is no ${fileName} in ${absoluteRoot}`,
      hint: `run awm in the project folder (the one holding ${fileName})`,
    };
    return { config: null, diagnostics: [missing], checkable: null };
  }
  const parsed = parseYaml(fileName, sourceText);
  if (!parsed.ok) return { config: null, diagnostics: sortDiagnostics(parsed.error), checkable: null };
  const { value, positionOf } = parsed.value;
  const structure = await validatePipelineStructure(value, fileName, positionOf, memo);
  const draft = readPipelineDraft(value, structure.invalidValues);
  const context: CheckContext = { file: fileName, positionOf };
  const clock = draft.worldClock === null ? null : parseWorldClock(draft.worldClock);
  const diagnostics = [
    ...structure.diagnostics,
    ...(draft.worldClock !== null && clock === null ? [worldClockProblem(draft.worldClock, context)] : []),
    ...checkReferences(draft, context),
    ...checkTokenBudgets(draft, context),
    ...checkOutputs(draft, context),
    ...checkCycles(draft, context),
    ...(await checkPathsInsideThenFiles(draft, context, absoluteRoot, reader)),
  ];
  const source: Source = { root: absoluteRoot, file: fileName, sourceText, positionOf, instant: clock ?? new Date(0) };
  if (diagnostics.length === 0) return { config: toPipelineConfig(draft, source), diagnostics: [], checkable: null };
  const stages = new Map<StageId, StageDraft>();
  for (const [id, stage] of draft.stages) {
    if (stage.code !== null && (await reader.kindOf(resolve(absoluteRoot, stage.code))) === 'file')
      stages.set(id, stage);
  }
  return {
    config: null,
    diagnostics: sortDiagnostics(diagnostics),
    checkable: toPipelineConfig({ ...draft, stages }, source),
  };
}

/** The validated pipeline, or every problem with it. */
export async function loadPipelineConfig(
  root: string,
  fileName = PIPELINE_FILE,
  reader: ProjectReader = nodeProjectReader,
  memo: ValidationMemo | null = null,
): Promise<Result<PipelineConfig, Diagnostic[]>> {
  const reading = await readPipeline(root, fileName, reader, memo);
  return reading.config ? ok(reading.config) : err([...reading.diagnostics]);
}

/** Paths leaving the project are reported as such and never looked at, not even whether they exist. */
async function checkPathsInsideThenFiles(
  draft: PipelineDraft,
  context: CheckContext,
  root: string,
  reader: ProjectReader,
): Promise<Diagnostic[]> {
  const inside = await checkPathsInside(draft, context, root);
  return [...inside.diagnostics, ...(await checkSourceFiles(draft, context, root, reader, inside.outside))];
}

function notUtf8Problem(file: string, error: NotUtf8Error): Diagnostic {
  const { line, col } = error.place;
  return {
    file,
    position: { line, col, length: 1 },
    message: `${file} is not UTF-8 text: byte ${error.badByte} (0x${error.bytes[error.badByte]!.toString(16).padStart(2, '0')}) starts no valid character`,
    hint: 'save the file as UTF-8 (most editors have an "encoding" setting); names and values must be UTF-8',
  };
}

/** The schema checks the form; this is a form on no calendar (30 February). */
function worldClockProblem(text: string, context: CheckContext): Diagnostic {
  const message = `"world_clock" must be a real date and time (got ${JSON.stringify(text)})`;
  return diagnosticAt(
    context,
    ['world_clock'],
    message,
    'use an ISO 8601 instant with Z or an offset, e.g. 2026-03-02T09:00:00Z',
  );
}

/** Reported at the cycle's first stage in file order, naming the whole cycle. */
function checkCycles(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  const graph = {
    ...draft,
    stages: new Map(
      [...draft.stages].map(([id, stage]) => [id, { fanout: stage.fanout ?? 'global', inputs: stage.inputs }]),
    ),
  };
  return findCycles(graph).map((cycle) =>
    diagnosticAt(
      context,
      ['stages', cycle[0]!],
      `stage "${cycle[0]}" depends on itself: ${cycle.join(' → ')}`,
      'in "a → b", b reads an output of a (a stage with foreach also reads the stage that writes its list); remove one of these reads to break the cycle',
      'key',
    ),
  );
}

interface Source {
  readonly root: string;
  readonly file: string;
  readonly sourceText: string;
  readonly positionOf: PositionLookup;
  readonly instant: Date;
}

/** Every draft field is present and well-formed here, except in the `checkable` cut of a broken file. */
function toPipelineConfig(draft: PipelineDraft, source: Source): PipelineConfig {
  const stages = new Map<StageId, StageConfig>(
    [...draft.stages].map(([id, stage]) => [
      id,
      { ...stage, fanout: stage.fanout ?? 'global', code: stage.code ?? '', outputs: stage.outputs ?? {} },
    ]),
  );
  return {
    root: source.root,
    file: source.file,
    worldClock: draft.worldClock ?? '',
    worldClockInstant: source.instant,
    artifactsDir: draft.artifactsDir,
    llm: draft.llm,
    scenarios: draft.scenarios,
    tasks: draft.tasks,
    stages,
    positionOf: source.positionOf,
    sourceText: source.sourceText,
  };
}
