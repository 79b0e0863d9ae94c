/**
 * What the checker needs from the board's device tree (a `--host` DTB, or
 * the host part of the input tree): RAM banks, reserved ranges, the CPUs
 * Xen brings up and the node paths passthrough may name.
 */
import { addressCells, decodeReg, sizeCells } from '../fdt/tree/addresses.js';
import { type DeviceTree, type Node, getNodeByPath, walkNodes } from '../fdt/tree/livetree.js';
import type { MemoryBank } from '../model/memory.js';

export interface HostCpu {
  path: string;
  phandle: number;
}

export interface ReservedRange extends MemoryBank {
  /** `/reserved-memory/<name>` or `/memreserve/ #n`. */
  from: string;
  /** `/memreserve/` entries may contain a module exactly (U-Boot adds them). */
  memreserve: boolean;
}

export interface HostFacts {
  /** Where the facts came from, for messages: the `--host` file, or "the input tree". */
  source: string;
  memory: MemoryBank[];
  reserved: ReservedRange[];
  /** `device_type = "cpu"` nodes in tree order; Xen numbers them 0, 1, ... */
  cpus: HostCpu[];
  paths: ReadonlySet<string>;
  gic?: 'v2' | 'v3';
  /** Some node provides an IOMMU (`#iommu-cells`). */
  iommu: boolean;
}

const DECODER = new TextDecoder();

function str(n: Node, name: string): string | undefined {
  const p = n.getProperty(name);
  if (!p) return undefined;
  const nul = p.bytes.indexOf(0);
  return DECODER.decode(p.bytes.subarray(0, nul < 0 ? p.bytes.length : nul));
}

function compatibles(n: Node): string[] {
  const p = n.getProperty('compatible');
  return p ? DECODER.decode(p.bytes).split('\0').filter(Boolean) : [];
}

function okay(n: Node): boolean {
  const s = str(n, 'status');
  return s === undefined || s === 'ok' || s === 'okay';
}

/** A reg Xen would read; a malformed one contributes nothing (dtc's checks report it). */
function regOf(n: Node): MemoryBank[] {
  try {
    return decodeReg(n).map((r) => ({ address: r.address, size: r.size }));
  } catch {
    return [];
  }
}

function cellsUsable(n: Node): boolean {
  try {
    return addressCells(n) >= 1 && sizeCells(n) >= 1;
  } catch {
    return false;
  }
}

function gicOf(n: Node): 'v2' | 'v3' | undefined {
  const c = compatibles(n);
  if (c.includes('arm,gic-v3')) return 'v3';
  if (c.some((x) => x === 'arm,gic-400' || x === 'arm,cortex-a15-gic' || x === 'arm,cortex-a9-gic' || x === 'arm,gic-v2')) return 'v2';
  return undefined;
}

export function hostFacts(tree: DeviceTree, source: string): HostFacts {
  const facts: HostFacts = { source, memory: [], reserved: [], cpus: [], paths: new Set(), iommu: false };
  const paths = new Set<string>();
  for (const n of walkNodes(tree.root)) {
    paths.add(n.path);
    const type = str(n, 'device_type');
    if (type === 'memory' && n.parent === tree.root && okay(n)) facts.memory.push(...regOf(n));
    if (type === 'cpu' && okay(n)) facts.cpus.push({ path: n.path, phandle: n.phandle });
    facts.gic ??= gicOf(n);
    if (n.getProperty('#iommu-cells')) facts.iommu = true;
  }
  const rsv = getNodeByPath(tree.root, '/reserved-memory');
  if (rsv && cellsUsable(rsv)) {
    for (const c of rsv.liveChildren()) if (okay(c)) for (const b of regOf(c)) facts.reserved.push({ ...b, from: c.path, memreserve: false });
  }
  tree.reservations.forEach((r, i) => facts.reserved.push({ address: r.address, size: r.size, from: `/memreserve/ #${i}`, memreserve: true }));
  facts.paths = paths;
  return facts;
}

export function totalRam(facts: HostFacts): bigint {
  return facts.memory.reduce((s, b) => s + b.size, 0n);
}
