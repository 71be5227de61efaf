// A task's verifier as the verifier stage writes it (artifacts/<scenario>/verifiers/<task>.json),
// read for verification: what each mode runs, what the judge is told, and whether it passed its
// self-test. Every problem is said at once.
//
// Two languages: ours is JavaScript (no `language` key); the reference pipeline's verifiers, brought
// in by the import helper, say `"language": "python"` and name their `function_name`. For those an
// empty `code_verifier` or `fact_gatherer` means that mode is not available (the reference wrote one
// mode per row), and empty criteria and reasoning are allowed (the official pure-code rows have no
// raw_response to take them from); `source` says where the row came from.
import { readFileSync } from 'node:fs';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { statOrNull } from '../util/stat-or-null.js';

export type VerifierLanguage = 'javascript' | 'python';

/** Where an imported verifier came from: the reference's file, its line, and the mode it was written for. */
export interface VerifierSource {
  readonly file: string;
  readonly line: number;
  readonly mode: 'code' | 'sql';
}

export interface VerifierFile {
  readonly path: string;
  readonly language: VerifierLanguage;
  /** Python: the function `code_verifier` and `fact_gatherer` define; JavaScript: null (they are function expressions). */
  readonly functionName: string | null;
  /** Python only: the reference row it was imported from, when the file says. */
  readonly source: VerifierSource | null;
  readonly taskId: string;
  /** `question`, `create`, … as the task list says. */
  readonly kind: string;
  readonly task: string;
  /** ISO 8601: the world's "now" the verifier was written and self-tested against. */
  readonly worldClock: string;
  readonly reasoning: string;
  /** '' (Python only) when code mode is not available. */
  readonly codeVerifier: string;
  /** '' (Python only) when sql mode is not available. */
  readonly factGatherer: string;
  readonly successCriteria: string;
  readonly failureCriteria: string;
  /** Whether it passed its self-test; null when the file does not say. */
  readonly discriminates: boolean | null;
}

export interface VerifierFileProblem {
  readonly code: 'no-verifier' | 'bad-verifier';
  readonly message: string;
}

export function readVerifierFile(path: string): Result<VerifierFile, VerifierFileProblem> {
  if (!statOrNull(path)?.isFile()) return err({ code: 'no-verifier', message: `there is no verifier file ${path}` });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return err({ code: 'bad-verifier', message: `${path} is not JSON: ${(error as Error).message}` });
  }
  if (!isRecord(value)) return err({ code: 'bad-verifier', message: `${path} must hold a JSON object` });
  const problems: string[] = [];
  const text = (key: string): string => {
    const field = value[key];
    if (typeof field === 'string' && field.trim() !== '') return field;
    problems.push(`"${key}" must be non-empty text`);
    return '';
  };
  const language = value['language'] ?? 'javascript';
  if (language !== 'javascript' && language !== 'python')
    problems.push(`"language" must be "python" or absent (JavaScript), not ${JSON.stringify(language)}`);
  const python = language === 'python';
  /** Python: may be empty (that mode, the criteria or the reasoning are not available), but must be text. */
  const optionalText = (key: string): string => {
    if (!python) return text(key);
    const field = value[key];
    if (typeof field === 'string') return field.trim() === '' ? '' : field;
    problems.push(`"${key}" must be text (empty when not available)`);
    return '';
  };
  const file = {
    path,
    language: python ? ('python' as const) : ('javascript' as const),
    functionName: python ? functionNameOf(value['function_name'], problems) : null,
    source: python ? sourceOf(value['source'], problems) : null,
    taskId: text('task_id'),
    kind: text('kind'),
    task: text('task'),
    worldClock: text('world_clock'),
    reasoning: optionalText('reasoning'),
    codeVerifier: optionalText('code_verifier'),
    factGatherer: optionalText('fact_gatherer'),
    successCriteria: optionalText('success_criteria'),
    failureCriteria: optionalText('failure_criteria'),
  };
  if (python && file.codeVerifier === '' && file.factGatherer === '')
    problems.push('"code_verifier" and "fact_gatherer" are both empty: there is nothing to run');
  if (file.worldClock !== '' && Number.isNaN(Date.parse(file.worldClock)))
    problems.push(`"world_clock" must be an ISO 8601 date and time, not ${JSON.stringify(file.worldClock)}`);
  if (problems.length > 0)
    return err({
      code: 'bad-verifier',
      message: `${path} is not a verifier of the verifier stage: ${problems.join('; ')}`,
    });
  const selfTest = value['self_test'];
  const discriminates =
    isRecord(selfTest) && typeof selfTest['discriminates'] === 'boolean' ? selfTest['discriminates'] : null;
  return ok({ ...file, discriminates });
}

function functionNameOf(value: unknown, problems: string[]): string {
  if (typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return value;
  problems.push(`"function_name" must be the Python function's name, such as "verify_task_completion"`);
  return '';
}

function sourceOf(value: unknown, problems: string[]): VerifierSource | null {
  if (value === undefined) return null;
  if (
    isRecord(value) &&
    typeof value['file'] === 'string' &&
    Number.isInteger(value['line']) &&
    (value['mode'] === 'code' || value['mode'] === 'sql')
  )
    return { file: value['file'], line: value['line'] as number, mode: value['mode'] };
  problems.push('"source" must be { "file", "line", "mode": "code" | "sql" }');
  return null;
}
