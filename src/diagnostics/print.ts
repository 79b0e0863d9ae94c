/**
 * The one printer for every command: compiler style
 *   board.dts:42:4: error[caps-hw-unique]: domU2 is a second hardware domain
 *      42 |     capabilities = <0x2>;
 *         |     ^
 *     = xen: Only 1 hardware domain can be specified! (%pd)
 *     hint: give capabilities 0x2 to one domain only
 * or, for `--json`, one object per line.
 */
import type { Diagnostic, DiagnosticLocation } from './diagnostic.js';

/** Source text by file name; undefined when it cannot be read (no excerpt then). */
export type SourceLookup = (file: string) => string | undefined;

/** `file:line:col`, else `file: /path`, else the path or the file. */
export function displayLocation(l: DiagnosticLocation): string {
  if (l.display !== undefined) return l.display;
  if (l.span) return `${l.span.file}:${l.span.line}:${l.span.column}`;
  if (l.file && l.path) return `${l.file}: ${l.path}`;
  return l.path ?? l.file ?? '<input>';
}

function excerpt(l: DiagnosticLocation, sources: SourceLookup): string[] {
  const span = l.span;
  if (!span?.file) return [];
  const line = sources(span.file)?.split('\n')[span.line - 1];
  if (line === undefined) return [];
  const num = String(span.line);
  const pad = ' '.repeat(num.length);
  // Tabs keep their width in the caret line so the caret lands under the column.
  const lead = line.slice(0, Math.max(0, span.column - 1)).replace(/[^\t]/g, ' ');
  return [`  ${num} | ${line.replace(/\s+$/, '')}`, `  ${pad} | ${lead}^`];
}

/** The diagnostic as compiler-style lines (no trailing newline). */
export function formatDiagnostic(d: Diagnostic, sources: SourceLookup = () => undefined): string {
  const lines = [`${displayLocation(d.location)}: ${d.severity}[${d.code}]: ${d.subject ?? ''}${d.message}`, ...excerpt(d.location, sources)];
  for (const r of d.related ?? []) lines.push(`  ${displayLocation(r.location)}: note: ${r.message}`);
  lines.push(...(d.notes ?? []));
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

/** The `--json` object of a diagnostic: its own when the producer gave one, else the common fields. */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  if (d.json) return d.json;
  const l = d.location;
  return {
    severity: d.severity, code: d.code, message: d.message, location: displayLocation(l),
    file: l.span?.file ?? l.file, path: l.path, offset: l.offset, line: l.span?.line, column: l.span?.column, hint: d.hint,
  };
}

/** One diagnostic as the command prints it: text lines, or one JSON line. */
export function renderDiagnostic(d: Diagnostic, opts: { json: boolean; sources?: SourceLookup }): string {
  return `${opts.json ? JSON.stringify(diagnosticJson(d)) : formatDiagnostic(d, opts.sources)}\n`;
}
