import type { DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';
import type { FdtCode } from './codes.js';
import { type SourcePosition, formatPosition } from './srcpos.js';

/**
 * Every failure of the devicetree library is an FdtError: a stable code,
 * a message in dtc's or libfdt's words where one exists, and a location —
 * a byte offset into a blob, a source position, or a node path.
 */
export class FdtError extends HyperlaunchError {
  override readonly name: string = 'FdtError';
  /** Stable machine-readable code, e.g. `DTB_BAD_MAGIC`, `DTS_SYNTAX` (FDT_CODES). */
  readonly code: string;
  /** Byte offset into a blob, for DTB errors. */
  readonly offset?: number;
  /** Source position, for DTS errors. */
  readonly position?: SourcePosition;
  /** Devicetree path, for tree-level errors. */
  readonly path?: string;
  /** How to fix it, in a sentence. */
  override readonly hint?: string;
  /** Process exit code dtc would use for this failure (1 fatal, 2 check errors). */
  readonly exitCode: 1 | 2;

  constructor(
    code: FdtCode,
    message: string,
    where: { offset?: number; position?: SourcePosition; path?: string; hint?: string; exitCode?: 1 | 2 } = {},
  ) {
    super(message);
    this.code = code;
    this.offset = where.offset;
    this.position = where.position;
    this.path = where.path;
    this.hint = where.hint;
    this.exitCode = where.exitCode ?? 1;
  }

  /** Human location: `file:line:col`, `offset 0x..` or the DT path. */
  get location(): string | undefined {
    if (this.position) return formatPosition(this.position);
    if (this.offset !== undefined) return `offset 0x${this.offset.toString(16)}`;
    return this.path;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    return locationOf(this.position, this.offset, this.path);
  }

  toJSON(): Record<string, unknown> {
    return {
      severity: 'error',
      code: this.code,
      message: this.message,
      location: this.location,
      offset: this.offset,
      position: this.position,
      path: this.path,
      hint: this.hint,
    };
  }
}

function locationOf(position: SourcePosition | undefined, offset: number | undefined, path: string | undefined): DiagnosticLocation {
  return {
    ...(position ? { file: position.file, span: { file: position.file, line: position.firstLine, column: position.firstColumn } } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

export function isFdtError(e: unknown): e is FdtError {
  return e instanceof FdtError;
}
