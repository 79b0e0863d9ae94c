/**
 * A Xen build description that cannot be used: a `.config` that is not one,
 * an Image whose version cannot be read, a config that contradicts `--xen`.
 * A HyperlaunchError like the others: a stable code (XEN_CONFIG_CODES),
 * where (file:line), a hint.
 */
import type { Diagnostic, DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';
import type { XenConfigCode } from './codes.js';

export class XenConfigError extends HyperlaunchError {
  override readonly name = 'XenConfigError';
  /** One of XEN_CONFIG_CODES. */
  readonly code: XenConfigCode;
  readonly file?: string;
  readonly line?: number;
  override readonly hint?: string;

  constructor(code: XenConfigCode, message: string, where: { file?: string; line?: number; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.hint = where.hint;
  }

  get location(): string | undefined {
    return this.file && this.line !== undefined ? `${this.file}:${this.line}` : this.file;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    // A line of a .config is a text position: the printer can show it.
    const span = this.file !== undefined && this.line !== undefined ? { span: { file: this.file, line: this.line, column: 1 } } : {};
    return { ...(this.file !== undefined ? { file: this.file } : {}), ...span, display: this.location ?? 'xen' };
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

/** As the commands print it: at `file[:line]`, else at `xen`; `--json` keeps the error's own object. */
export function xenConfigErrorDiagnostic(e: XenConfigError): Diagnostic {
  return { ...e.toDiagnostic(), json: e.toJSON() };
}

export function isXenConfigError(e: unknown): e is XenConfigError {
  return e instanceof XenConfigError;
}
