/**
 * How the commands print problems: each kind of problem becomes a Diagnostic
 * and goes through the one printer (src/diagnostics/print.ts), compiler
 * style or, with --json, one JSON object per line. Never a stack trace for
 * a user error.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatCommandMessage, renderDiagnostic } from '../diagnostics/print.js';
import { checkDiagnostic } from '../fdt/checks/diagnostic.js';
import type { DtcCheckDiagnostic } from '../fdt/checks/dtc-checks.js';
import type { FdtError } from '../fdt/errors.js';
import { formatPosition } from '../fdt/srcpos.js';
import type { BootConfigError } from '../model/errors.js';

export interface Reporter {
  json: boolean;
  /** Print any diagnostic. */
  report(d: Diagnostic): void;
  error(e: FdtError, fallbackLocation?: string): void;
  check(d: DtcCheckDiagnostic, file: string): void;
  note(message: string): void;
  /** The command's own line, plain text even with --json: why it stopped or went on (`hyperlaunch build: ...`). */
  status(command: string, message: string): void;
}

/** A usage error as every command prints it (`hyperlaunch CMD: message`, then its usage text); the caller exits 2. */
export function printUsageError(command: string, message: string, usage = '', out: NodeJS.WritableStream = process.stderr): void {
  out.write(`${formatCommandMessage(command, message)}${usage}`);
}

/** The location the commands have always printed for an FdtError: its position, else `file:0xoffset` or `file:/path`. */
function fdtLocation(e: Pick<FdtError, 'position' | 'offset' | 'path'>, fallback?: string): string {
  if (e.position) return formatPosition(e.position);
  const parts: string[] = [];
  if (fallback) parts.push(fallback);
  if (e.offset !== undefined) parts.push(`0x${e.offset.toString(16)}`);
  else if (e.path) parts.push(e.path);
  return parts.join(':') || '<input>';
}

/** An FdtError as the commands print it, naming `fallbackLocation` (the input) when it has no source position. */
export function fdtErrorDiagnostic(e: FdtError, fallbackLocation?: string): Diagnostic {
  const d = e.toDiagnostic();
  const location = fdtLocation(e, fallbackLocation);
  return { ...d, location: { ...d.location, display: location, ...(fallbackLocation && !d.location.file ? { file: fallbackLocation } : {}) }, json: { ...e.toJSON(), location } };
}

/** A BootConfigError located the way `build` has always printed its errors (as an FdtError would be). */
export function buildErrorDiagnostic(e: BootConfigError, fallbackLocation?: string): Diagnostic {
  const location = fdtLocation(e, fallbackLocation);
  const d = e.toDiagnostic();
  return {
    ...d,
    location: { ...d.location, display: location },
    json: { severity: 'error', code: e.code, message: e.message, location, position: e.position, path: e.path, hint: e.hint },
  };
}

export function createReporter(json: boolean, out: NodeJS.WritableStream = process.stderr): Reporter {
  const report = (d: Diagnostic): void => {
    out.write(renderDiagnostic(d, { json }));
  };
  return {
    json,
    report,
    error(e, fallbackLocation) {
      report(fdtErrorDiagnostic(e, fallbackLocation));
    },
    check(d, file) {
      report(checkDiagnostic(d, file));
    },
    note(message) {
      out.write(json ? `${JSON.stringify({ severity: 'note', message })}\n` : `${message}\n`);
    },
    status(command, message) {
      out.write(formatCommandMessage(command, message));
    },
  };
}
