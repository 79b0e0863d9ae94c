/**
 * Findings as SARIF 2.1.0, written by the one printer (src/diagnostics/print.ts):
 * the full rule table as the driver's rules, one result per finding.
 */
import { type SarifOptions, type SarifRule, sarifLog } from '../diagnostics/print.js';
import type { Finding } from './finding.js';
import { findingDiagnostic } from './format.js';
import type { Rule } from './rule.js';

export { SARIF_SCHEMA } from '../diagnostics/print.js';

/** A check rule as SARIF's reportingDescriptor. */
export function ruleDescriptor(r: Rule): SarifRule {
  return {
    id: r.id,
    name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: r.summary },
    fullDescription: { text: `${r.summary}. Xen: ${r.xenMessage} (${r.xenSource})` },
    help: { text: r.hint },
    defaultConfiguration: { level: r.severity },
    properties: { group: r.group, xenMessage: r.xenMessage, xenSource: r.xenSource, ...(r.olderMessages ? { olderMessages: r.olderMessages } : {}), ...(r.since ? { since: r.since } : {}), ...(r.until ? { until: r.until } : {}) },
  };
}

/** The driver options for check findings. */
export function checkSarifOptions(rules: readonly Rule[], opts: { file?: string; version?: string } = {}): SarifOptions {
  return { toolName: 'hyperlaunch', informationUri: 'https://xenproject.org', ...(opts.version ? { version: opts.version } : {}), rules: rules.map(ruleDescriptor), ...(opts.file !== undefined ? { file: opts.file } : {}) };
}

export function toSarif(findings: readonly Finding[], rules: readonly Rule[], opts: { file?: string; version?: string } = {}): Record<string, unknown> {
  return sarifLog(findings.map(findingDiagnostic), checkSarifOptions(rules, opts));
}
