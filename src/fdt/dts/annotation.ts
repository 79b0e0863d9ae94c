/**
 * Source-position comments for `dtc -T` (annotate) DTS output, as dtc 1.6.1
 * writes them: a C comment holding `file:line` after node openings, properties and node
 * closings. With `-T` once, file names are shortened relative to the initial
 * path and only the line is given (the first line for openings and
 * properties, the last for closings); with `-TT` the full name and the whole
 * span. A node defined several times (merges) lists every definition.
 */
import type { SourcePosition } from '../srcpos.js';

/** Which line of each span a comment names: openings and properties the first, closings the last. */
export type AnnotationEnd = 'first' | 'last';

function countSlashes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x2f) n++;
  return n;
}

/**
 * dtc's shortening: past the last '/' the name shares with the initial path,
 * climb with `../` once per remaining directory level of the initial path.
 * Undefined when the two share no directory.
 */
export function shortenToInitialPath(name: string, initialPath: string): string | undefined {
  let slashes = 0;
  let lastShared = -1;
  for (let i = 0; i < name.length && i < initialPath.length; i++) {
    if (name[i] !== initialPath[i]) break;
    if (name[i] === '/') {
      lastShared = i;
      slashes++;
    }
  }
  if (lastShared < 0) return undefined;
  return '../'.repeat(countSlashes(initialPath) - slashes) + name.slice(lastShared + 1);
}

export class Annotator {
  constructor(
    /** dtc's -T count (1 or more). */
    private readonly level: number,
    private readonly initialPath: string,
  ) {}

  private describe(pos: SourcePosition, end: AnnotationEnd): string {
    if (this.level > 1) {
      const file = pos.file || '<no-file>';
      return `${file}:${pos.firstLine}:${pos.firstColumn}-${pos.lastLine}:${pos.lastColumn}`;
    }
    const file = pos.file ? (shortenToInitialPath(pos.file, this.initialPath) ?? pos.file) : '<no-file>';
    return `${file}:${end === 'first' ? pos.firstLine : pos.lastLine}`;
  }

  /** The C comment for a definition list (first entry = the original definition), or '' when dtc writes none. */
  comment(positions: readonly SourcePosition[], end: AnnotationEnd): string {
    if (positions.length === 0) return this.level > 1 ? ' /* <no-file>:<no-line> */' : '';
    return ` /* ${positions.map((p) => this.describe(p, end)).join(', ')} */`;
  }
}

/** A cpp line marker at the start of a line: `# 12 "file"` or `#line 12 "file"`, flags allowed after. */
const LINE_MARKER = /^#(?:line)?[ \t]+[0-9]+[ \t]+"((?:[^"\\\n]|\\.)*)"/m;

/**
 * dtc's initial path for annotations: the file named by the first cpp line
 * marker when there is one, else the input file name. The marker is looked
 * for in the main source only, which is where cpp output puts it; a marker
 * first met inside an /include/d file is not seen.
 */
export function dtcInitialPath(source: string, file: string): string {
  const m = LINE_MARKER.exec(source);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : file;
}
