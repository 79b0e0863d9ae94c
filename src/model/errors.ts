/**
 * Errors and warnings about a boot configuration. Like FdtError they carry
 * a stable code, a DT path, a source position when the tree came from DTS,
 * and a hint; `location` formats them compiler-style.
 */
import type { DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';
import { type SourcePosition, formatPosition } from '../fdt/srcpos.js';
import type { BootConfigCode } from './codes.js';

export interface Located {
  /** Input file, for trees without source positions (a DTB). */
  file?: string;
  path?: string;
  position?: SourcePosition;
  hint?: string;
}

export class BootConfigError extends HyperlaunchError {
  override readonly name = 'BootConfigError';
  /** One of BOOT_CONFIG_CODES. */
  readonly code: BootConfigCode;
  readonly file?: string;
  readonly path?: string;
  readonly position?: SourcePosition;
  override readonly hint?: string;

  constructor(code: BootConfigCode, message: string, where: Located = {}) {
    super(message);
    this.code = code;
    this.file = where.file;
    this.path = where.path;
    this.position = where.position;
    this.hint = where.hint;
  }

  /** `file:line:col`, else `file: /path:prop`, else the DT path. */
  get location(): string | undefined {
    if (this.position) return formatPosition(this.position);
    if (this.file && this.path) return `${this.file}: ${this.path}`;
    return this.path ?? this.file;
  }

  /** The same error, naming the input file when it has no source position. */
  inFile(file: string | undefined): BootConfigError {
    if (!file || this.position || this.file) return this;
    const e = new BootConfigError(this.code, this.message, { file, path: this.path, hint: this.hint });
    e.stack = this.stack;
    return e;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    return locatedAt(this);
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, file: this.file, path: this.path, position: this.position, hint: this.hint };
  }
}

/** The common location of a boot configuration problem (error or warning). */
export function locatedAt(where: Located): DiagnosticLocation {
  const p = where.position;
  return {
    ...(p ? { file: p.file, span: { file: p.file, line: p.firstLine, column: p.firstColumn } } : where.file !== undefined ? { file: where.file } : {}),
    ...(where.path !== undefined ? { path: where.path } : {}),
  };
}

export function isBootConfigError(e: unknown): e is BootConfigError {
  return e instanceof BootConfigError;
}

/** Something Xen accepts but probably not what was meant; reading goes on. */
export interface BootConfigWarning extends Located {
  /** One of BOOT_CONFIG_CODES (the warnings). */
  code: BootConfigCode;
  message: string;
}
