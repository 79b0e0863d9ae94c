/**
 * A check rule: one condition under which Xen panics, refuses a domain, or
 * silently drops or ignores part of the configuration. The table of rules
 * (rules/index.ts) is the single source for the checker, `--sarif`'s rule
 * list and docs/rules.md.
 */
import type { BootConfigCode } from '../model/codes.js';
import { type XenVersion, compareXenVersions } from '../model/version.js';
import type { CheckContext } from './context.js';
import type { Severity, Where } from './finding.js';

export type RuleGroup =
  | 'early-fdt'
  | 'domain-parse'
  | 'domain-construct'
  | 'passthrough'
  | 'static-shm'
  | 'static-evtchn'
  | 'cpupool'
  | 'layout'
  | 'cross-domain'
  | 'target'
  | 'host'
  | 'board'
  | 'x86'
  | 'xsm';

export type Report = (where: Where, message: string, hint?: string) => void;

/** The message and source file of `rule` as the target release has them. */
export function messageFor(rule: Rule, target: XenVersion | undefined): { text: string; xenSource: string } {
  if (target) {
    const older = [...(rule.olderMessages ?? [])].reverse().find((m) => compareXenVersions(target, m.until) <= 0);
    if (older) return { text: older.text, xenSource: older.xenSource ?? rule.xenSource };
  }
  return { text: rule.xenMessage, xenSource: rule.xenSource };
}

export interface Rule {
  /** Stable, kebab-case; never reused for another meaning. */
  id: string;
  group: RuleGroup;
  severity: Severity;
  /** What Xen prints (printf-style, as in its source), so users can grep a serial log; `(silent)` when Xen says nothing. */
  xenMessage: string;
  /** What older releases print instead, newest first: used when the target is at most `until`. */
  olderMessages?: readonly { until: XenVersion; text: string; xenSource?: string }[];
  /** Xen source file holding the check (xen-project/xen, development tree). */
  xenSource: string;
  /** First Xen release with this behaviour; the rule is skipped for older targets. */
  since?: XenVersion;
  /** Last Xen release with this behaviour. */
  until?: XenVersion;
  /** One line for docs/rules.md. */
  summary: string;
  /** Default fix; a finding may give a more precise one. */
  hint: string;
  /** Reader (src/bindings) error or warning codes that mean this rule fired (BOOT_CONFIG_CODES). */
  readerCodes?: readonly BootConfigCode[];
  /** Only for reader codes on this property (`memory`), when the code is shared. */
  readerProperty?: string;
  /** The facts the rule needs; without them it is skipped. */
  needs?: 'host' | 'build' | 'target' | 'partial' | 'xsm-policy';
  check?: (ctx: CheckContext, report: Report) => void;
}
