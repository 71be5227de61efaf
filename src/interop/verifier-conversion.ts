// The reference's verifier rows as the verifier JSON our Python runner reads, and back. A row is
// code mode (a function of initial_db_path, final_db_path, final_answer returning {"result": …})
// or sql mode (a fact gatherer whose output an LLM judge reads against success and failure
// criteria). raw_response is the LLM's answer as a JSON string, and sometimes empty.
import type { TaskKind } from '../synthesis/artifacts.js';
import { isRecord } from '../util/is-record.js';
import type { ReferenceFileName, ReferenceVerifier } from './reference-rows.js';

export type VerifierMode = 'code' | 'sql';

/** The contract with the Python verifier runner: write exactly these fields. */
export interface ImportedVerifier {
  readonly task_id: string;
  readonly kind: TaskKind;
  readonly task: string;
  readonly world_clock: string;
  readonly language: 'python';
  readonly function_name: string;
  readonly code_verifier: string;
  readonly fact_gatherer: string;
  readonly success_criteria: string;
  readonly failure_criteria: string;
  readonly reasoning: string;
  readonly source: { readonly file: string; readonly line: number; readonly mode: VerifierMode };
}

export interface VerifierContext {
  readonly taskId: string;
  readonly kind: TaskKind;
  readonly task: string;
  readonly worldClock: string;
  readonly file: ReferenceFileName;
  readonly line: number;
}

const CODE_SIGNATURE = /def\s+\w+\s*\(\s*initial_db_path\b[^)]*\bfinal_db_path\b[^)]*\bfinal_answer\b/;

export function importVerifier(row: ReferenceVerifier, context: VerifierContext): ImportedVerifier {
  const raw = parseRawResponse(row.verification.raw_response);
  const code = row.verification.code !== '' ? row.verification.code : stringField(raw, 'python_code');
  const mode = verifierMode(context.file, raw, code);
  return {
    task_id: context.taskId,
    kind: context.kind,
    task: context.task,
    world_clock: context.worldClock,
    language: 'python',
    function_name: stringField(raw, 'function_name') || functionName(code),
    code_verifier: mode === 'code' ? code : '',
    fact_gatherer: mode === 'sql' ? code : '',
    success_criteria: mode === 'sql' ? stringField(raw, 'success_criteria') : '',
    failure_criteria: mode === 'sql' ? stringField(raw, 'failure_criteria') : '',
    reasoning: stringField(raw, 'reasoning') || `imported from ${context.file}:${context.line}`,
    source: { file: context.file, line: context.line, mode },
  };
}

export function verifierMode(file: ReferenceFileName, raw: Record<string, unknown>, code: string): VerifierMode {
  if (file === 'gen_verifier.pure_code.jsonl') return 'code';
  if ('verification_strategy' in raw || 'key_checks' in raw) return 'code';
  if (CODE_SIGNATURE.test(code) && /["']result["']\s*:/.test(code)) return 'code';
  if ('success_criteria' in raw) return 'sql';
  return 'code';
}

/** raw_response's object; empty when it is empty or not a JSON object (the official pure-code rows). */
export function parseRawResponse(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

function stringField(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  return typeof value === 'string' ? value : '';
}

/** The first `def verify_…`, else the first top-level `def …`. */
function functionName(code: string): string {
  return /^def\s+(verify_\w*)\s*\(/m.exec(code)?.[1] ?? /^def\s+(\w+)\s*\(/m.exec(code)?.[1] ?? '';
}

/** A verifier row's `verification` field for one of ours: Python as the reference writes it, JavaScript marked as such. */
export function exportVerification(artifact: object): ReferenceVerifier['verification'] {
  const verifier = artifact as Readonly<Record<string, unknown>>;
  const text = (name: string): string => (typeof verifier[name] === 'string' ? (verifier[name] as string) : '');
  const source = isRecord(verifier['source']) ? verifier['source'] : {};
  const sqlMode = source['mode'] === 'sql' || (text('code_verifier') === '' && text('fact_gatherer') !== '');
  if (verifier['language'] === 'python') {
    const code = sqlMode ? text('fact_gatherer') : text('code_verifier');
    const raw = sqlMode
      ? {
          reasoning: text('reasoning'),
          python_code: code,
          function_name: text('function_name'),
          success_criteria: text('success_criteria'),
          failure_criteria: text('failure_criteria'),
        }
      : { reasoning: text('reasoning'), python_code: code, function_name: text('function_name') };
    return { code, raw_response: JSON.stringify(raw), language: 'python' };
  }
  const raw = {
    reasoning: text('reasoning'),
    code_verifier: text('code_verifier'),
    fact_gatherer: text('fact_gatherer'),
    success_criteria: text('success_criteria'),
    failure_criteria: text('failure_criteria'),
  };
  return { code: text('code_verifier'), raw_response: JSON.stringify(raw), language: 'javascript' };
}
