/**
 * Phandle references in both directions. Reading accepts a resolved tree
 * (phandle numbers, as in a DTB) and a freshly parsed one (dtc's reference
 * markers, zero bytes). Writing fills references after the whole tree is
 * built, giving the target a `phandle` property when it has none.
 */
import { PropertyValue } from '../fdt/data.js';
import { type Node, Property, walkNodes } from '../fdt/livetree.js';
import { findNodeByRef } from '../fdt/tree-merge.js';

function phandleProp(n: Node): number {
  for (const name of ['phandle', 'linux,phandle']) {
    const p = n.getProperty(name);
    if (p && p.bytes.length === 4) return new DataView(p.bytes.buffer, p.bytes.byteOffset, 4).getUint32(0);
  }
  return 0;
}

export function phandleOf(n: Node): number {
  const explicit = phandleProp(n);
  if (explicit) return explicit;
  return n.phandle !== 0xffffffff ? n.phandle : 0;
}

export function nodeByPhandle(root: Node, ph: number): Node | undefined {
  if (ph === 0 || ph === 0xffffffff) return undefined;
  for (const n of walkNodes(root)) if (phandleOf(n) === ph) return n;
  return undefined;
}

/** The node a 4-byte reference at `offset` of `p` points to. */
export function referenceTarget(root: Node, p: Property, offset: number): Node | undefined {
  const marker = p.value.markers.find((m) => m.type === 'ref-phandle' && m.offset === offset);
  if (marker?.ref !== undefined) return findNodeByRef(root, marker.ref);
  if (offset + 4 > p.bytes.length) return undefined;
  return nodeByPhandle(root, new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(offset));
}

export interface PendingRef<T> {
  prop: Property;
  offset: number;
  target: T;
}

/** Give `node` a phandle (a `phandle` property) unless it has one. */
export function ensurePhandle(root: Node, node: Node): number {
  const have = phandleOf(node);
  if (have) return have;
  let max = 0;
  for (const n of walkNodes(root)) max = Math.max(max, phandleOf(n));
  const ph = max + 1;
  node.phandle = ph;
  node.addProperty(new Property('phandle', PropertyValue.fromCells([ph])));
  return ph;
}

/** Write the phandle of each target into its property (and drop stale markers at that offset). */
export function resolveReferences<T>(root: Node, refs: readonly PendingRef<T>[], find: (t: T) => Node | undefined, missing: (r: PendingRef<T>) => never): void {
  for (const r of refs) {
    const node = find(r.target);
    if (!node) missing(r);
    const ph = ensurePhandle(root, node);
    const v = r.prop.value;
    new DataView(v.bytes.buffer, v.bytes.byteOffset).setUint32(r.offset, ph);
    v.markers = v.markers.filter((m) => !(m.type === 'ref-phandle' && m.offset === r.offset));
  }
}
