/**
 * Findings in the common Diagnostic shape, printed by the one printer
 * (src/diagnostics/print.ts):
 *   board.dts:42:4: error[caps-hw-unique]: domU2 is a second hardware domain ...
 *      42 |     capabilities = <0x2>;
 *         |     ^
 *     = xen: Only 1 hardware domain can be specified! (%pd)
 *     hint: give capabilities 0x2 to one domain only
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type SourceLookup, formatDiagnostic } from '../diagnostics/print.js';
import { formatPosition } from '../fdt/srcpos.js';
import type { Finding } from './finding.js';
import { ruleById } from './rules/index.js';

export type { SourceLookup } from '../diagnostics/print.js';

export function findingLocation(f: Finding): string {
  if (f.position) return formatPosition(f.position);
  if (f.file && f.path) return `${f.file}: ${f.path}`;
  return f.path ?? f.file ?? '<input>';
}

/** A finding as a Diagnostic: code is the rule id, Xen's message a `= xen:` note. */
export function findingDiagnostic(f: Finding): Diagnostic {
  const xen = f.xenMessage ?? ruleById(f.ruleId)?.xenMessage;
  const p = f.position;
  return {
    code: f.ruleId,
    severity: f.severity,
    message: f.message,
    location: {
      display: findingLocation(f),
      ...(p ? { file: p.file, span: { file: p.file, line: p.firstLine, column: p.firstColumn } } : f.file !== undefined ? { file: f.file } : {}),
      ...(f.path !== undefined ? { path: f.path } : {}),
    },
    ...(xen && !xen.startsWith('(') ? { notes: [`  = xen: ${xen}`] } : {}),
    ...(f.hint ? { hint: f.hint } : {}),
    ...(f.xenMessage ? { properties: { xenMessage: f.xenMessage } } : {}),
    json: findingJson(f),
  };
}

export function formatFinding(f: Finding, sources: SourceLookup = () => undefined): string {
  return formatDiagnostic(findingDiagnostic(f), sources);
}

export function summaryLine(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

export function findingJson(f: Finding): Record<string, unknown> {
  const rule = ruleById(f.ruleId);
  return {
    severity: f.severity, rule: f.ruleId, message: f.message, location: findingLocation(f), file: f.position?.file ?? f.file, path: f.path,
    line: f.position?.firstLine, column: f.position?.firstColumn, xenMessage: f.xenMessage ?? rule?.xenMessage, xenSource: rule?.xenSource, hint: f.hint,
  };
}
