/** Errors of the XSM policy generator: a stable code, a message, a hint. */
import type { DiagnosticLocation } from '../../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../../diagnostics/hyperlaunch-error.js';
import type { XsmCode } from './codes.js';

export class XsmError extends HyperlaunchError {
  override readonly name = 'XsmError';
  readonly code: XsmCode;
  readonly path?: string;
  override readonly hint?: string;

  constructor(code: XsmCode, message: string, where: { path?: string; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.path = where.path;
    this.hint = where.hint;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    return this.path !== undefined ? { path: this.path } : {};
  }
}
