/** The error a writer raises when it would have to drop something. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatPosition } from '../fdt/srcpos.js';
import { BootConfigError } from '../model/errors.js';
import type { Loss } from '../model/loss.js';

export function formatLoss(l: Loss): string {
  return l.path.endsWith(`:${l.item}`) ? `${l.path}: ${l.reason}` : `${l.path}: ${l.item}: ${l.reason}`;
}

/** A loss as a Diagnostic: an error unless the caller allows losses. `file` names the input. */
export function lossDiagnostic(l: Loss, file: string, severity: 'error' | 'warning'): Diagnostic {
  const location = l.position ? formatPosition(l.position) : file;
  const p = l.position;
  return {
    code: l.code,
    severity,
    message: formatLoss(l),
    location: { display: location, file: p?.file ?? file, path: l.path, ...(p ? { span: { file: p.file, line: p.firstLine, column: p.firstColumn } } : {}) },
    json: { severity, code: l.code, message: formatLoss(l), location, path: l.path, item: l.item, to: l.to },
  };
}

export function lossError(losses: readonly Loss[]): BootConfigError {
  const first = losses[0]!;
  return new BootConfigError('LOSSY_CONVERSION', `${losses.length} item(s) cannot be expressed in ${first.to}:\n${losses.map((l) => `  ${formatLoss(l)}`).join('\n')}`, {
    path: first.path,
    position: first.position,
    hint: 'use convert() to get the losses as a list, or pass allowLoss',
  });
}
