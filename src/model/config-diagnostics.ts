/**
 * Boot configuration problems in the common Diagnostic shape, located as
 * the commands print them: the source position, else `file: /path`.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatPosition } from '../fdt/srcpos.js';
import { type BootConfigError, type BootConfigWarning, locatedAt } from './errors.js';

/** A reader warning; `file` names the input when the warning has no position. */
export function warningDiagnostic(w: BootConfigWarning, file: string): Diagnostic {
  // Messages usually start with the path already: do not say it twice.
  const location = w.position ? formatPosition(w.position) : w.path && !w.message.startsWith(w.path) ? `${w.file ?? file}: ${w.path}` : (w.file ?? file);
  return {
    code: w.code,
    severity: 'warning',
    message: w.message,
    location: { ...locatedAt({ file: w.file ?? file, ...w }), display: location },
    ...(w.hint ? { hint: w.hint } : {}),
    json: { severity: 'warning', code: w.code, message: w.message, location, path: w.path, hint: w.hint },
  };
}

/** A reader error; `file` names the input when the error has no position. */
export function configErrorDiagnostic(error: BootConfigError, file: string): Diagnostic {
  const e = error.inFile(file);
  const location = e.location ?? file;
  return { ...e.toDiagnostic(), location: { ...locatedAt(e), display: location }, json: { ...e.toJSON(), location } };
}
