/**
 * `xen,static-mem` as Xen 4.17+ reads it: (address, size) banks in the cells
 * of the domain node's parent (`/chosen`), inherited from further up where
 * /chosen lacks them. The domain node's own #address-cells / #size-cells are
 * for its children (modules, shared memory) only. A list written in the
 * node's own cells instead still parses when the lengths happen to fit, and
 * Xen then takes the wrong numbers for banks; Xen 4.22 faults in
 * `unprepare_staticmem_pages` on such a tree (docs/fidelity.md). This file
 * spots that case: the bytes make no sense in Xen's cells but make sense in
 * the node's own.
 */
import type { Property } from '../fdt/tree/livetree.js';
import type { Cells } from '../model/domain.js';
import { BootConfigError } from '../model/errors.js';
import type { MemoryBank } from '../model/memory.js';
import { inheritCells, readTuples } from './cells.js';
import { locate } from './locate.js';
import { KEEP, type PropertyReadContext } from './property-codec.js';

/** The banks Xen reads; a misread list that is not a whole number of banks is kept as it is (unknown), so that it round-trips. */
export function decodeStaticMem(p: Property, ctx: PropertyReadContext): MemoryBank[] | typeof KEEP {
  const xen = ctx.walkerCells;
  const parent = ctx.node.parent?.path ?? '/';
  if (xen.address < 1 || xen.size < 1) {
    throw new BootConfigError('CELLS_INVALID', `${ctx.node.path}:${p.name}: invalid #address-cells or #size-cells (${xen.address}, ${xen.size}) of ${parent}, which Xen reads it with`, locate(ctx.node, p, `set #address-cells and #size-cells of ${parent} to 1 or 2`));
  }
  const asXen = banksIn(p.bytes, xen);
  const own = ownCells(ctx);
  const asOwn = sameCells(own, xen) ? undefined : banksIn(p.bytes, own);
  if (asOwn && !plausible(asXen, ctx) && plausible(asOwn, ctx)) {
    ctx.warn({
      code: 'STATIC_MEM_OWN_CELLS',
      message: `${ctx.node.path}:${p.name} looks written in ${ctx.node.path}'s own cells (${own.address} + ${own.size}: ${list(asOwn.banks)}), but Xen reads it with ${parent}'s (${xen.address} + ${xen.size}: ${asXen.banks.length ? list(asXen.banks) : 'no whole bank'}${asXen.whole ? '' : ', the rest ignored'})`,
      ...locate(ctx.node, p, rewriteHint(asOwn.banks, xen, parent)),
    });
    return asXen.whole ? asXen.banks : KEEP;
  }
  if (!asXen.whole || asXen.banks.length === 0) {
    throw new BootConfigError('BANKS_BAD_LENGTH', `${ctx.node.path}:${p.name} is not a list of <address size> in ${parent}'s cells (${xen.address} + ${xen.size}), which Xen reads it with (not the domain node's own)`, locate(ctx.node, p, `write each bank as ${xen.address} address cell(s) and ${xen.size} size cell(s), or change ${parent}'s #address-cells / #size-cells`));
  }
  return asXen.banks;
}

interface Reading {
  banks: MemoryBank[];
  /** The bytes are a whole number of banks (Xen ignores a shorter rest). */
  whole: boolean;
}

/** The banks as Xen takes them from these bytes at these cells: whole entries only. */
function banksIn(bytes: Uint8Array, cells: Cells): Reading {
  const entry = (cells.address + cells.size) * 4;
  const wholeBytes = bytes.length - (bytes.length % entry);
  const rows = readTuples(bytes.subarray(0, wholeBytes), [cells.address, cells.size]) ?? [];
  return { banks: rows.map(([a, s]) => ({ address: a!, size: s! })), whole: wholeBytes === bytes.length };
}

/** The cells the node gives its children: its own where set, else the ones it inherits. */
function ownCells(ctx: PropertyReadContext): Cells {
  const cell = (name: string): number | undefined => {
    const b = ctx.node.getProperty(name)?.bytes;
    return b && b.length >= 4 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0) : undefined;
  };
  return inheritCells({ address: cell('#address-cells'), size: cell('#size-cells') }, ctx.walkerCells);
}

function sameCells(a: Cells, b: Cells): boolean {
  return a.address === b.address && a.size === b.size;
}

/** A reading a person could have meant: whole banks, none empty, adding up to `memory` when the node has one. */
function plausible(r: Reading, ctx: PropertyReadContext): boolean {
  if (!r.whole || r.banks.length === 0 || r.banks.some((b) => b.size === 0n)) return false;
  const kib = memoryKiB(ctx);
  return kib === undefined || r.banks.reduce((t, b) => t + b.size, 0n) === kib * 1024n;
}

/** The node's `memory` (KiB) when it is a readable 64-bit value; the property table reports it otherwise. */
function memoryKiB(ctx: PropertyReadContext): bigint | undefined {
  const b = ctx.node.getProperty('memory')?.bytes;
  return b && b.length >= 8 ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0) : undefined;
}

function list(banks: readonly MemoryBank[]): string {
  return banks.map((b) => `0x${b.address.toString(16)} size 0x${b.size.toString(16)}`).join(', ');
}

/**
 * More cells than any bus uses (Linux's OF_MAX_ADDR_CELLS): no list is worth
 * spelling out in them, and a mutated `#address-cells` of 904,736,978 once
 * made this hint build an array that size.
 */
const MAX_HINT_CELLS = 4;

function rewriteHint(banks: readonly MemoryBank[], xen: Cells, parent: string): string {
  if (xen.address > MAX_HINT_CELLS || xen.size > MAX_HINT_CELLS) {
    return `set #address-cells and #size-cells of ${parent} to 1 or 2 (they are ${xen.address} and ${xen.size}), then write the banks in them`;
  }
  return `write it in ${parent}'s cells: xen,static-mem = <${banks.map((b) => inCells(b, xen)).join(' ')}>`;
}

function inCells(b: MemoryBank, cells: Cells): string {
  const words = (v: bigint, n: number): string[] => Array.from({ length: n }, (_, i) => `0x${((v >> BigInt(32 * (n - 1 - i))) & 0xffffffffn).toString(16)}`);
  return [...words(b.address, cells.address), ...words(b.size, cells.size)].join(' ');
}
