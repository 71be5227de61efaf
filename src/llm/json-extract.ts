// Finds the JSON value in a model's answer and mends the small slips models make, saying in words
// what it mended (for the attempt log). It never invents content: an answer cut off mid-way stays
// an error, reported by the structured loop with the finish reason.
import { err, ok, type Result } from '../util/result.js';

export interface ExtractedJson {
  readonly value: unknown;
  /** What had to be mended, in words; empty when the answer was clean JSON. */
  readonly repairs: readonly string[];
}

type Mend = 'comments' | 'trailing-commas' | 'smart-quotes' | 'control-characters';

const MEND_WORDS: Record<Mend, string> = {
  comments: 'removed // and /* */ comments',
  'trailing-commas': 'removed trailing commas',
  'smart-quotes': 'replaced smart quotes (“ ”) with plain double quotes',
  'control-characters': 'escaped raw line breaks or tabs inside strings',
};

interface Scan {
  /** The mended JSON text. */
  readonly json: string;
  /** Index in the source just after the value (or the source's end when incomplete). */
  readonly end: number;
  readonly complete: boolean;
  readonly mends: ReadonlySet<Mend>;
}

export function extractJson(answer: string): Result<ExtractedJson, string> {
  const trimmed = answer.trim();
  if (trimmed === '') return err('the answer was empty; reply with one JSON object');
  const direct = tryParse(trimmed);
  if (direct.ok) return ok({ value: direct.value, repairs: [] });
  const { body, repairs } = stripCodeFence(trimmed);
  return findValue(body, repairs);
}

/** The first ``` fence that holds JSON; an unclosed fence (a cut-off answer) is opened anyway. */
function stripCodeFence(text: string): { body: string; repairs: string[] } {
  for (const match of text.matchAll(/```[^\n`]*\n([\s\S]*?)```/g)) {
    const content = match[1] ?? '';
    if (/[[{]/.test(content)) return { body: content.trim(), repairs: ['removed the ``` code fence'] };
  }
  const unclosed = /^```[^\n`]*\n([\s\S]*)$/.exec(text);
  if (unclosed) return { body: (unclosed[1] ?? '').trim(), repairs: ['removed an unclosed ``` code fence'] };
  return { body: text, repairs: [] };
}

/**
 * Tries each `{` or `[` that starts after the previous candidate ended: prose like "see {below}"
 * may come first, but a value nested inside a broken candidate is never taken for the answer.
 */
function findValue(body: string, repairs: readonly string[]): Result<ExtractedJson, string> {
  // The longest candidate is the answer's JSON; its problem is the one worth reporting.
  let problem: { readonly text: string; readonly length: number } | null = null;
  let from = 0;
  for (;;) {
    const start = body.slice(from).search(/[[{]/);
    if (start < 0) break;
    const scan = scanValue(body, from + start);
    const parsed = tryParse(scan.json);
    if (parsed.ok && scan.complete) {
      const mended = [...scan.mends].map((mend) => MEND_WORDS[mend]);
      return ok({
        value: parsed.value,
        repairs: [...repairs, ...proseRepairs(body, from + start, scan.end), ...mended],
      });
    }
    if (problem === null || scan.json.length > problem.length) {
      const text = scan.complete ? `the answer is not valid JSON: ${parseProblem(scan.json)}` : incompleteProblem(scan);
      problem = { text, length: scan.json.length };
    }
    from = scan.end;
  }
  return err(problem?.text ?? 'the answer holds no JSON object (no `{` found); reply with one JSON object');
}

function proseRepairs(body: string, start: number, end: number): string[] {
  const repairs: string[] = [];
  if (body.slice(0, start).trim() !== '') repairs.push('ignored the text before the JSON');
  if (body.slice(end).trim() !== '') repairs.push('ignored the text after the JSON');
  return repairs;
}

function incompleteProblem(scan: Scan): string {
  const tail = scan.json.slice(-60).replace(/\s+/g, ' ');
  return `the JSON is incomplete: it ends before every { and [ is closed (it ends with \`${tail}\`)`;
}

/**
 * Copies one JSON value from `start`, mending as it goes, and stops where the value closes. Prose
 * after the value is never touched.
 */
function scanValue(source: string, start: number): Scan {
  const mends = new Set<Mend>();
  const closers: string[] = [];
  let json = '';
  let index = start;
  while (index < source.length) {
    const char = source[index]!;
    const next = source[index + 1];
    if (char === '"' || char === '“' || char === '”') {
      const string = copyString(source, index, mends);
      json += string.text;
      index = string.end;
    } else if (char === '/' && (next === '/' || next === '*')) {
      mends.add('comments');
      index = skipComment(source, index);
    } else if (char === '{' || char === '[') {
      closers.push(char === '{' ? '}' : ']');
      json += char;
      index += 1;
    } else if (char === '}' || char === ']') {
      const beforeClose = json.trimEnd();
      if (beforeClose.endsWith(',')) {
        mends.add('trailing-commas');
        json = beforeClose.slice(0, -1);
      }
      json += char;
      index += 1;
      closers.pop();
      if (closers.length === 0) return { json, end: index, complete: true, mends };
    } else {
      json += char;
      index += 1;
    }
  }
  return { json, end: index, complete: false, mends };
}

/** A string from its opening quote: smart quotes become plain ones, raw control characters escapes. */
function copyString(source: string, start: number, mends: Set<Mend>): { text: string; end: number } {
  const smart = source[start] !== '"';
  if (smart) mends.add('smart-quotes');
  let text = '"';
  let index = start + 1;
  while (index < source.length) {
    const char = source[index]!;
    if (!smart && char === '\\') {
      text += source.slice(index, index + 2);
      index += 2;
      continue;
    }
    index += 1;
    if (char === '"' || (smart && (char === '”' || char === '“'))) return { text: `${text}"`, end: index };
    if (char < ' ') {
      mends.add('control-characters');
      text += escapeControl(char);
    } else {
      text += char;
    }
  }
  return { text, end: index };
}

function escapeControl(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function skipComment(source: string, start: number): number {
  if (source[start + 1] === '/') {
    const lineEnd = source.indexOf('\n', start);
    return lineEnd < 0 ? source.length : lineEnd;
  }
  const close = source.indexOf('*/', start + 2);
  return close < 0 ? source.length : close + 2;
}

function tryParse(text: string): Result<unknown, null> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(null);
  }
}

/** JSON.parse's complaint with the text around the position it names. */
function parseProblem(text: string): string {
  try {
    JSON.parse(text);
    return 'unknown problem';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    if (!position) return message;
    const at = Number(position[1]);
    const near = text.slice(Math.max(0, at - 40), at + 20).replace(/\s+/g, ' ');
    return `${message} (near \`${near}\`)`;
  }
}
