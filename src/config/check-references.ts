// Checks that every stage output named in the pipeline exists, and that it can exist for the
// reader: a stage instance can only read what is there for its scenario (or task).
import type { Diagnostic } from './diagnostic.js';
import { closestMatch, didYouMeanHint } from './did-you-mean.js';
import { diagnosticAt, runsWords, writesWords, type CheckContext } from './place-names.js';
import { formatInputRef, type PipelineDraft, type StageDraft } from './draft.js';
import type { Fanout, InputRef } from './types.js';
import type { YamlPath } from './yaml-positions.js';

type OutputRef = Extract<InputRef, { kind: 'output' }>;

export function checkReferences(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  return [
    ...checkListSource(draft, context, 'scenarios'),
    ...checkListSource(draft, context, 'tasks'),
    ...[...draft.stages.values()].flatMap((stage) => [
      ...checkFanoutHasList(draft, stage, context),
      ...checkInputs(draft, stage, context),
    ]),
  ];
}

function checkInputs(draft: PipelineDraft, reader: StageDraft, context: CheckContext): Diagnostic[] {
  return Object.entries(reader.inputs).flatMap(([name, ref]) => {
    if (ref.kind !== 'output') return [];
    const path = ['stages', reader.id, 'inputs', name];
    const missing = findOutput(draft, ref, `stage "${reader.id}" reads`, path, context);
    if (missing !== 'found') return missing ? [missing] : [];
    const problem = reader.fanout && readProblem(draft, reader.fanout, reader.id, ref);
    return problem ? [diagnosticAt(context, path, problem.message, problem.hint)] : [];
  });
}

/** `seeds.json` parses as STAGE.OUTPUT; with no such stage it was most likely meant as a file. */
const fileExtensions = new Set(['json', 'jsonl', 'md', 'txt', 'yaml', 'yml', 'csv', 'db', 'sqlite', 'sql']);

/**
 * 'found', or a diagnostic for a stage or output that is not there (with the names that are), or
 * null when the stage's outputs are themselves broken (reported already) and nothing can be said.
 */
function findOutput(
  draft: PipelineDraft,
  ref: OutputRef,
  who: string,
  path: YamlPath,
  context: CheckContext,
): Diagnostic | 'found' | null {
  const written = formatInputRef(ref);
  const source = draft.stages.get(ref.stage);
  if (!source) {
    const stages = [...draft.stages.keys()];
    const looksLikeFile =
      ref.row === null && closestMatch(ref.stage, stages) === null && fileExtensions.has(ref.output);
    const hint = looksLikeFile
      ? `to read a project file, write "file:${written}". Stages: ${stages.join(', ')}`
      : didYouMeanHint(ref.stage, stages, 'Stages');
    return diagnosticAt(context, path, `${who} "${written}", but there is no stage "${ref.stage}"`, hint);
  }
  if (source.outputs === null) return null;
  if (source.outputs[ref.output] === undefined) {
    const hint = didYouMeanHint(ref.output, Object.keys(source.outputs), `Outputs of "${ref.stage}"`);
    return diagnosticAt(
      context,
      path,
      `${who} "${written}", but stage "${ref.stage}" has no output "${ref.output}"`,
      hint,
    );
  }
  return 'found';
}

/** Why a stage with fan-out `readerFanout` cannot read `ref`, or null if it can. */
function readProblem(
  draft: PipelineDraft,
  readerFanout: Fanout,
  reader: string,
  ref: OutputRef,
): { message: string; hint: string } | null {
  const source = draft.stages.get(ref.stage)!;
  const written = formatInputRef(ref);
  const whole = `${ref.stage}.${ref.output}`;
  if (source.fanout === null) return null;
  if (ref.row === 'scenario') {
    if (readerFanout === 'global') {
      return {
        message: `stage "${reader}" ${runsWords(readerFanout)}, so "${written}" has no scenario to select`,
        hint: `[{scenario}] selects this scenario's row and only works in stages with foreach; read "${whole}" whole, or add "foreach: scenario" to "${reader}"`,
      };
    }
    if (source.fanout !== 'global') {
      return {
        message: `"${written}" selects a row of a global list, but stage "${ref.stage}" writes "${ref.output}" ${writesWords(source.fanout)}`,
        hint: `drop [{scenario}]: "${whole}" already reads the output for this ${source.fanout}`,
      };
    }
    return jsonRowProblem(source, ref, written, whole);
  }
  if (ref.row === 'task') {
    if (readerFanout !== 'task') {
      return {
        message: `stage "${reader}" ${runsWords(readerFanout)}, so "${written}" has no task to select`,
        hint: `[{task}] selects this task's row and only works in stages with "foreach: task"`,
      };
    }
    if (source.fanout !== 'scenario') {
      const example = draft.tasks
        ? `"${draft.tasks.stage}.${draft.tasks.output}[{task}]"`
        : 'STAGE.OUTPUT[{task}] of a per-scenario stage';
      return {
        message: `"${written}" selects a row of a per-scenario list, but stage "${ref.stage}" writes "${ref.output}" ${writesWords(source.fanout)}`,
        hint: `use [{task}] on a per-scenario list, e.g. ${example}`,
      };
    }
    return jsonRowProblem(source, ref, written, whole);
  }
  if (source.fanout === 'scenario' && readerFanout === 'global') {
    return {
      message: `stage "${reader}" ${runsWords(readerFanout)} but reads "${written}", which stage "${ref.stage}" writes per scenario`,
      hint: `a global stage cannot read per-scenario outputs; add "foreach: scenario" to "${reader}", or read a global output`,
    };
  }
  if (source.fanout === 'task' && readerFanout !== 'task') {
    return {
      message: `stage "${reader}" ${runsWords(readerFanout)} but reads "${written}", which stage "${ref.stage}" writes per task`,
      hint: `only stages with "foreach: task" can read per-task outputs; add "foreach: task" to "${reader}"`,
    };
  }
  return null;
}

function jsonRowProblem(
  source: StageDraft,
  ref: OutputRef,
  written: string,
  whole: string,
): { message: string; hint: string } | null {
  const pattern = source.outputs?.[ref.output] ?? '';
  if (pattern === '' || pattern.endsWith('.json')) return null;
  return {
    message: `"${written}" selects a row, but output "${ref.output}" of stage "${ref.stage}" is "${pattern}", not a .json file`,
    hint: `rows can only be selected from a JSON list; read "${whole}" whole`,
  };
}

const listRules = {
  scenarios: {
    noun: 'scenario list',
    needs: 'global',
    needsWords: 'a global stage',
    fix: 'an output of a stage without "foreach"',
  },
  tasks: {
    noun: 'task list',
    needs: 'scenario',
    needsWords: 'a per-scenario stage',
    fix: 'an output of a stage with "foreach: scenario"',
  },
} as const;

/** `scenarios.from` must be a global stage's JSON output; `tasks.from` a per-scenario stage's. */
function checkListSource(draft: PipelineDraft, context: CheckContext, list: 'scenarios' | 'tasks'): Diagnostic[] {
  const source = draft[list];
  if (!source) return [];
  const path = [list, 'from'];
  const ref: OutputRef = { kind: 'output', stage: source.stage, output: source.output, row: null };
  const missing = findOutput(draft, ref, `"${list}.from" names`, path, context);
  if (missing !== 'found') return missing ? [missing] : [];
  const rule = listRules[list];
  const stage = draft.stages.get(source.stage)!;
  if (stage.fanout !== null && stage.fanout !== rule.needs) {
    return [
      diagnosticAt(
        context,
        path,
        `the ${rule.noun} must come from ${rule.needsWords}, but stage "${stage.id}" ${runsWords(stage.fanout)}`,
        `point "${list}.from" at ${rule.fix}`,
      ),
    ];
  }
  const pattern = stage.outputs?.[source.output] ?? '';
  if (pattern !== '' && !pattern.endsWith('.json')) {
    return [
      diagnosticAt(
        context,
        path,
        `the ${rule.noun} must be a JSON file, but output "${source.output}" of stage "${stage.id}" is "${pattern}"`,
        `point "${list}.from" at an output whose path ends in .json (a JSON array of rows with a string "id")`,
      ),
    ];
  }
  return [];
}

/** A stage with foreach needs the list it fans out over. */
function checkFanoutHasList(draft: PipelineDraft, stage: StageDraft, context: CheckContext): Diagnostic[] {
  const path = ['stages', stage.id, 'foreach'];
  if (stage.fanout === 'scenario' && !draft.declares.scenarios) {
    return [
      diagnosticAt(
        context,
        path,
        `stage "${stage.id}" runs per scenario, but the pipeline has no scenario list`,
        'add "scenarios:" with "from: STAGE.OUTPUT", naming the output of a global stage that writes a JSON array of rows with a string "id"',
      ),
    ];
  }
  if (stage.fanout === 'task' && !draft.declares.tasks) {
    return [
      diagnosticAt(
        context,
        path,
        `stage "${stage.id}" runs per task, but the pipeline has no task list`,
        'add "tasks:" with "from: STAGE.OUTPUT", naming the output of a per-scenario stage that writes a JSON array of rows with a string "id"',
      ),
    ];
  }
  return [];
}
