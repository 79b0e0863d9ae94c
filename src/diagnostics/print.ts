/**
 * The one printer for every command: compiler style
 *   board.dts:42:4: error[caps-hw-unique]: domU2 is a second hardware domain
 *      42 |     capabilities = <0x2>;
 *         |     ^
 *     = xen: Only 1 hardware domain can be specified! (%pd)
 *     hint: give capabilities 0x2 to one domain only
 * or, for `--json`, one object per line; or, for `--sarif`, one SARIF 2.1.0 log.
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

/** A command's own line: a usage error, or why it stopped or went on (`hyperlaunch build: ...`). */
export function formatCommandMessage(command: string, message: string): string {
  return `hyperlaunch${command ? ` ${command}` : ''}: ${message}\n`;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** One rule as SARIF's reportingDescriptor; the producer of the codes describes them. */
export type SarifRule = { readonly id: string } & Readonly<Record<string, unknown>>;

export interface SarifOptions {
  toolName: string;
  informationUri: string;
  version?: string;
  /** The driver's rule table; a result names its code's index there (-1 when absent). */
  rules: readonly SarifRule[];
  /** The input, for diagnostics that name no file. */
  file?: string;
}

/** A file name as a relative URI reference (SARIF wants URIs; spaces and such are escaped). */
function uriOf(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function sarifResult(d: Diagnostic, ruleIndex: number, file: string | undefined): Record<string, unknown> {
  const l = d.location;
  const artifact = l.span?.file || l.file || file;
  const region = l.span ? { region: { startLine: l.span.line, startColumn: l.span.column } } : {};
  const physical = artifact ? { physicalLocation: { artifactLocation: { uri: uriOf(artifact) }, ...region } } : {};
  const logical = l.path ? { logicalLocations: [{ fullyQualifiedName: l.path, kind: 'element' }] } : {};
  return {
    ruleId: d.code,
    ruleIndex,
    level: d.severity,
    message: { text: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message },
    locations: [{ ...physical, ...logical }],
    ...(d.properties ? { properties: d.properties } : {}),
  };
}

/** SARIF 2.1.0 (OASIS), so that CI systems show the diagnostics inline: one run, one result per diagnostic. */
export function sarifLog(diagnostics: readonly Diagnostic[], opts: SarifOptions): Record<string, unknown> {
  const index = new Map(opts.rules.map((r, i) => [r.id, i]));
  const driver = { name: opts.toolName, informationUri: opts.informationUri, ...(opts.version ? { version: opts.version } : {}), rules: opts.rules };
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [{ tool: { driver }, results: diagnostics.map((d) => sarifResult(d, index.get(d.code) ?? -1, opts.file)) }],
  };
}

/** The three forms a command prints diagnostics in. */
export type OutputForm = 'text' | 'json' | 'sarif';

/** Diagnostics in one form: compiler-style lines, JSON lines, or one SARIF document. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], form: OutputForm, opts: { sources?: SourceLookup; sarif?: SarifOptions } = {}): string {
  if (form === 'sarif') {
    if (!opts.sarif) throw new TypeError('renderDiagnostics: SARIF needs its driver options');
    return `${JSON.stringify(sarifLog(diagnostics, opts.sarif), null, 2)}\n`;
  }
  return diagnostics.map((d) => renderDiagnostic(d, { json: form === 'json', sources: opts.sources })).join('');
}
