/**
 * The base of every error the library throws (FdtError, BootConfigError,
 * QemuError, UsageError, ImageBuilderError): one `instanceof` catches any
 * hyperlaunch problem, and `toDiagnostic()` gives it in the common shape.
 */
import type { Diagnostic, DiagnosticLocation } from './diagnostic.js';

export abstract class HyperlaunchError extends Error {
  /** Stable machine-readable code; the tables in docs/diagnostics.md list them all. */
  abstract readonly code: string;
  abstract readonly hint?: string;

  /** Where the problem is; each layer knows its own kinds of location. */
  protected abstract diagnosticLocation(): DiagnosticLocation;

  toDiagnostic(): Diagnostic {
    return { code: this.code, severity: 'error', message: this.message, location: this.diagnosticLocation(), ...(this.hint !== undefined ? { hint: this.hint } : {}) };
  }
}

/** Where a reader sends each problem it can get past, so that it goes on and finds the next. */
export type ProblemSink<E extends HyperlaunchError = HyperlaunchError> = (problem: E) => void;

export function isHyperlaunchError(e: unknown): e is HyperlaunchError {
  return e instanceof HyperlaunchError;
}
