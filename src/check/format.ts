/**
 * Compiler-style text for findings:
 *   board.dts:42:4: error[caps-hw-unique]: domU2 is a second hardware domain ...
 *      42 |     capabilities = <0x2>;
 *         |     ^
 *     = xen: Only 1 hardware domain can be specified! (%pd)
 *     hint: give capabilities 0x2 to one domain only
 */
import { formatPosition } from '../fdt/srcpos.js';
import type { Finding } from './finding.js';
import { ruleById } from './rules/index.js';

/** Source text by file name; undefined when it cannot be read (no excerpt then). */
export type SourceLookup = (file: string) => string | undefined;

export function findingLocation(f: Finding): string {
  if (f.position) return formatPosition(f.position);
  if (f.file && f.path) return `${f.file}: ${f.path}`;
  return f.path ?? f.file ?? '<input>';
}

function excerpt(f: Finding, sources: SourceLookup): string[] {
  const pos = f.position;
  if (!pos?.file) return [];
  const text = sources(pos.file);
  const line = text?.split('\n')[pos.firstLine - 1];
  if (line === undefined) return [];
  const num = String(pos.firstLine);
  const pad = ' '.repeat(num.length);
  // Tabs keep their width in the caret line so the caret lands under the column.
  const lead = line.slice(0, Math.max(0, pos.firstColumn - 1)).replace(/[^\t]/g, ' ');
  return [`  ${num} | ${line.replace(/\s+$/, '')}`, `  ${pad} | ${lead}^`];
}

export function formatFinding(f: Finding, sources: SourceLookup = () => undefined): string {
  const rule = ruleById(f.ruleId);
  const lines = [`${findingLocation(f)}: ${f.severity}[${f.ruleId}]: ${f.message}`, ...excerpt(f, sources)];
  const xen = f.xenMessage ?? rule?.xenMessage;
  if (xen && !xen.startsWith('(')) lines.push(`  = xen: ${xen}`);
  if (f.hint) lines.push(`  hint: ${f.hint}`);
  return lines.join('\n');
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
