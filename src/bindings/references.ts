/**
 * Phandle references in both directions. Reading accepts a resolved tree
 * (phandle numbers, as in a DTB) and a freshly parsed one (dtc's reference
 * markers, zero bytes). Writing fills references after the whole tree is
 * built, giving the target a `phandle` property when it has none.
 */
import { PropertyValue } from '../fdt/tree/data.js';
import { type Node, Property, walkNodes } from '../fdt/tree/livetree.js';
import { findNodeByRef } from '../fdt/tree/merge.js';

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

/**
 * Label and phandle lookups over a tree that does not change while it is
 * read: built on first use, first match in depth-first order (as dtc and
 * Xen find them), so resolving every reference of a large configuration
 * stays linear.
 */
export class ReferenceIndex {
  private labels?: Map<string, Node>;
  private phandles?: Map<number, Node>;

  constructor(private readonly root: Node) {}

  private build(): void {
    this.labels = new Map();
    this.phandles = new Map();
    for (const n of walkNodes(this.root)) {
      for (const l of n.labels) if (!l.deleted && !this.labels.has(l.name)) this.labels.set(l.name, n);
      const ph = phandleOf(n);
      if (ph !== 0 && !this.phandles.has(ph)) this.phandles.set(ph, n);
    }
  }

  byRef(ref: string): Node | undefined {
    if (ref.startsWith('/')) return findNodeByRef(this.root, ref);
    if (!this.labels) this.build();
    return this.labels!.get(ref);
  }

  byPhandle(ph: number): Node | undefined {
    if (ph === 0 || ph === 0xffffffff) return undefined;
    if (!this.phandles) this.build();
    return this.phandles!.get(ph);
  }

  /** The node a 4-byte reference at `offset` of `p` points to. */
  target(p: Property, offset: number): Node | undefined {
    const marker = p.value.markers.find((m) => m.type === 'ref-phandle' && m.offset === offset);
    if (marker?.ref !== undefined) return this.byRef(marker.ref);
    if (offset + 4 > p.bytes.length) return undefined;
    return this.byPhandle(new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength).getUint32(offset));
  }
}

export interface PendingRef<T> {
  prop: Property;
  offset: number;
  target: T;
}

/** Hands out phandles above the largest one in the tree (found once, not per reference). */
class PhandleAllocator {
  private next = 0;

  constructor(private readonly root: Node) {}

  /** Give `node` a phandle (a `phandle` property) unless it has one. */
  ensure(node: Node): number {
    const have = phandleOf(node);
    if (have) return have;
    if (this.next === 0) {
      let max = 0;
      for (const n of walkNodes(this.root)) max = Math.max(max, phandleOf(n));
      this.next = max + 1;
    }
    const ph = this.next++;
    node.phandle = ph;
    node.addProperty(new Property('phandle', PropertyValue.fromCells([ph])));
    return ph;
  }
}

/** Write the phandle of each target into its property (and drop stale markers at that offset). */
export function resolveReferences<T>(root: Node, refs: readonly PendingRef<T>[], find: (t: T) => Node | undefined, missing: (r: PendingRef<T>) => never): void {
  const phandles = new PhandleAllocator(root);
  for (const r of refs) {
    const node = find(r.target);
    if (!node) missing(r);
    const ph = phandles.ensure(node);
    const v = r.prop.value;
    new DataView(v.bytes.buffer, v.bytes.byteOffset).setUint32(r.offset, ph);
    v.markers = v.markers.filter((m) => !(m.type === 'ref-phandle' && m.offset === r.offset));
  }
}
