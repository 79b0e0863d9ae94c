/**
 * Source positions, as dtc keeps them for every token, property and node.
 * Lines and columns are 1-based, like dtc's `file:L.C-C` messages.
 */
export interface SourcePosition {
  readonly file: string;
  readonly firstLine: number;
  readonly firstColumn: number;
  readonly lastLine: number;
  readonly lastColumn: number;
}

export function makePosition(
  file: string,
  firstLine: number,
  firstColumn: number,
  lastLine = firstLine,
  lastColumn = firstColumn,
): SourcePosition {
  return { file, firstLine, firstColumn, lastLine, lastColumn };
}

/** Spans from the start of `a` to the end of `b` (the file is b's, as in dtc). */
export function spanPositions(a: SourcePosition, b: SourcePosition): SourcePosition {
  return { file: b.file, firstLine: a.firstLine, firstColumn: a.firstColumn, lastLine: b.lastLine, lastColumn: b.lastColumn };
}

/** dtc's `srcpos_string`: `file:L.C`, `file:L.C-C` or `file:L.C-L.C`. */
export function formatDtcPosition(pos: SourcePosition): string {
  const f = pos.file || '<no-file>';
  if (pos.firstLine !== pos.lastLine) {
    return `${f}:${pos.firstLine}.${pos.firstColumn}-${pos.lastLine}.${pos.lastColumn}`;
  }
  if (pos.firstColumn !== pos.lastColumn) {
    return `${f}:${pos.firstLine}.${pos.firstColumn}-${pos.lastColumn}`;
  }
  return `${f}:${pos.firstLine}.${pos.firstColumn}`;
}

/** Compiler-style `file:line:col` (the first position of the span). */
export function formatPosition(pos: SourcePosition): string {
  return `${pos.file || '<no-file>'}:${pos.firstLine}:${pos.firstColumn}`;
}
