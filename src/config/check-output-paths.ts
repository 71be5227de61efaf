// Checks the path patterns: each output's placeholders fit its stage's fan-out (so instances never
// overwrite each other), `file:` inputs use only {scenario}, and no two outputs share a path.
import { posix } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import { closestMatch } from './did-you-mean.js';
import { diagnosticAt, runsWords, type CheckContext } from './place-names.js';
import type { PipelineDraft, StageDraft } from './draft.js';

export function checkOutputs(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  return [
    ...[...draft.stages.values()].flatMap((stage) => [
      ...checkOutputPlaceholders(draft, stage, context),
      ...checkFilePlaceholders(stage, context),
    ]),
    ...checkSharedPaths(draft, context),
  ];
}

const placeholderPattern = /\{([^{}]*)\}/g;

function placeholdersIn(pattern: string): string[] {
  return [...pattern.matchAll(placeholderPattern)].map((match) => match[1]!);
}

function unknownPlaceholderHint(name: string, allowed: readonly string[]): string {
  const suggestion = closestMatch(name, allowed);
  const listing =
    allowed.length > 0
      ? `Allowed here: ${allowed.map((known) => `{${known}}`).join(', ')}`
      : 'No placeholders are allowed here';
  return suggestion === null ? listing : `did you mean {${suggestion}}? ${listing}`;
}

function checkOutputPlaceholders(draft: PipelineDraft, stage: StageDraft, context: CheckContext): Diagnostic[] {
  const fanout = stage.fanout;
  if (fanout === null) return [];
  const allowed = fanout === 'global' ? [] : fanout === 'scenario' ? ['scenario'] : ['scenario', 'task'];
  return Object.entries(stage.outputs ?? {}).flatMap(([name, pattern]) => {
    if (pattern === '') return [];
    const at = (message: string, hint: string) => [
      diagnosticAt(
        context,
        ['stages', stage.id, 'outputs', name],
        `output "${name}" of stage "${stage.id}" ${message}`,
        hint,
      ),
    ];
    const used = placeholdersIn(pattern);
    const unknown = used.find((placeholder) => placeholder !== 'scenario' && placeholder !== 'task');
    if (unknown !== undefined)
      return at(`uses unknown placeholder {${unknown}}`, unknownPlaceholderHint(unknown, allowed));
    const extra = used.find((placeholder) => !allowed.includes(placeholder));
    if (extra !== undefined) {
      const fix =
        extra === 'task'
          ? 'make the stage run per task with "foreach: task"'
          : `add "foreach: scenario" to "${stage.id}"`;
      return at(`contains {${extra}}, but stage "${stage.id}" ${runsWords(fanout)}`, `remove {${extra}}, or ${fix}`);
    }
    const example = `e.g. ${draft.artifactsDir}/{scenario}/${fanout === 'task' ? 'tasks/{task}/' : ''}${posix.basename(pattern)}`;
    const lacking = allowed.find((placeholder) => !used.includes(placeholder));
    if (lacking === 'scenario')
      return at(
        'lacks {scenario}, so every scenario would write the same file',
        `put {scenario} in the path, ${example}`,
      );
    if (lacking === 'task')
      return at(
        'lacks {task}, so every task of a scenario would write the same file',
        `put {task} in the path, ${example}`,
      );
    return [];
  });
}

/** `file:` inputs are project files: per scenario at most (`data/{scenario}/seed.json`). */
function checkFilePlaceholders(stage: StageDraft, context: CheckContext): Diagnostic[] {
  return Object.entries(stage.inputs).flatMap(([name, ref]) => {
    if (ref.kind !== 'file' || stage.fanout === null) return [];
    const at = (message: string, hint: string) => [
      diagnosticAt(
        context,
        ['stages', stage.id, 'inputs', name],
        `input "${name}" of stage "${stage.id}" ${message}`,
        hint,
      ),
    ];
    const used = placeholdersIn(ref.path);
    const allowed = stage.fanout === 'global' ? [] : ['scenario'];
    const unknown = used.find((placeholder) => placeholder !== 'scenario');
    if (unknown !== undefined)
      return at(
        `uses placeholder {${unknown}}, which file inputs do not support`,
        unknownPlaceholderHint(unknown, allowed),
      );
    if (used.length > 0 && stage.fanout === 'global') {
      return at(
        `uses {scenario}, but stage "${stage.id}" ${runsWords(stage.fanout)}`,
        `remove {scenario}, or add "foreach: scenario" to "${stage.id}"`,
      );
    }
    return [];
  });
}

/** Two outputs with one path would overwrite each other and make the lock ambiguous. */
function checkSharedPaths(draft: PipelineDraft, context: CheckContext): Diagnostic[] {
  const claimed = new Map<string, string>();
  return [...draft.stages.values()].flatMap((stage) =>
    Object.entries(stage.outputs ?? {}).flatMap(([name, pattern]) => {
      if (pattern === '') return [];
      const key = posix.normalize(pattern.replace(/\\/g, '/'));
      const owner = `output "${name}" of stage "${stage.id}"`;
      const first = claimed.get(key);
      if (first === undefined) return (claimed.set(key, owner), []);
      return [
        diagnosticAt(
          context,
          ['stages', stage.id, 'outputs', name],
          `${owner} writes "${pattern}", which ${first} also writes`,
          'give each output its own path',
        ),
      ];
    }),
  );
}
