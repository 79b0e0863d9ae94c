/**
 * Failures of the QEMU harness (tools missing, package archive unreachable,
 * QEMU would not start). Same shape as FdtError and BootConfigError: a stable
 * code, where it happened (a file or a command), and how to fix it.
 */
import type { Diagnostic, DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';
import type { QemuCode } from './codes.js';

export class QemuError extends HyperlaunchError {
  override readonly name = 'QemuError';
  /** One of QEMU_CODES. */
  readonly code: QemuCode;
  /** The file or command the failure is about. */
  readonly path?: string;
  override readonly hint?: string;

  constructor(code: QemuCode, message: string, where: { path?: string; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.path = where.path;
    this.hint = where.hint;
  }

  get location(): string | undefined {
    return this.path;
  }

  protected diagnosticLocation(): DiagnosticLocation {
    return this.path !== undefined ? { file: this.path } : {};
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

/** As the qemu command prints it: located at the file or command, else at `qemu`. */
export function qemuErrorDiagnostic(e: QemuError): Diagnostic {
  return { ...e.toDiagnostic(), location: { ...(e.path !== undefined ? { file: e.path } : {}), display: e.location ?? 'qemu' }, json: e.toJSON() };
}

export function isQemuError(e: unknown): e is QemuError {
  return e instanceof QemuError;
}
