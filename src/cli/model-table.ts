/**
 * The boot model as text for `hyperlaunch show`: a line about Xen, a table
 * of domains (one row each), then per domain its modules and settings, then
 * the shared resources. Values are printed as the user wrote them in the DT
 * (addresses in hex, memory in KiB with a MiB/GiB reading), never rounded.
 */
import { type BootModel, commandLines, effectiveCapabilities, isTrueDom0less } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { MemoryBank } from '../model/memory.js';
import type { BootModule, ModuleLocation } from '../model/module.js';
import type { PartialDeviceTree } from '../model/passthrough.js';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** KiB as written, with an exact MiB/GiB reading when there is one. */
export function formatKiB(kib: bigint): string {
  if (kib !== 0n && kib % (1024n * 1024n) === 0n) return `${kib / (1024n * 1024n)} GiB`;
  if (kib !== 0n && kib % 1024n === 0n) return `${kib / 1024n} MiB`;
  return `${kib} KiB`;
}

function formatBanks(banks: readonly MemoryBank[]): string {
  return banks.map((b) => `${hex(b.address)}+${hex(b.size)}`).join(', ');
}

export function formatLocation(l: ModuleLocation | undefined): string {
  if (!l) return '(no location)';
  return l.type === 'range' ? `${hex(l.address)}+${hex(l.size)}` : `multiboot module #${l.index}`;
}

/** dom0less numbers domUs 1, 2, ... in node order (dom0 is 0); Hyperlaunch says `domid`. */
function domidOf(model: BootModel, d: Domain): string {
  if (d.domid !== undefined) return String(d.domid);
  if (d.isDom0) return '0';
  if (model.interface !== 'dom0less') return 'auto';
  return String(model.domains.filter((x) => !x.isDom0).indexOf(d) + 1);
}

function roles(d: Domain): string {
  const c = effectiveCapabilities(d);
  const out = [c.control && 'control', c.hardware && 'hardware', c.xenstore && 'xenstore'].filter(Boolean) as string[];
  const f = d.functions;
  if (f) out.push(...([f.boot && 'boot', f.crash && 'crash', f.console && 'console', f.legacyDom0 && 'legacy-dom0'].filter(Boolean) as string[]));
  return out.length ? out.join(',') : '-';
}

function mode(d: Domain): string {
  if (!d.mode) return '-';
  return d.mode.longMode === undefined ? d.mode.guest : `${d.mode.guest}${d.mode.longMode ? '64' : '32'}`;
}

function memory(d: Domain): string {
  const parts: string[] = [];
  if (d.memoryKiB !== undefined) parts.push(formatKiB(d.memoryKiB));
  if (d.memoryMinKiB !== undefined) parts.push(`min ${formatKiB(d.memoryMinKiB)}`);
  if (d.memoryMaxKiB !== undefined) parts.push(`max ${formatKiB(d.memoryMaxKiB)}`);
  return parts.length ? parts.join(', ') : '-';
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function moduleLine(m: BootModule): string {
  const kind = m.implicitKind ? `${m.kind} (by position)` : m.kind;
  const name = m.name ? ` ${m.name}` : '';
  const args = m.bootargs !== undefined ? `  bootargs "${m.bootargs}"` : '';
  const uefi = m.uefiBinary !== undefined ? `  uefi-binary "${m.uefiBinary}"` : '';
  return `    ${kind.padEnd(11)} ${formatLocation(m.location)}${name}${uefi}${args}`;
}

/** Settings other than the table's columns, as `name value` words, in the reference's order. */
function settings(d: Domain): string[] {
  const s: string[] = [];
  if (d.staticMemory) s.push(`static memory ${formatBanks(d.staticMemory)}`);
  if (d.directMap) s.push('direct-map');
  if (d.cpupool !== undefined) s.push(`cpupool ${d.cpupool}`);
  if (d.vpl011) s.push('vpl011');
  if (d.enhanced !== undefined) s.push(`xen,enhanced ${d.enhanced}`);
  if (d.passthrough !== undefined) s.push(`passthrough ${d.passthrough}`);
  if (d.nrSpis !== undefined) s.push(`nr_spis ${d.nrSpis}`);
  if (d.maxGrantVersion !== undefined) s.push(`max_grant_version ${d.maxGrantVersion}`);
  if (d.maxGrantFrames !== undefined) s.push(`max_grant_frames ${d.maxGrantFrames}`);
  if (d.maxMaptrackFrames !== undefined) s.push(`max_maptrack_frames ${d.maxMaptrackFrames}`);
  if (d.sve !== undefined) s.push(`sve ${d.sve}`);
  if (d.llcColors !== undefined) s.push(`llc-colors ${d.llcColors}`);
  if (d.trapUnmappedAccesses !== undefined) s.push(`trap-unmapped-accesses ${d.trapUnmappedAccesses}`);
  if (d.sciType !== undefined) s.push(`sci ${d.sciType}`);
  if (d.v8rEl1Msa !== undefined) s.push(`v8r_el1_msa ${d.v8rEl1Msa}`);
  if (d.p2mPoolMiB !== undefined) s.push(`p2m pool ${d.p2mPoolMiB} MiB`);
  if (d.securityId !== undefined) s.push(`security-id ${d.securityId}`);
  if (d.uuid !== undefined) s.push(`uuid ${d.uuid}`);
  for (const v of d.vcpuPins) s.push(`vcpu ${v.id} on pcpus ${v.hardAffinity ?? '(any)'}`);
  for (const p of d.unknownProperties) s.push(`unknown property ${p.name}`);
  for (const n of d.unknownNodes) s.push(`unknown node ${n.node.name}`);
  return s;
}

function summaryLine(model: BootModel): string {
  const domUs = model.domains.filter((d) => !d.isDom0).length;
  const shape = isTrueDom0less(model) ? `true dom0less, ${domUs} domain(s)` : model.domains.some((d) => d.isDom0) ? `dom0 + ${domUs} other domain(s)` : `${domUs} domain(s)`;
  const form = model.interface === 'hyperlaunch' && model.hyperlaunchForm ? ` (${model.hyperlaunchForm} form)` : '';
  const target = [model.target.arch, model.target.xenVersion && `Xen ${model.target.xenVersion}`].filter(Boolean).join(', ');
  return `${model.interface}${form}: ${shape}${target ? `; target ${target}` : ''}`;
}

function hypervisorLines(model: BootModel): string[] {
  const h = model.hypervisor;
  const lines: string[] = [];
  const cl = commandLines(model);
  lines.push(`xen command line: ${cl.xen !== undefined ? `"${cl.xen}" (${cl.xenFrom})` : '(none)'}`);
  if (cl.dom0 !== undefined) lines.push(`dom0 command line: "${cl.dom0}" (${cl.dom0From})`);
  if (h.staticHeap) lines.push(`static heap: ${formatBanks(h.staticHeap)}`);
  if (h.uefiCfgLoad) lines.push('xen,uefi-cfg-load');
  for (const m of h.modules) lines.push(`xen module:${moduleLine(m).slice(3)}`);
  return lines;
}

function sharingLines(model: BootModel): string[] {
  const lines: string[] = [];
  for (const p of model.cpupools) lines.push(`cpupool ${p.name}: cpus ${p.cpus.join(' ')}${p.scheduler ? `, scheduler ${p.scheduler}` : ''}`);
  for (const d of model.domains) {
    for (const s of d.sharedMemory) {
      const host = s.hostAddress !== undefined ? `host ${hex(s.hostAddress)}` : 'host allocated by Xen';
      lines.push(`shared memory "${s.id}": ${d.name} ${s.role ?? 'borrower'}, guest ${hex(s.guestAddress)}, ${host}, size ${hex(s.size)}`);
    }
    for (const e of d.eventChannels) lines.push(`event channel ${d.name}/${e.name} port ${e.localPort} <-> ${e.remote.domain}/${e.remote.channel}`);
  }
  return lines;
}

/** The whole model as lines of text. */
export function modelTable(model: BootModel): string[] {
  const out = [summaryLine(model), ...hypervisorLines(model), ''];
  const rows = [['domain', 'domid', 'roles', 'mode', 'memory', 'vcpus']];
  for (const d of model.domains) rows.push([d.name, domidOf(model, d), roles(d), mode(d), memory(d), d.vcpus === undefined ? '-' : String(d.vcpus)]);
  out.push(...table(rows));
  for (const d of model.domains) {
    out.push('', `${d.name}:`);
    if (d.modules.length === 0) out.push('    (no modules)');
    out.push(...d.modules.map(moduleLine));
    const s = settings(d);
    if (s.length) out.push(`    ${s.join('; ')}`);
  }
  const shared = sharingLines(model);
  if (shared.length) out.push('', ...shared);
  if (model.hostPassthrough.length) out.push('', `host devices hidden from dom0 (xen,passthrough): ${model.hostPassthrough.join(' ')}`);
  return out;
}

/** A passthrough partial device tree: each device with its MMIO mappings and host node. */
export function partialTable(p: PartialDeviceTree): string[] {
  const out = [`partial device tree (passthrough): ${p.devices.length} device(s)`];
  for (const d of p.devices) {
    out.push(`  ${d.path} -> host ${d.hostPath ?? '(no xen,path)'}${d.forceWithoutIommu ? ' (force-assigned without IOMMU)' : ''}`);
    for (const m of d.mappings) out.push(`    host ${hex(m.hostAddress)}+${hex(m.size)} at guest ${hex(m.guestAddress)}`);
  }
  return out;
}
