// How a place in awm.pipeline.yaml is named in messages: `input "seeds" of stage "scenarios"` reads
// better than `/stages/scenarios/inputs/seeds`, and every diagnostic names places the same way.
import type { Diagnostic } from './diagnostic.js';
import type { Fanout } from './types.js';
import type { PositionLookup, PositionPart, YamlPath } from './yaml-positions.js';

/** The thing at a YAML path, e.g. `param "count" of stage "tasks"`, `"llm.temperature"`. */
export function describePath(path: YamlPath): string {
  if (path.length === 0) return 'the pipeline file';
  const [head, stage, section, name, ...rest] = path;
  if (head !== 'stages' || stage === undefined) return `"${dotted(path)}"`;
  const ofStage = ` of stage "${stage}"`;
  if (section === undefined) return `stage "${stage}"`;
  if (section === 'params')
    return name === undefined ? `the params${ofStage}` : `param "${dotted([name, ...rest])}"${ofStage}`;
  const noun = sectionNouns[String(section)];
  if (noun !== undefined && name !== undefined && rest.length === 0) return `${noun} "${name}"${ofStage}`;
  return `"${dotted(path.slice(2))}"${ofStage}`;
}

/** How keys inside a mapping are called, and the phrase placing them: `unknown param "x" of stage "s"`. */
export function describeKeysOf(container: YamlPath): { noun: string; where: string; label: string } {
  if (container.length === 0) return { noun: 'top-level key', where: '', label: 'Allowed top-level keys' };
  if (container.length === 2 && container[0] === 'stages')
    return { noun: 'key', where: ` in stage "${container[1]}"`, label: 'Allowed keys' };
  if (container.length === 3 && container[0] === 'stages' && container[2] === 'params') {
    return { noun: 'param', where: ` of stage "${container[1]}"`, label: `Params of "${container[1]}"` };
  }
  return { noun: 'key', where: ` in ${describePath(container)}`, label: 'Allowed keys' };
}

/** How a mapping's key names are called, for name rules: `output name "Out" of stage "s"`. */
export function describeNameIn(container: YamlPath, name: string): string {
  if (container.length === 1 && container[0] === 'stages') return `stage name "${name}"`;
  const [head, stage, section] = container;
  const noun = head === 'stages' && container.length === 3 ? sectionNouns[String(section)] : undefined;
  return noun ? `${noun} name "${name}" of stage "${stage}"` : `key "${name}" in ${describePath(container)}`;
}

const sectionNouns: Readonly<Record<string, string>> = { inputs: 'input', outputs: 'output', prompts: 'prompt' };

function dotted(path: YamlPath): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

/** What a semantic check needs to say where a problem is. */
export interface CheckContext {
  readonly file: string;
  readonly positionOf: PositionLookup;
}

export function diagnosticAt(
  context: CheckContext,
  path: YamlPath,
  message: string,
  hint: string | null,
  part: PositionPart = 'auto',
): Diagnostic {
  return { file: context.file, position: context.positionOf(path, part), message, hint };
}

/** How a stage's fan-out reads in a sentence: `stage "x" runs per scenario`. */
export function runsWords(fanout: Fanout): string {
  return fanout === 'global' ? 'runs once (global)' : fanout === 'scenario' ? 'runs per scenario' : 'runs per task';
}

/** How often a stage writes its outputs: `which stage "x" writes per scenario`. */
export function writesWords(fanout: Fanout): string {
  return fanout === 'global' ? 'once (global)' : fanout === 'scenario' ? 'per scenario' : 'per task';
}
