/**
 * How the commands print problems: compiler style
 * (`file:line:col: error[CODE]: message`, then a hint), or with --json one
 * JSON object per line. Never a stack trace for a user error.
 */
import type { DtcCheckDiagnostic } from '../fdt/checks/dtc-checks.js';
import { FdtError } from '../fdt/errors.js';
import { formatPosition } from '../fdt/srcpos.js';

export interface Reporter {
  json: boolean;
  error(e: FdtError, fallbackLocation?: string): void;
  check(d: DtcCheckDiagnostic, file: string): void;
  note(message: string): void;
}

function fdtLocation(e: FdtError, fallback?: string): string {
  if (e.position) return formatPosition(e.position);
  const parts: string[] = [];
  if (fallback) parts.push(fallback);
  if (e.offset !== undefined) parts.push(`0x${e.offset.toString(16)}`);
  else if (e.path) parts.push(e.path);
  return parts.join(':') || '<input>';
}

export function createReporter(json: boolean, out: NodeJS.WritableStream = process.stderr): Reporter {
  const line = (s: string): void => {
    out.write(`${s}\n`);
  };
  return {
    json,
    error(e, fallbackLocation) {
      const location = fdtLocation(e, fallbackLocation);
      if (json) {
        line(JSON.stringify({ ...e.toJSON(), location }));
        return;
      }
      line(`${location}: error[${e.code}]: ${e.message}`);
      if (e.hint) line(`  hint: ${e.hint}`);
    },
    check(d, file) {
      const location = d.position ? formatPosition(d.position) : file;
      const subject = d.path ? `${d.path}${d.property ? `:${d.property}` : ''}: ` : '';
      if (json) {
        line(JSON.stringify({ severity: d.severity, code: d.check, message: d.message, location, path: d.path, property: d.property }));
        return;
      }
      line(`${location}: ${d.severity}[${d.check}]: ${subject}${d.message}`);
    },
    note(message) {
      if (json) line(JSON.stringify({ severity: 'note', message }));
      else line(message);
    },
  };
}
