/**
 * Boot modules laid out on a board's RAM: a configuration written for one
 * board (its `reg` values are where that board's loader put the blobs) is
 * moved onto another one's RAM banks, around every range the loader must
 * not touch: /reserved-memory, /memreserve/ (firmware), and the
 * configuration's own static memory, static heap and shared memory.
 * Like uboot-script-gen, the first 2 MiB slots of the lowest bank are left
 * for boot.scr and every blob starts on a 2 MiB boundary.
 */
import type { HostFacts } from '../check/host-facts.js';
import { staticRegions } from '../check/rules/layout.js';
import { allModules } from '../check/rules/support.js';
import type { BootModel } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { BootModule } from '../model/module.js';
import { type Range, alignUp, scriptAddress } from './layout.js';

export interface RamPlacement {
  model: BootModel;
  /** Modules that found no free RAM (their path and size), left where they were. */
  unplaced: { path: string; size: bigint }[];
}

/** `ranges` minus `holes`, in address order. */
export function freeRanges(ranges: readonly Range[], holes: readonly Range[]): Range[] {
  let free = [...ranges].filter((r) => r.size > 0n).sort((a, b) => (a.address < b.address ? -1 : 1));
  for (const h of holes) {
    const hEnd = h.address + h.size;
    free = free.flatMap((r) => {
      const rEnd = r.address + r.size;
      if (hEnd <= r.address || h.address >= rEnd) return [r];
      const out: Range[] = [];
      if (h.address > r.address) out.push({ address: r.address, size: h.address - r.address });
      if (hEnd < rEnd) out.push({ address: hEnd, size: rEnd - hEnd });
      return out;
    });
  }
  return free;
}

/** The lowest 2 MiB aligned address where `size` bytes fit in `free`. */
function firstFit(free: readonly Range[], size: bigint): bigint | undefined {
  for (const r of free) {
    const at = alignUp(r.address);
    if (at + size <= r.address + r.size) return at;
  }
  return undefined;
}

function moved(m: BootModule, at: Map<BootModule, bigint>): BootModule {
  const address = at.get(m);
  return address === undefined || m.location?.type !== 'range' ? m : { ...m, location: { ...m.location, address } };
}

/** `model` with its module ranges re-laid on `host`'s RAM (the input model is not changed). */
export function placeOnRam(model: BootModel, host: HostFacts): RamPlacement {
  const banks = host.memory.filter((b) => b.size > 0n);
  if (!banks.length) return { model, unplaced: [] };
  const lowest = banks.reduce((a, b) => (b.address < a.address ? b : a));
  const script: Range = { address: lowest.address, size: scriptAddress(lowest.address).first - lowest.address };
  let free = freeRanges(banks, [script, ...host.reserved, ...staticRegions(model)]);
  const at = new Map<BootModule, bigint>();
  // The same blob at the same address for several domains is one module to Xen: it stays one.
  const shared = new Map<string, bigint>();
  const unplaced: RamPlacement['unplaced'] = [];
  for (const { module: m, path } of allModules(model)) {
    if (m.location?.type !== 'range') continue;
    const key = `${m.kind}:${m.location.address}:${m.location.size}`;
    const known = shared.get(key);
    if (known !== undefined) {
      at.set(m, known);
      continue;
    }
    const address = firstFit(free, m.location.size);
    if (address === undefined) {
      unplaced.push({ path, size: m.location.size });
      continue;
    }
    at.set(m, address);
    shared.set(key, address);
    free = freeRanges(free, [{ address, size: m.location.size }]);
  }
  const domain = (d: Domain): Domain => ({ ...d, modules: d.modules.map((m) => moved(m, at)) });
  return {
    model: { ...model, hypervisor: { ...model.hypervisor, modules: model.hypervisor.modules.map((m) => moved(m, at)) }, domains: model.domains.map(domain) },
    unplaced,
  };
}
