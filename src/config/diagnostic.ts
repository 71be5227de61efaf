// A user-facing problem with a place in a file: printed as `file:line:col: message` with the
// offending source line underlined, and a hint saying what to do.
export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** How many characters to underline (at least 1). */
  readonly length: number;
}

export interface Diagnostic {
  /** Path relative to the project root, as the user would type it. */
  readonly file: string;
  readonly position: SourcePosition | null;
  readonly message: string;
  /** What to do about it. */
  readonly hint: string | null;
}

export function formatDiagnostic(diagnostic: Diagnostic, sourceText: string | null): string {
  const { file, position, message, hint } = diagnostic;
  const where = position ? `${file}:${position.line}:${position.col}` : file;
  const lines = [`${where}: ${message}`];
  const sourceLine = position && sourceText !== null ? sourceText.split(/\r?\n/)[position.line - 1] : undefined;
  if (position && sourceLine !== undefined) {
    const gutter = `${position.line} | `;
    const shown = excerpt(sourceLine, position.col);
    lines.push(`  ${gutter}${shown.text}`);
    const width = Math.max(1, Math.min(position.length, shown.text.length - shown.col + 1));
    lines.push(`  ${' '.repeat(gutter.length + shown.col - 1)}${'~'.repeat(width)}`);
  }
  if (hint) lines.push(`  hint: ${hint}`);
  return lines.join('\n');
}

/** Lines longer than this are cut to a window around the column, marked with `…`. */
const MAX_SHOWN = 120;

function excerpt(line: string, col: number): { text: string; col: number } {
  if (line.length <= MAX_SHOWN) return { text: line, col };
  const start = Math.max(0, Math.min(col - 1 - 40, line.length - MAX_SHOWN));
  const end = start + MAX_SHOWN;
  const head = start > 0 ? '…' : '';
  const text = `${head}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
  return { text, col: col - start + head.length };
}

/** File-level problems first, then by line and column; exact repeats dropped. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (diagnostic: Diagnostic) =>
    [diagnostic.file, diagnostic.position?.line ?? 0, diagnostic.position?.col ?? 0, diagnostic.message].join('\u0000');
  const unique = [...new Map(diagnostics.map((diagnostic) => [key(diagnostic), diagnostic])).values()];
  return unique.sort(
    (a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
}

/**
 * Every diagnostic as the user reads it, separated by blank lines. `source` is the text of the one
 * file they are about, or a lookup by file name (diagnostics may name several files).
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  source: string | null | ((file: string) => string | null),
): string {
  const textOf = typeof source === 'function' ? source : () => source;
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, textOf(diagnostic.file))).join('\n\n');
}
