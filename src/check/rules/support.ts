/** Small model queries several rule groups share. */
import { type BootModel, effectiveCapabilities } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import type { BootModule } from '../../model/module.js';
import { domainPath } from '../context.js';
import type { HostFacts } from '../host-facts.js';

export interface PlacedModule {
  module: BootModule;
  /** Owning domain; undefined for Xen's own modules (XSM policy, microcode). */
  domain?: Domain;
  path: string;
}

/** Every boot module with its DT path, in tree order (Xen's own first). */
export function allModules(model: BootModel): PlacedModule[] {
  const base = model.interface === 'hyperlaunch' ? '/chosen/hypervisor' : '/chosen';
  const out: PlacedModule[] = model.hypervisor.modules.map((m, i) => ({ module: m, path: m.origin?.path ?? `${base}/${m.name ?? `module${i}`}` }));
  for (const d of model.domains) {
    const dp = domainPath(model, d);
    d.modules.forEach((m, i) => out.push({ module: m, domain: d, path: m.origin?.path ?? `${dp}/${m.name ?? `module${i}`}` }));
  }
  return out;
}

/** A domain built from the device tree (not the classic dom0). */
export function domUs(model: BootModel): Domain[] {
  return model.domains.filter((d) => !d.isDom0);
}

export function isHardware(d: Domain): boolean {
  return effectiveCapabilities(d).hardware;
}

export function isXenstore(d: Domain): boolean {
  return effectiveCapabilities(d).xenstore;
}

/** A dom0 that Xen really builds (dom0less: only when a dom0 kernel is given). */
export function builtDom0(model: BootModel): Domain | undefined {
  return model.domains.find((d) => d.isDom0 && (model.interface === 'hyperlaunch' || d.modules.some((m) => m.kind === 'kernel')));
}

/** Half-open ranges [a, a+s) overlap. */
export function overlaps(a: bigint, as: bigint, b: bigint, bs: bigint): boolean {
  return as > 0n && bs > 0n && a < b + bs && b < a + as;
}

export function contains(outer: bigint, os: bigint, inner: bigint, is: bigint): boolean {
  return inner >= outer && inner + is <= outer + os;
}

/** Inside one of the host's RAM banks. */
export function inRam(host: HostFacts, address: bigint, size: bigint): boolean {
  return host.memory.some((b) => contains(b.address, b.size, address, size));
}

export function aligned(v: bigint, to: bigint): boolean {
  return v % to === 0n;
}

export const KiB4 = 0x1000n;

/**
 * Every overlapping pair of ranges, as [later, earlier] in input order:
 * sort by address and sweep, so the cost is n log n plus the overlaps found.
 */
export function overlappingPairs<T extends { address: bigint; size: bigint }>(items: readonly T[]): [T, T][] {
  const order = items.map((x, i) => ({ x, i })).filter((e) => e.x.size > 0n);
  order.sort((a, b) => (a.x.address < b.x.address ? -1 : a.x.address > b.x.address ? 1 : a.i - b.i));
  const pairs: [T, T][] = [];
  let active: { x: T; i: number }[] = [];
  for (const cur of order) {
    active = active.filter((a) => a.x.address + a.x.size > cur.x.address);
    for (const a of active) pairs.push(a.i > cur.i ? [a.x, cur.x] : [cur.x, a.x]);
    active.push(cur);
  }
  return pairs;
}

const DECODER = new TextDecoder();

/** `compatible` strings of a raw node. */
export function compatibleList(bytes: Uint8Array | undefined): string[] {
  return bytes ? DECODER.decode(bytes).split('\0').filter(Boolean) : [];
}
