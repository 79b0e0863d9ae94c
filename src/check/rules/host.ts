/** Rules against the board's device tree (`--host`, or the host part of the input). */
import type { BootModel } from '../../model/boot-model.js';
import { at, atDomain, hex } from '../context.js';
import { totalRam } from '../host-facts.js';
import type { Rule } from '../rule.js';
import { allModules, builtDom0, domUs, inRam } from './support.js';

/** `dom0_mem=512M` (or `dom0_mem=min:..,max:..,512M`): the plain size, in bytes. */
function dom0Mem(model: BootModel): bigint | undefined {
  const line = model.hypervisor.xenBootargs ?? model.hypervisor.bootargs ?? '';
  const m = /(?:^|\s)dom0_mem=(?:[^\s]*,)?(\d+)([kKmMgGtT]?)(?:\s|$|,)/.exec(line);
  if (!m) return undefined;
  const shift = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  // A bare number is KiB in Xen's parse_size_and_unit default for dom0_mem.
  return BigInt(m[1]!) << (m[2] ? shift : 10n);
}

/** Xen's pCPU list syntax: `1,4-7`. */
export function parseCpuList(s: string): number[] | undefined {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let c = lo; c <= hi && c - lo < 4096; c++) out.push(c);
  }
  return out;
}

export const HOST_RULES: Rule[] = [
  {
    id: 'host-vcpus', group: 'host', severity: 'warning', xenSource: 'xen/common/sched/core.c', needs: 'host',
    xenMessage: '(silent: vCPUs beyond the physical CPUs share them)', summary: 'a domain with more vCPUs than the host has CPUs',
    hint: 'use at most as many vCPUs as the host has CPUs',
    check(ctx, report) {
      const n = ctx.host!.cpus.length;
      if (n === 0) return;
      for (const d of domUs(ctx.model)) if (d.vcpus !== undefined && d.vcpus > n) report(atDomain(ctx.model, d, 'cpus'), `${d.name}: ${d.vcpus} vCPUs on a host with ${n} CPUs`);
    },
  },
  {
    id: 'host-affinity', group: 'host', severity: 'error', xenSource: 'xen/common/device-tree/dom0less-build.c', since: '4.21', needs: 'host',
    xenMessage: 'Invalid pCPU %u for domain %s', summary: '`hard-affinity` names a pCPU the host does not have (or is not a CPU list)',
    hint: 'use pCPU numbers 0 .. (host CPUs - 1), e.g. "0,2-3"',
    check(ctx, report) {
      const n = ctx.host!.cpus.length;
      if (n === 0) return;
      for (const d of domUs(ctx.model)) {
        for (const v of d.vcpuPins) {
          if (v.hardAffinity === undefined) continue;
          const where = at(v, `${atDomain(ctx.model, d).path}/${v.name}`, 'hard-affinity');
          const cpus = parseCpuList(v.hardAffinity);
          if (!cpus) report(where, `${d.name}/${v.name}: hard-affinity "${v.hardAffinity}" is not a CPU list`);
          else for (const c of cpus.filter((c) => c >= n)) report(where, `${d.name}/${v.name}: pCPU ${c} does not exist (host has ${n} CPUs)`);
        }
      }
    },
  },
  {
    id: 'memory-fit', group: 'host', severity: 'error', xenSource: 'xen/common/device-tree/dom0less-build.c', needs: 'host',
    xenMessage: 'Failed to allocate requested domain memory. %ldKB unallocated. Fix the VMs configurations.', summary: 'domain memory (domUs + dom0_mem) exceeds host RAM minus reserved, static and module ranges',
    hint: 'lower the domains\' memory, or boot on a board with more RAM',
    check(ctx, report) {
      const host = ctx.host!;
      const ram = totalRam(host);
      if (ram === 0n) return;
      const reserved = host.reserved.reduce((s, r) => s + r.size, 0n);
      // A static range outside RAM takes nothing from the heap (static-outside-ram reports it).
      const staticBanks = [...ctx.model.domains.flatMap((d) => d.staticMemory ?? []), ...(ctx.model.hypervisor.staticHeap ?? [])];
      const statics = staticBanks.filter((b) => inRam(host, b.address, b.size)).reduce((s, b) => s + b.size, 0n);
      // A blob shared by several domains occupies its range once.
      const ranges = new Map<string, bigint>();
      for (const { module: m } of allModules(ctx.model)) if (m.location?.type === 'range') ranges.set(`${m.location.address}:${m.location.size}`, m.location.size);
      const modules = [...ranges.values()].reduce((s, n) => s + n, 0n);
      const free = ram - reserved - statics - modules;
      let demand = builtDom0(ctx.model) ? (dom0Mem(ctx.model) ?? 0n) : 0n;
      let last: ReturnType<typeof atDomain> | undefined;
      for (const d of domUs(ctx.model)) {
        if (d.staticMemory?.length || d.memoryKiB === undefined) continue;
        demand += d.memoryKiB * 1024n;
        if (demand > free && !last) last = atDomain(ctx.model, d, 'memory');
      }
      if (demand > free) report(last ?? { path: '/chosen' }, `domains need ${demand / 1024n} KiB (${hex(demand)} bytes) but ${host.source} has ${free > 0n ? free / 1024n : 0n} KiB free (RAM ${ram / 1024n} KiB less reserved, static and module ranges); Xen panics allocating the first domain that does not fit`);
    },
  },
];
