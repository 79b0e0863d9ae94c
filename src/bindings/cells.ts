/**
 * Multi-cell numbers as Xen reads them: (address, size) tuples whose width
 * comes from #address-cells / #size-cells of a node (defaults 2 and 1,
 * xen/include/xen/bootfdt.h), and big-endian encoding back to cells.
 */
import { ValueBuilder, type PropertyValue } from '../fdt/tree/data.js';
import type { Node } from '../fdt/tree/livetree.js';
import { cellsToBigInt } from '../fdt/tree/property-views.js';
import { BootConfigError } from '../model/errors.js';
import type { Cells } from '../model/domain.js';
import { locate } from './locate.js';

export const XEN_DEFAULT_CELLS: Cells = { address: 2, size: 1 };

function cellProperty(node: Node, name: string, dflt: number): number {
  const p = node.getProperty(name);
  if (!p) return dflt;
  if (p.bytes.length < 4) throw new BootConfigError('CELLS_BAD', `${name} is not a cell`, locate(node, p, 'expected <u32>'));
  return new DataView(p.bytes.buffer, p.bytes.byteOffset, 4).getUint32(0);
}

/** The cells a node gives its children, Xen's defaults when absent. */
export function cellsOf(node: Node | undefined): Cells {
  if (!node) return XEN_DEFAULT_CELLS;
  return { address: cellProperty(node, '#address-cells', 2), size: cellProperty(node, '#size-cells', 1) };
}

/**
 * The cells Xen's FDT walker hands the properties of a node whose parent is
 * `parent` (`xen,static-mem` of a domain node): each of #address-cells and
 * #size-cells from the nearest of `parent` and its ancestors that sets it,
 * 2 / 1 above the root (bootfdt.c device_tree_for_each_node; the later
 * dt_n_addr_cells reads the same).
 */
export function walkerCells(parent: Node | undefined): Cells {
  let address: number | undefined;
  let size: number | undefined;
  for (let n = parent; n && (address === undefined || size === undefined); n = n.parent) {
    address ??= n.getProperty('#address-cells') ? cellProperty(n, '#address-cells', 2) : undefined;
    size ??= n.getProperty('#size-cells') ? cellProperty(n, '#size-cells', 1) : undefined;
  }
  return { address: address ?? XEN_DEFAULT_CELLS.address, size: size ?? XEN_DEFAULT_CELLS.size };
}

/** `own` where set, else what the parent passes down (the writer's view of walkerCells). */
export function inheritCells(own: { address?: number; size?: number }, inherited: Cells): Cells {
  return { address: own.address ?? inherited.address, size: own.size ?? inherited.size };
}

export function readCells(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

/** Numbers of the given cell widths, repeated; `null` when the length does not divide. */
export function readTuples(bytes: Uint8Array, widths: readonly number[]): bigint[][] | null {
  const cells = readCells(bytes);
  const step = widths.reduce((a, b) => a + b, 0);
  if (step === 0 || bytes.length % 4 !== 0 || cells.length % step !== 0) return null;
  const out: bigint[][] = [];
  for (let i = 0; i < cells.length; i += step) {
    const row: bigint[] = [];
    let at = i;
    for (const w of widths) {
      row.push(cellsToBigInt(cells, at, w));
      at += w;
    }
    out.push(row);
  }
  return out;
}

/** Encode numbers at the given widths; a number too wide for its cells is an error at `where`. */
export function encodeTuples(rows: readonly (readonly bigint[])[], widths: readonly number[], where: string): PropertyValue {
  const vb = new ValueBuilder().addMarker('uint32');
  for (const row of rows) {
    row.forEach((v, i) => {
      const w = widths[i]!;
      if (v < 0n || v >> BigInt(32 * w) !== 0n) {
        throw new BootConfigError('VALUE_TOO_WIDE', `${where}: 0x${v.toString(16)} does not fit in ${w} cell(s)`, {
          path: where,
          hint: 'raise #address-cells / #size-cells of the parent node',
        });
      }
      for (let c = w - 1; c >= 0; c--) vb.appendCell(Number((v >> BigInt(32 * c)) & 0xffffffffn));
    });
  }
  return vb.build();
}

/** How many cells a value needs (at least 1). */
export function cellsNeeded(v: bigint): number {
  let n = 1;
  while (v >> BigInt(32 * n) !== 0n) n++;
  return n;
}
