/**
 * Physical layout: modules, reserved memory, static memory / heap / shared
 * memory must not collide, and must sit in RAM. Xen drops an overlapping
 * module (later "Missing kernel boot module?") and panics on overlapping
 * static regions (bootinfo.c `check_reserved_regions_overlap`).
 */
import type { BootModel } from '../../model/boot-model.js';
import { at, atDomain, range } from '../context.js';
import type { Where } from '../finding.js';
import type { HostFacts } from '../host-facts.js';
import type { Rule } from '../rule.js';
import type { CheckContext } from '../context.js';
import { compareXenVersions } from '../../model/version.js';
import { allModules, contains, inRam, overlappingPairs } from './support.js';

const BOOTINFO = 'xen/common/device-tree/bootinfo.c';
const OVERLAP_MSG = 'Region: [%#"PRIpaddr", %#"PRIpaddr") overlapping with bank[%u]: [%#"PRIpaddr", %#"PRIpaddr")';

export interface Region {
  address: bigint;
  size: bigint;
  what: string;
  where: Where;
}

function moduleRegions(model: BootModel): (Region & { kind: string })[] {
  const out: (Region & { kind: string })[] = [];
  for (const { module: m, path } of allModules(model)) {
    if (m.location?.type !== 'range') continue;
    out.push({ address: m.location.address, size: m.location.size, what: `module ${path}`, where: at(m, path, 'reg'), kind: m.kind });
  }
  return out;
}

/** Static memory, static heap and shared memory host ranges (Xen's reserved banks); loaders must keep modules out of them. */
export function staticRegions(model: BootModel): Region[] {
  const out: Region[] = [];
  for (const b of model.hypervisor.staticHeap ?? []) out.push({ ...b, what: 'xen,static-heap', where: at(model.hypervisor, '/chosen', 'xen,static-heap') });
  for (const d of model.domains) {
    for (const b of d.staticMemory ?? []) out.push({ ...b, what: `${d.name} xen,static-mem`, where: atDomain(model, d, 'xen,static-mem') });
  }
  const seen = new Set<string>();
  for (const d of model.domains) {
    for (const s of d.sharedMemory) {
      if (s.hostAddress === undefined) continue;
      const key = `${s.id}:${s.hostAddress}`;
      if (seen.has(key)) continue; // one region, several borrowers
      seen.add(key);
      out.push({ address: s.hostAddress, size: s.size, what: `shared memory "${s.id}"`, where: at(s, `/chosen/${d.name}/${s.name}`, 'xen,shared-mem') });
    }
  }
  return out;
}

/** The same blob at the same address for several domains is one module to Xen (add_boot_module merges them). */
function distinct<T extends Region & { kind: string }>(mods: T[]): T[] {
  const seen = new Set<string>();
  return mods.filter((m) => {
    const key = `${m.kind}:${m.address}:${m.size}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hostReserved(host: HostFacts | undefined, withMemreserve: boolean): Region[] {
  return (host?.reserved ?? []).filter((r) => withMemreserve || !r.memreserve).map((r) => ({ address: r.address, size: r.size, what: r.from, where: { path: r.from } }));
}

/**
 * Whether the target counts /memreserve/ entries as reserved for modules:
 * 4.18 does not; 4.19 does (53dc37829c). 4.20 exempts a module exactly
 * inside one (a14593e399: U-Boot reserves what it loads), and so does 4.19
 * from 4.19.2 (its backport 6f7af8383f); 4.19.0 and 4.19.1 drop it. No
 * target: the newest.
 */
function countsMemreserve(ctx: CheckContext): boolean {
  const v = ctx.build?.version;
  return v === undefined || compareXenVersions(v, '4.19') >= 0;
}

/** Modules against the reserved ranges the target counts; `inside` says whether a module sits exactly inside a /memreserve/ entry. */
function moduleReservedOverlaps(ctx: CheckContext): { m: Region; r: Region; inside: boolean }[] {
  const fixed = [...staticRegions(ctx.model), ...hostReserved(ctx.host, countsMemreserve(ctx))];
  const memreserve = new Set((ctx.host?.reserved ?? []).filter((r) => r.memreserve).map((r) => r.from));
  const mods = distinct(moduleRegions(ctx.model)).map((m) => ({ ...m, module: true }));
  const out: { m: Region; r: Region; inside: boolean }[] = [];
  for (const [a, b] of overlappingPairs([...fixed.map((r) => ({ ...r, module: false })), ...mods])) {
    if (a.module === b.module) continue; // module pairs are mod-overlap's, static pairs static-mem-overlap's
    const [m, r] = a.module ? [a, b] : [b, a];
    out.push({ m, r, inside: memreserve.has(r.what) && contains(r.address, r.size, m.address, m.size) });
  }
  return out;
}

/**
 * Xen reads /reserved-memory and /memreserve/ before /chosen, so a module on
 * one is dropped; a static range in /chosen and a module are refused in
 * whichever order they come: the module (dropped), or the range, which
 * stops the boot ("overlapping with mod[N]", Early FDT parsing failed; seen
 * on 4.22 with the module first, as when a loader puts it there).
 */
function consequence(r: Region): string {
  if (r.what.startsWith('/reserved-memory') || r.what.startsWith('/memreserve/')) return 'Xen drops the module';
  return 'Xen refuses the one it reads second: a module after the range is dropped, a range after the module stops the boot ("Early FDT parsing failed")';
}

export const LAYOUT_RULES: Rule[] = [
  {
    id: 'mod-overlap', group: 'layout', severity: 'error', xenSource: BOOTINFO,
    xenMessage: 'Region: [%#"PRIpaddr", %#"PRIpaddr") overlapping with mod[%u]: [%#"PRIpaddr", %#"PRIpaddr")', summary: 'two boot modules overlap (the same blob at the same address for two domUs is fine)',
    hint: 'move one of the modules; ranges are [address, address + size)',
    check(ctx, report) {
      for (const [a, b] of overlappingPairs(distinct(moduleRegions(ctx.model)))) report(a.where, `${a.what} ${range(a.address, a.size)} overlaps ${b.what} ${range(b.address, b.size)}; Xen drops it`);
    },
  },
  {
    // 4.18 added the check (Xen 6f7d56ccd3, 4f6a291582; then in arch/arm/setup.c); 4.17 boots such a module.
    id: 'mod-overlap-reserved', group: 'layout', severity: 'error', xenSource: BOOTINFO, since: '4.18',
    xenMessage: OVERLAP_MSG, summary: 'a module overlaps /reserved-memory, static memory, static heap or shared memory, or (from 4.19) /memreserve/ unless exactly inside (4.19.0 and 4.19.1: see `mod-in-memreserve`)',
    hint: 'move the module out of reserved and static ranges',
    check(ctx, report) {
      for (const { m, r, inside } of moduleReservedOverlaps(ctx)) {
        if (!inside) report(m.where, `${m.what} ${range(m.address, m.size)} overlaps ${r.what} ${range(r.address, r.size)}; ${consequence(r)}`);
      }
    },
  },
  {
    // 53dc37829c (4.19.0) without a14593e399, which reached 4.19 only in 4.19.2 (6f7af8383f): the
    // target names no point release, so this is a warning rather than mod-overlap-reserved's error.
    id: 'mod-in-memreserve', group: 'layout', severity: 'warning', xenSource: 'xen/arch/arm/setup.c', since: '4.19', until: '4.19', needs: 'target',
    xenMessage: OVERLAP_MSG, summary: 'a module exactly inside a /memreserve/ entry: Xen 4.19.0 and 4.19.1 drop it (4.19.2 and 4.20 on accept it)',
    hint: 'use Xen 4.19.2 or later, or take the module\'s range out of /memreserve/',
    check(ctx, report) {
      for (const { m, r, inside } of moduleReservedOverlaps(ctx)) {
        if (inside) report(m.where, `${m.what} ${range(m.address, m.size)} lies inside ${r.what} ${range(r.address, r.size)}; Xen 4.19.0 and 4.19.1 count it as an overlap and drop the module`);
      }
    },
  },
  {
    id: 'static-mem-overlap', group: 'layout', severity: 'error', xenSource: BOOTINFO, since: '4.16',
    xenMessage: OVERLAP_MSG, summary: 'static memory, static heap or shared memory ranges overlap each other or /reserved-memory',
    hint: 'give every static range its own memory',
    check(ctx, report) {
      const host = hostReserved(ctx.host, false);
      const board = new Set(host);
      const boardPairs: string[] = [];
      for (const [a, b] of overlappingPairs([...staticRegions(ctx.model), ...host])) {
        if (board.has(a) && board.has(b)) {
          boardPairs.push(`${b.what} ${range(b.address, b.size)} and ${a.what} ${range(a.address, a.size)}`);
          continue;
        }
        const [own, other] = a.where.position || !b.where.position ? [a, b] : [b, a];
        report(own.where, `${own.what} ${range(own.address, own.size)} overlaps ${other.what} ${range(other.address, other.size)}; Xen panics "Early FDT parsing failed"`);
      }
      // The board's own regions overlapping is one fact about the board, however many pairs: one finding.
      if (boardPairs.length) report({ path: '/reserved-memory' }, `${ctx.host!.source}'s /reserved-memory regions overlap (${boardPairs.join('; ')}); Xen panics "Early FDT parsing failed" on the first`);
    },
  },
  {
    id: 'mod-outside-ram', group: 'layout', severity: 'error', xenSource: 'xen/arch/arm/setup.c', needs: 'host',
    xenMessage: '(the loader cannot place the blob; Xen reads garbage or faults)', summary: 'a module not entirely inside a host /memory bank',
    hint: 'load modules inside RAM (the host\'s /memory reg)',
    check(ctx, report) {
      if (!ctx.host?.memory.length) return;
      for (const m of moduleRegions(ctx.model)) if (!inRam(ctx.host, m.address, m.size)) report(m.where, `${m.what} ${range(m.address, m.size)} is not inside the RAM of ${ctx.host.source}`);
    },
  },
  {
    id: 'static-outside-ram', group: 'layout', severity: 'error', xenSource: 'xen/include/xen/static-memory.h', since: '4.16', needs: 'host',
    // Seen on 4.22 (docs/fidelity.md): init_staticmem_bank hands the bank to unprepare_staticmem_pages before any domain exists.
    xenMessage: 'CPU0: Unexpected Trap: Data Abort (in unprepare_staticmem_pages, before the console)', summary: 'static memory, static heap or shared memory host range outside host RAM',
    hint: 'place static ranges inside the host\'s /memory banks',
    check(ctx, report) {
      if (!ctx.host?.memory.length) return;
      for (const r of staticRegions(ctx.model)) if (!inRam(ctx.host, r.address, r.size)) report(r.where, `${r.what} ${range(r.address, r.size)} is not inside the RAM of ${ctx.host.source}`);
    },
  },
];
