// Checks that the files the pipeline names as sources (stage code, prompts, `file:` inputs) are
// there, so a typo in a path fails at load time rather than halfway through a build. An optional
// input (`file?:`) may be absent, but a folder in its place is still a mistake.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import { diagnosticAt, type CheckContext } from './place-names.js';
import type { PipelineDraft } from './draft.js';
import { readUtf8 } from '../util/utf8.js';
import type { YamlPath } from './yaml-positions.js';

/** The file system as config loading sees it (tests pass a fake; paths are absolute). */
export interface ProjectReader {
  /** The file's text, or null when there is no file; NotUtf8Error when it is not UTF-8. */
  readText(path: string): Promise<string | null>;
  kindOf(path: string): Promise<'file' | 'directory' | 'missing'>;
}

export const nodeProjectReader: ProjectReader = {
  async readText(path) {
    try {
      return readUtf8(path, await readFile(path));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  async kindOf(path) {
    try {
      return (await stat(path)).isDirectory() ? 'directory' : 'file';
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
  },
};

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

interface SourceFile {
  readonly path: YamlPath;
  readonly what: string;
  readonly file: string;
  readonly fix: string;
  /** An optional input: its absence is no problem. */
  readonly mayBeAbsent?: boolean;
}

/** Message and hint for a stage whose code file is missing (also used by the stage loader). */
export function codeFileMissing(stage: string, code: string, pipelineFile: string): [message: string, hint: string] {
  return [
    `code file "${code}" of stage "${stage}" does not exist`,
    `create it (export default defineStage({ … })), or correct the path; paths are relative to the folder of ${pipelineFile}`,
  ];
}

export async function checkSourceFiles(
  draft: PipelineDraft,
  context: CheckContext,
  root: string,
  reader: ProjectReader,
  /** YAML places (joined with NUL) whose paths leave the project: reported elsewhere, never looked at. */
  skip: ReadonlySet<string> = new Set(),
): Promise<Diagnostic[]> {
  const relative = `paths are relative to the folder of ${context.file}`;
  const sources: SourceFile[] = [...draft.stages.values()].flatMap((stage) => [
    ...(stage.code === null
      ? []
      : [
          {
            path: ['stages', stage.id, 'code'],
            what: `code file "${stage.code}" of stage "${stage.id}"`,
            file: stage.code,
            fix: codeFileMissing(stage.id, stage.code, context.file)[1],
          },
        ]),
    ...Object.entries(stage.prompts).map(([name, file]) => ({
      path: ['stages', stage.id, 'prompts', name],
      what: `prompt file "${file}" of stage "${stage.id}"`,
      file,
      fix: `create the template, or correct the path; ${relative}`,
    })),
    ...Object.entries(stage.inputs).flatMap(([name, ref]) =>
      // A per-scenario file exists for some scenarios only: the build reports the ones missing.
      ref.kind === 'file' && !ref.path.includes('{')
        ? [
            {
              path: ['stages', stage.id, 'inputs', name],
              what: `input file "${ref.path}" of stage "${stage.id}"`,
              file: ref.path,
              fix: `create the file, or correct the path; ${relative}`,
              mayBeAbsent: ref.optional,
            },
          ]
        : [],
    ),
  ]);
  const looked = sources.filter((source) => !skip.has(source.path.join('\u0000')));
  const problems = await Promise.all(looked.map((source) => checkOne(source, context, root, reader)));
  return problems.flat();
}

async function checkOne(
  source: SourceFile,
  context: CheckContext,
  root: string,
  reader: ProjectReader,
): Promise<Diagnostic[]> {
  const kind = await reader.kindOf(join(root, source.file));
  if (kind === 'file' || (kind === 'missing' && source.mayBeAbsent)) return [];
  const message = kind === 'missing' ? `${source.what} does not exist` : `${source.what} is a folder, not a file`;
  return [diagnosticAt(context, source.path, message, kind === 'missing' ? source.fix : 'name a file, not a folder')];
}
