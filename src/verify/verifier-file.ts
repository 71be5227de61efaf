// A task's verifier as the verifier stage writes it (artifacts/<scenario>/verifiers/<task>.json),
// read for verification: what each mode runs, what the judge is told, and whether it passed its
// self-test. Every problem is said at once.
import { readFileSync } from 'node:fs';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { statOrNull } from '../util/stat-or-null.js';

export interface VerifierFile {
  readonly path: string;
  readonly taskId: string;
  /** `question`, `create`, … as the task list says. */
  readonly kind: string;
  readonly task: string;
  /** ISO 8601: the world's "now" the verifier was written and self-tested against. */
  readonly worldClock: string;
  readonly reasoning: string;
  readonly codeVerifier: string;
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
  const file = {
    path,
    taskId: text('task_id'),
    kind: text('kind'),
    task: text('task'),
    worldClock: text('world_clock'),
    reasoning: text('reasoning'),
    codeVerifier: text('code_verifier'),
    factGatherer: text('fact_gatherer'),
    successCriteria: text('success_criteria'),
    failureCriteria: text('failure_criteria'),
  };
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
