/** Errors of the report writer: a stable code, a message, the file, a hint. */
import type { DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';
import { REPORT_CODES, type ReportCode } from './codes.js';

export class ReportError extends HyperlaunchError {
  override readonly name = 'ReportError';
  readonly code: ReportCode;
  readonly file?: string;
  override readonly hint?: string;

  constructor(code: ReportCode, message: string, where: { file?: string; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.file = where.file;
    this.hint = where.hint ?? REPORT_CODES[code].hint;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    return this.file !== undefined ? { file: this.file } : {};
  }
}
