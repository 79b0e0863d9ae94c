/**
 * The devices view's facts: each passthrough device of each domain (from
 * its partial device tree: `xen,path`, `xen,reg`, its interrupts, how it
 * is isolated), host nodes assigned by path (ImageBuilder's
 * DOMU_PASSTHROUGH_PATHS), and host nodes hidden from dom0
 * (`xen,passthrough`) that no domain takes. A host node two domains claim
 * is marked.
 */
import type { PartialInput } from '../check/context.js';
import type { HostFacts } from '../check/host-facts.js';
import { getNodeByPath } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import { nodeOf } from './finding-targets.js';
import { type DeviceRow, type ReportFinding, hex } from './report-data.js';

/** A host node given to a domain by path alone (no partial device tree at hand). */
export interface AssignedPath {
  domain: string;
  hostPath: string;
}

function interrupts(p: PartialInput, path: string): string {
  const prop = getNodeByPath(p.tree.root, path)?.getProperty('interrupts');
  if (!prop || prop.bytes.length % 4 !== 0) return '';
  const view = new DataView(prop.bytes.buffer, prop.bytes.byteOffset, prop.bytes.byteLength);
  const cells = Array.from({ length: prop.bytes.length / 4 }, (_, i) => view.getUint32(i * 4));
  const per = cells.length % 3 === 0 ? 3 : cells.length;
  const groups: string[] = [];
  for (let i = 0; i < cells.length; i += per) groups.push(`<${cells.slice(i, i + per).join(' ')}>`);
  return groups.join(' ');
}

function partialRows(partials: ReadonlyMap<string, PartialInput>, host: HostFacts | undefined, findings: readonly ReportFinding[]): DeviceRow[] {
  const rows: DeviceRow[] = [];
  for (const [domain, p] of [...partials].sort(([a], [b]) => a.localeCompare(b))) {
    for (const d of p.devices.devices) {
      rows.push({
        domain, path: d.path, hostPath: d.hostPath,
        reg: d.mappings.map((m) => `${hex(m.hostAddress)} ${hex(m.size)} → ${hex(m.guestAddress)}`),
        irqs: interrupts(p, d.path),
        iommu: d.forceWithoutIommu ? 'none (xen,force-assign-without-iommu)' : host?.iommu ? 'IOMMU' : 'IOMMU needed (none known on the host)',
        claimedTwice: false,
        findings: findings.filter((f) => f.path !== undefined && nodeOf(f.path) === d.path && f.ruleId.startsWith('pdt-')).map((f) => f.id),
      });
    }
  }
  return rows;
}

export function deviceRows(model: BootModel, partials: ReadonlyMap<string, PartialInput>, assigned: readonly AssignedPath[], host: HostFacts | undefined, findings: readonly ReportFinding[]): DeviceRow[] {
  const rows = partialRows(partials, host, findings);
  for (const a of assigned) {
    if (!rows.some((r) => r.domain === a.domain && r.hostPath === a.hostPath)) rows.push({ domain: a.domain, path: a.hostPath, hostPath: a.hostPath, reg: [], irqs: '', iommu: host?.iommu ? 'IOMMU' : 'IOMMU needed (none known on the host)', claimedTwice: false, findings: [] });
  }
  for (const path of model.hostPassthrough) {
    if (!rows.some((r) => r.hostPath === path)) rows.push({ domain: '', path, hostPath: path, reg: [], irqs: '', iommu: 'hidden from dom0 (xen,passthrough); no partial device tree given names it', claimedTwice: false, findings: [] });
  }
  for (const r of rows) {
    if (r.hostPath === undefined) continue;
    const claimants = new Set(rows.filter((o) => o.hostPath === r.hostPath && o.domain !== '').map((o) => o.domain));
    r.claimedTwice = claimants.size > 1;
  }
  return rows;
}
