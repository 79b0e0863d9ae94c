/**
 * Which domain a check finding is about, from its DT path: the domain's own
 * node or any node under it (modules, channels, shared memory, vCPU pins).
 * The paths are the ones the rules report (src/check/context.ts), so a
 * finding and the element it concerns meet on the same string.
 */
import { domainPath } from '../check/context.js';
import type { Finding } from '../check/finding.js';
import { allModules } from '../check/rules/support.js';
import type { BootModel } from '../model/boot-model.js';
import type { ReportFinding } from './report-data.js';

/** DT node path → domain name, for every node of a domain. */
export type DomainIndex = ReadonlyMap<string, string>;

export function channelPath(model: BootModel, domain: BootModel['domains'][number], name: string, origin?: { path: string }): string {
  return origin?.path ?? `${domainPath(model, domain)}/${name}`;
}

export function shmPath(domain: BootModel['domains'][number], s: BootModel['domains'][number]['sharedMemory'][number]): string {
  return s.origin?.path ?? `/chosen/${domain.name}/${s.name}`;
}

export function domainIndex(model: BootModel): DomainIndex {
  const index = new Map<string, string>();
  for (const d of model.domains) {
    const dp = domainPath(model, d);
    // dom0less dom0 has no node of its own: /chosen is everyone's parent, not dom0's.
    if (!(d.isDom0 && dp === '/chosen')) index.set(dp, d.name);
    for (const e of d.eventChannels) index.set(channelPath(model, d, e.name, e.origin), d.name);
    for (const s of d.sharedMemory) index.set(shmPath(d, s), d.name);
    for (const p of d.vcpuPins) if (p.origin) index.set(p.origin.path, d.name);
  }
  for (const { module: _m, domain, path } of allModules(model)) if (domain) index.set(path, domain.name);
  return index;
}

/** The node part of a finding path (`/chosen/domU1:memory` → `/chosen/domU1`). */
export function nodeOf(path: string): string {
  const colon = path.indexOf(':');
  return colon < 0 ? path : path.slice(0, colon);
}

/** The domain a path belongs to: the node itself or its nearest indexed ancestor; "" for none. */
export function domainOfPath(index: DomainIndex, path: string | undefined): string {
  if (path === undefined) return '';
  for (let p = nodeOf(path); p.length > 0; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
    const d = index.get(p);
    if (d !== undefined) return d;
  }
  return '';
}

/** The findings as the page numbers them: finding-1, finding-2, ... in check's order. */
export function reportFindings(findings: readonly Finding[], index: DomainIndex): ReportFinding[] {
  return findings.map((f, i) => {
    const out: ReportFinding = { id: `finding-${i + 1}`, ruleId: f.ruleId, severity: f.severity, message: f.message, domain: domainOfPath(index, f.path) };
    if (f.path !== undefined) out.path = f.path;
    if (f.position) out.where = `${f.position.file}:${f.position.firstLine}`;
    else if (f.file !== undefined) out.where = f.file;
    if (f.hint !== undefined) out.hint = f.hint;
    return out;
  });
}

/** Ids of the findings whose path is one of `paths` (node or node:property, as given), optionally only of some rules. */
export function findingsAt(findings: readonly ReportFinding[], paths: readonly string[], rules?: ReadonlySet<string>): string[] {
  return findings.filter((f) => f.path !== undefined && (paths.includes(f.path) || paths.includes(nodeOf(f.path))) && (!rules || rules.has(f.ruleId))).map((f) => f.id);
}
