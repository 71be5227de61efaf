// Loads awm.pipeline.yaml: parse (positions kept) → schema → semantic checks → PipelineConfig.
// Every problem found is reported at once, sorted by place, each with a hint; nothing is printed.
import { resolve } from 'node:path';
import type { StageId } from '../util/brand.js';
import { formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { checkSourceFiles, nodeProjectReader, type ProjectReader } from './check-source-files.js';
import { readPipelineDraft, type PipelineDraft, type StageDraft } from './draft.js';
import { checkOutputs } from './check-output-paths.js';
import { diagnosticAt, type CheckContext } from './place-names.js';
import { checkReferences } from './check-references.js';
import { validatePipelineStructure } from './schema.js';
import type { PipelineConfig, StageConfig } from './types.js';
import { err, ok, type Result } from '../util/result.js';
import { findCycles } from './stage-graph.js';
import { parseYaml, type PositionLookup } from './yaml-positions.js';
import type { ValidationMemo } from './validation-memo.js';

export { nodeProjectReader, type ProjectReader } from './check-source-files.js';

export const defaultPipelineFile = 'awm.pipeline.yaml';

export async function loadPipelineConfig(root: string, fileName = defaultPipelineFile, reader: ProjectReader = nodeProjectReader, memo: ValidationMemo | null = null): Promise<Result<PipelineConfig, Diagnostic[]>> {
  const absoluteRoot = resolve(root);
  const sourceText = await reader.readText(resolve(absoluteRoot, fileName));
  if (sourceText === null) {
    return err([{ file: fileName, position: null, message: `there is no ${fileName} in ${absoluteRoot}`, hint: `run awm in the project folder (the one holding ${fileName})` }]);
  }
  const parsed = parseYaml(fileName, sourceText);
  if (!parsed.ok) return err(sortDiagnostics(parsed.error));
  const { value, positionOf } = parsed.value;
  const structure = await validatePipelineStructure(value, fileName, positionOf, memo);
  const draft = readPipelineDraft(value, structure.invalidValues);
  const context: CheckContext = { file: fileName, positionOf };
  const diagnostics = [
    ...structure.diagnostics,
    ...checkWorldClock(draft, context),
    ...checkReferences(draft, context),
    ...checkOutputs(draft, context),
    ...checkCycles(draft, context),
    ...(await checkSourceFiles(draft, context, absoluteRoot, reader)),
  ];
  if (diagnostics.length > 0) return err(sortDiagnostics(diagnostics));
  return ok(toPipelineConfig(draft, { root: absoluteRoot, file: fileName, sourceText, positionOf }));
}

/**
 * When the pipeline file has problems, the stages that still name an existing code file, so their
 * params can be checked too and every problem is reported in one go. Null if the YAML does not parse.
 */
export async function stagesStillCheckable(root: string, fileName = defaultPipelineFile, reader: ProjectReader = nodeProjectReader): Promise<PipelineConfig | null> {
  const absoluteRoot = resolve(root);
  const sourceText = await reader.readText(resolve(absoluteRoot, fileName));
  if (sourceText === null) return null;
  const parsed = parseYaml(fileName, sourceText);
  if (!parsed.ok) return null;
  const { value, positionOf } = parsed.value;
  const structure = await validatePipelineStructure(value, fileName, positionOf);
  const draft = readPipelineDraft(value, structure.invalidValues);
  const stages = new Map<StageId, StageDraft>();
  for (const [id, stage] of draft.stages) {
    if (stage.code !== null && (await reader.kindOf(resolve(absoluteRoot, stage.code))) === 'file') stages.set(id, stage);
  }
  return toPipelineConfig({ ...draft, stages }, { root: absoluteRoot, file: fileName, sourceText, positionOf });
}

/** File-level problems first, then by line and column; exact repeats dropped. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (diagnostic: Diagnostic) => [diagnostic.file, diagnostic.position?.line ?? 0, diagnostic.position?.col ?? 0, diagnostic.message].join('\u0000');
  const unique = [...new Map(diagnostics.map((diagnostic) => [key(diagnostic), diagnostic])).values()];
  return unique.sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0));
}

/** All diagnostics as the user reads them: `file:line:col: message`, the line underlined, the hint. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sourceText: string | null): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, sourceText)).join('\n\n');
}

/** The schema checks the form; this checks the date is on the calendar (no 30 February). */
function checkWorldClock(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(draft.worldClock ?? '');
  if (!match) return [];
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid = date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  if (valid) return [];
  return [diagnosticAt(context, ['world_clock'], `"world_clock" must be a real date and time (got ${JSON.stringify(draft.worldClock)})`, 'use an ISO 8601 instant with Z or an offset, e.g. 2026-03-02T09:00:00Z')];
}

/** Reported at the cycle's first stage in file order, naming the whole cycle. */
function checkCycles(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  const graph = { ...draft, stages: new Map([...draft.stages].map(([id, stage]) => [id, { fanout: stage.fanout ?? 'global', inputs: stage.inputs }])) };
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
}

/** Only called once every check passed, so each draft field is present and well-formed. */
function toPipelineConfig(draft: PipelineDraft, source: Source): PipelineConfig {
  const stages = new Map<StageId, StageConfig>(
    [...draft.stages].map(([id, stage]) => [id, { ...stage, fanout: stage.fanout ?? 'global', code: stage.code ?? '', outputs: stage.outputs ?? {} }]),
  );
  return {
    root: source.root,
    file: source.file,
    worldClock: draft.worldClock ?? '',
    artifactsDir: draft.artifactsDir,
    llm: draft.llm,
    scenarios: draft.scenarios,
    tasks: draft.tasks,
    stages,
    positionOf: source.positionOf,
    sourceText: source.sourceText,
  };
}
