/**
 * One problem found in a boot configuration: which rule, how bad, what Xen
 * would print, and where (DT path, plus the source position for DTS input).
 */
import type { SourcePosition } from '../fdt/srcpos.js';

/** error: Xen panics or refuses the domain; warning: Xen silently drops or ignores something. */
export type Severity = 'error' | 'warning';

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  /** DT path, `/chosen/domU1` or `/chosen/domU1:memory`. */
  path?: string;
  position?: SourcePosition;
  /** Input file, for findings without a source position (DTB input). */
  file?: string;
  hint?: string;
  /** Xen's message for this rule in the target release, when it differs from the rule table's. */
  xenMessage?: string;
}

/** Where a finding points: the DT node, the property (when there is one) and its source position. */
export interface Where {
  path?: string;
  position?: SourcePosition;
  /** Another input than the configuration (a partial device tree). */
  file?: string;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** Stable order: by source position when there is one, else by path, then rule id. */
export function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding): [string, number, number, string] => [f.position?.file ?? f.file ?? '', f.position?.firstLine ?? 0, f.position?.firstColumn ?? 0, f.path ?? ''];
  return findings.sort((a, b) => {
    const [af, al, ac, ap] = key(a);
    const [bf, bl, bc, bp] = key(b);
    return af.localeCompare(bf) || al - bl || ac - bc || ap.localeCompare(bp) || a.ruleId.localeCompare(b.ruleId);
  });
}
