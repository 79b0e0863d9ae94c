/**
 * Address decoding that follows #address-cells / #size-cells: `reg`,
 * `ranges` / `dma-ranges`, and translation of a bus address up to the root.
 * Cell counts come from the parent (for `reg`) or from both ends (for
 * `ranges`), defaulting to 2 and 1 as dtc and ePAPR say. Values are bigints,
 * because addresses and sizes can span more than 53 bits.
 */
import { FdtError } from '../errors.js';
import type { Node } from './livetree.js';
import { cellsToBigInt, propCells, propU32 } from './property-views.js';

export const DEFAULT_ADDRESS_CELLS = 2;
export const DEFAULT_SIZE_CELLS = 1;

export interface RegEntry {
  address: bigint;
  size: bigint;
}

export interface RangeEntry {
  childAddress: bigint;
  parentAddress: bigint;
  size: bigint;
}

export interface Ranges {
  /** Empty property: the child bus is mapped 1:1 onto the parent. */
  identity: boolean;
  entries: RangeEntry[];
}

function cellCount(node: Node, name: '#address-cells' | '#size-cells', dflt: number): number {
  const p = node.getProperty(name);
  return p === undefined ? dflt : propU32(p, node);
}

/** #address-cells this node gives its children (default 2). */
export function addressCells(node: Node): number {
  return cellCount(node, '#address-cells', DEFAULT_ADDRESS_CELLS);
}

/** #size-cells this node gives its children (default 1). */
export function sizeCells(node: Node): number {
  return cellCount(node, '#size-cells', DEFAULT_SIZE_CELLS);
}

/** dtc's is_multiple_of: a zero entry size only fits an empty value. */
function fits(len: number, entry: number): boolean {
  return entry === 0 ? len === 0 : len % entry === 0;
}

function locate(node: Node, prop: string): string {
  return `${node.path}:${prop}`;
}

/** The node's `reg` as (address, size) pairs, or [] when it has none. */
export function decodeReg(node: Node): RegEntry[] {
  const prop = node.getProperty('reg');
  if (!prop) return [];
  if (!node.parent) {
    throw new FdtError('REG_IN_ROOT', 'Root node has a "reg" property', { path: locate(node, 'reg') });
  }
  const ac = addressCells(node.parent);
  const sc = sizeCells(node.parent);
  const len = prop.bytes.length;
  if (!fits(len, (ac + sc) * 4)) {
    throw new FdtError('REG_BAD_LENGTH', `${locate(node, 'reg')}: property has invalid length (${len} bytes) (#address-cells == ${ac}, #size-cells == ${sc})`, {
      path: locate(node, 'reg'),
      hint: `each entry needs ${ac} address and ${sc} size cells, set by ${node.parent.path}`,
    });
  }
  const cells = propCells(prop, node);
  const out: RegEntry[] = [];
  for (let i = 0; i + ac + sc <= cells.length && ac + sc > 0; i += ac + sc) {
    out.push({ address: cellsToBigInt(cells, i, ac), size: cellsToBigInt(cells, i + ac, sc) });
  }
  return out;
}

/**
 * The node's `ranges` (or `dma-ranges`): undefined when absent, identity when
 * empty, else (child address, parent address, size) triples sized by the
 * node's #address-cells, the parent's #address-cells and the node's #size-cells.
 */
export function decodeRanges(node: Node, name: 'ranges' | 'dma-ranges' = 'ranges'): Ranges | undefined {
  const prop = node.getProperty(name);
  if (!prop) return undefined;
  if (!node.parent) {
    throw new FdtError('RANGES_IN_ROOT', `Root node has a "${name}" property`, { path: locate(node, name) });
  }
  const pac = addressCells(node.parent);
  const cac = addressCells(node);
  const csc = sizeCells(node);
  const len = prop.bytes.length;
  if (len === 0) return { identity: true, entries: [] };
  const width = pac + cac + csc;
  if (!fits(len, width * 4)) {
    throw new FdtError(
      'RANGES_BAD_LENGTH',
      `${locate(node, name)}: "${name}" property has invalid length (${len} bytes) (parent #address-cells == ${pac}, child #address-cells == ${cac}, #size-cells == ${csc})`,
      { path: locate(node, name) },
    );
  }
  const cells = propCells(prop, node);
  const entries: RangeEntry[] = [];
  for (let i = 0; i + width <= cells.length && width > 0; i += width) {
    entries.push({
      childAddress: cellsToBigInt(cells, i, cac),
      parentAddress: cellsToBigInt(cells, i + cac, pac),
      size: cellsToBigInt(cells, i + cac + pac, csc),
    });
  }
  return { identity: false, entries };
}

/**
 * Translate an address on `bus`'s child bus (e.g. a child's `reg` address)
 * into a root (CPU) address through the `ranges` of `bus` and its
 * ancestors. Undefined when some bus on the way has no `ranges` or no
 * window covers the address.
 */
export function translateAddress(bus: Node, address: bigint): bigint | undefined {
  let a = address;
  for (let n: Node | undefined = bus; n && n.parent; n = n.parent) {
    const r = decodeRanges(n);
    if (!r) return undefined;
    if (r.identity) continue;
    const hit = r.entries.find((e) => a >= e.childAddress && a - e.childAddress < e.size);
    if (!hit) return undefined;
    a = a - hit.childAddress + hit.parentAddress;
  }
  return a;
}

/** `reg` of a node translated to root addresses (entries that do not translate are undefined). */
export function translatedReg(node: Node): { address: bigint | undefined; size: bigint }[] {
  const bus = node.parent;
  return decodeReg(node).map((r) => ({ address: bus ? translateAddress(bus, r.address) : r.address, size: r.size }));
}
