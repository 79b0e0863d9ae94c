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
  /** `enable-method`: how Xen brings the CPU up (`psci`, `spin-table`). */
  enableMethod?: string;
  /** A spin-table CPU's `cpu-release-addr`. */
  releaseAddr: boolean;
}

/** The interrupt controller Xen takes: the first available node with `interrupt-controller` a Xen GIC driver matches. */
export interface HostGic {
  path: string;
  version: 'v2' | 'v3';
  /** `reg` entries: GICv2 needs 4 (GICD, GICC, GICH, GICV); GICv3 at least 2 (GICD, a GICR region). */
  regs: number;
  /** The maintenance interrupt (`interrupts` or `interrupts-extended`). */
  maintenanceIrq: boolean;
}

/**
 * What the board's tree says about RAM: `described` (non-empty /memory
 * banks), `absent` (no /memory node), `zero` (banks of size 0 only: the
 * firmware or bootloader fills them at boot), `given` (`--ram` or
 * MEMORY_START/MEMORY_END stand in for the tree's).
 */
export type RamState = 'described' | 'absent' | 'zero' | 'given';

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
  ram: RamState;
  /** The first /memory node's path, when there is one. */
  ramNode?: string;
  /** Whether the tree describes a board at all (CPUs or an interrupt controller), not just a configuration. */
  board: boolean;
  /** The GIC Xen would drive, if any. */
  intc?: HostGic;
  /** A node Xen's generic timer driver matches (`arm,armv7-timer` / `arm,armv8-timer`). */
  timer: boolean;
  /** The `/psci` node's `method`, `''` when the node has none; undefined without a PSCI node. */
  psciMethod?: string;
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

// Xen's DT_MATCH_GIC_V2 / DT_MATCH_GIC_V3 (asm/gic.h): the only controllers its drivers take.
const XEN_GIC_V2 = new Set(['arm,cortex-a15-gic', 'arm,cortex-a7-gic', 'arm,gic-400']);

function xenGic(n: Node): HostGic | undefined {
  if (!n.getProperty('interrupt-controller') || !n.parent || !okay(n)) return undefined;
  const c = compatibles(n);
  const version = c.includes('arm,gic-v3') ? 'v3' : c.some((x) => XEN_GIC_V2.has(x)) ? 'v2' : undefined;
  if (!version) return undefined;
  let regs = 0;
  try {
    regs = decodeReg(n).length;
  } catch {
    regs = 0;
  }
  const irq = (n.getProperty('interrupts')?.bytes.length ?? 0) > 0 || (n.getProperty('interrupts-extended')?.bytes.length ?? 0) > 0;
  return { path: n.path, version, regs, maintenanceIrq: irq };
}

const PSCI = new Set(['arm,psci', 'arm,psci-0.2', 'arm,psci-1.0']);
const TIMERS = new Set(['arm,armv7-timer', 'arm,armv8-timer']);

function ramState(tree: DeviceTree, banks: readonly MemoryBank[]): { ram: RamState; ramNode?: string } {
  const node = [...tree.root.liveChildren()].find((n) => str(n, 'device_type') === 'memory');
  if (banks.some((b) => b.size > 0n)) return { ram: 'described', ramNode: node?.path };
  return node ? { ram: 'zero', ramNode: node.path } : { ram: 'absent' };
}

export function hostFacts(tree: DeviceTree, source: string): HostFacts {
  const facts: HostFacts = { source, memory: [], reserved: [], cpus: [], paths: new Set(), iommu: false, ram: 'absent', board: false, timer: false };
  const paths = new Set<string>();
  for (const n of walkNodes(tree.root)) {
    paths.add(n.path);
    const type = str(n, 'device_type');
    if (type === 'memory' && n.parent === tree.root && okay(n)) facts.memory.push(...regOf(n));
    if (type === 'cpu' && okay(n)) facts.cpus.push({ path: n.path, phandle: n.phandle, enableMethod: str(n, 'enable-method'), releaseAddr: n.getProperty('cpu-release-addr') !== undefined });
    facts.gic ??= gicOf(n);
    facts.intc ??= xenGic(n);
    if (!facts.timer && okay(n) && compatibles(n).some((c) => TIMERS.has(c))) facts.timer = true;
    if (n.getProperty('#iommu-cells')) facts.iommu = true;
    if (n.getProperty('interrupt-controller') && n.parent) facts.board = true;
  }
  // A bank of size 0 is a placeholder the firmware fills: Xen would get it filled or not at all.
  Object.assign(facts, ramState(tree, facts.memory));
  facts.memory = facts.memory.filter((b) => b.size > 0n);
  if (facts.cpus.length) facts.board = true;
  // psci.c finds the node by compatible, not by path.
  const psci = [...walkNodes(tree.root)].find((n) => compatibles(n).some((c) => PSCI.has(c)));
  if (psci) facts.psciMethod = str(psci, 'method') ?? '';
  const rsv = getNodeByPath(tree.root, '/reserved-memory');
  if (rsv && cellsUsable(rsv)) {
    for (const c of rsv.liveChildren()) if (okay(c)) for (const b of regOf(c)) facts.reserved.push({ ...b, from: c.path, memreserve: false });
  }
  tree.reservations.forEach((r, i) => facts.reserved.push({ address: r.address, size: r.size, from: `/memreserve/ #${i}`, memreserve: true }));
  facts.paths = paths;
  return facts;
}

/** The facts with RAM given on the command line (`--ram`) or by MEMORY_START/MEMORY_END instead of the tree's. */
export function withRam(facts: HostFacts, banks: readonly MemoryBank[]): HostFacts {
  return banks.length ? { ...facts, memory: [...banks], ram: 'given' } : facts;
}

/** Whether the facts hold RAM the rules can place and measure against. */
export function ramKnown(facts: HostFacts): boolean {
  return facts.ram === 'described' || facts.ram === 'given';
}

export function totalRam(facts: HostFacts): bigint {
  return facts.memory.reduce((s, b) => s + b.size, 0n);
}
