/** A dtc check result in the common Diagnostic shape (code: the check name). */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { DtcCheckDiagnostic } from './dtc-checks.js';
import { formatPosition } from '../srcpos.js';

/** `file` names the input when the check has no source position (DTB input). */
export function checkDiagnostic(d: DtcCheckDiagnostic, file: string): Diagnostic {
  const location = d.position ? formatPosition(d.position) : file;
  const p = d.position;
  return {
    code: d.check,
    severity: d.severity,
    message: d.message,
    subject: d.path ? `${d.path}${d.property ? `:${d.property}` : ''}: ` : '',
    location: {
      display: location,
      file: p?.file ?? file,
      ...(p ? { span: { file: p.file, line: p.firstLine, column: p.firstColumn } } : {}),
      ...(d.path !== undefined ? { path: d.property ? `${d.path}:${d.property}` : d.path } : {}),
    },
    json: { severity: d.severity, code: d.check, message: d.message, location, path: d.path, property: d.property },
  };
}
