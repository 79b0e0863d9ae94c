/**
 * The one shape every hyperlaunch problem takes, whichever layer found it:
 * a stable code, how bad, what happened, where, and how to fix it. Errors
 * (thrown), reader warnings, check findings and dtc check results all become
 * Diagnostics, so one printer and one `--json` / SARIF writer serve them all.
 *
 * This module imports nothing from the project: it is the lowest layer, so
 * the devicetree library can use it and keep no dependencies.
 */

/** error: the input cannot be used as it is; warning: usable, probably not what was meant; note: information. */
export type DiagnosticSeverity = 'error' | 'warning' | 'note';

/** A place in a text input (1-based line and column). */
export interface TextSpan {
  file: string;
  line: number;
  column: number;
}

/** Where a problem is: any of a text position, a byte offset in a blob, a devicetree path. */
export interface DiagnosticLocation {
  /** The input file, when there is no text position (a DTB, a command). */
  file?: string;
  /** Text position, for DTS and shell-config input; gives the excerpt and caret. */
  span?: TextSpan;
  /** Byte offset into a blob. */
  offset?: number;
  /** Devicetree path, e.g. `/chosen/domU1` or `/chosen/domU1:memory`. */
  path?: string;
  /**
   * The location as printed before the severity (`board.dts:3:5`,
   * `board.dtb: /chosen/domU1`); each layer formats its own, and the
   * printer uses it verbatim so output stays as each command always printed it.
   */
  display?: string;
}

export interface RelatedLocation {
  message: string;
  location: DiagnosticLocation;
}

export interface Diagnostic {
  /** Stable code from one of the layer tables (docs/diagnostics.md), or a check rule id. */
  code: string;
  severity: DiagnosticSeverity;
  message: string;
  location: DiagnosticLocation;
  hint?: string;
  related?: readonly RelatedLocation[];
  /** Extra lines printed between the excerpt and the hint, e.g. `= xen: ...`. */
  notes?: readonly string[];
  /** Text printed between the location and the message (a check's `/path:prop: ` subject). */
  subject?: string;
  /** Facts of the producer's own, carried into SARIF's result `properties` (e.g. Xen's message). */
  properties?: Record<string, unknown>;
  /** The object `--json` prints for this diagnostic; by default the fields above. */
  json?: Record<string, unknown>;
}

/** A code table entry: what the code means, how bad it is, and the default fix. */
export interface CodeInfo {
  readonly meaning: string;
  readonly severity: DiagnosticSeverity;
  readonly hint?: string;
}

export type CodeTable = Readonly<Record<string, CodeInfo>>;

/** A code table entry (the tables read better as `CODE: error('meaning', 'hint')`). */
export function errorCode(meaning: string, hint?: string): CodeInfo {
  return { meaning, severity: 'error', ...(hint ? { hint } : {}) };
}

export function warningCode(meaning: string, hint?: string): CodeInfo {
  return { meaning, severity: 'warning', ...(hint ? { hint } : {}) };
}
