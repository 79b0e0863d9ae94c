/**
 * Lookups by phandle, label, path and reference that give exactly dtc's
 * answers (first live match in depth-first order, a node's own labels and
 * properties before its children) without dtc's walk of the whole tree per
 * lookup. Maps are built on first use. While the checks run they only add
 * phandles (reported through recordPhandle) and delete nodes (after which
 * the owner calls invalidate), so the maps never give a stale answer.
 */
import type { Marker } from './data.js';
import { type Node, type Property, walkNodes } from './livetree.js';

export interface PropertyHit {
  node: Node;
  prop: Property;
}

export interface MarkerHit extends PropertyHit {
  marker: Marker;
}

function* preorder(root: Node): IterableIterator<Node> {
  if (!root.deleted) yield* walkNodes(root);
}

/**
 * Phandle → node. Phandles are mostly small and dense (dtc counts them up
 * from 1), so those below DENSE_LIMIT live in an array indexed by value
 * (at most 2^20 slots, 4–8 MiB, whatever the blob says); larger values (any
 * 32-bit value is valid) go to a Map. With 100,000 phandles the array took
 * the checks from 1.04–1.17 to 0.97–1.05 s against a Map for all.
 */
const DENSE_LIMIT = 1 << 20;

class PhandleTable {
  private readonly dense: (Node | undefined)[] = [];
  private sparse: Map<number, Node> | undefined = undefined;

  get(phandle: number): Node | undefined {
    if (phandle < DENSE_LIMIT) return phandle < this.dense.length ? this.dense[phandle] : undefined;
    return this.sparse?.get(phandle);
  }

  /** Record `node` unless the value is taken (the first in depth-first order keeps it). */
  addFirst(phandle: number, node: Node): void {
    if (phandle < DENSE_LIMIT) {
      const dense = this.dense;
      // fill up to the index so that the array stays packed rather than holey-by-gap
      while (dense.length <= phandle) dense.push(undefined);
      if (dense[phandle] === undefined) dense[phandle] = node;
      return;
    }
    this.sparse ??= new Map();
    if (!this.sparse.has(phandle)) this.sparse.set(phandle, node);
  }
}

export class TreeLookup {
  private readonly root: Node;
  private labels?: Map<string, Node>;
  private labelsRepeat = false;
  private phandles?: PhandleTable;
  private propLabels?: Map<string, PropertyHit>;
  private markerLabels?: Map<string, MarkerHit>;
  private childNames = new WeakMap<Node, Map<string, Node>>();

  constructor(root: Node) {
    this.root = root;
  }

  /** dtc's get_node_by_label. */
  nodeByLabel(label: string): Node | undefined {
    return this.labelMap().get(label);
  }

  /** Forget everything; call after deleting nodes. */
  invalidate(): void {
    this.labels = undefined;
    this.phandles = undefined;
    this.propLabels = undefined;
    this.markerLabels = undefined;
    this.childNames = new WeakMap();
  }

  private labelMap(): Map<string, Node> {
    return this.labels ?? this.buildLabelMap();
  }

  /*
   * The maps are built in methods of their own, apart from the accessors the
   * checks call per node: V8 then inlines a few loads into those callers
   * rather than each builder's loop, which made every caller's optimised
   * code, and its recompiles after a deoptimisation, larger.
   */

  private buildLabelMap(): Map<string, Node> {
    // a loop with its own stack, not the preorder generator: this runs once per compile over every node
    const m = new Map<string, Node>();
    let repeated = false;
    const stack: Node[] = this.root.deleted ? [] : [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      // hasLabels first: reading labels would make an empty array on every node without one
      if (n.hasLabels) {
        for (const l of n.labels) {
          if (l.deleted) continue;
          if (!m.has(l.name)) m.set(l.name, n);
          else repeated = true;
        }
      }
      const children = n.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const c = children[i]!;
        if (!c.deleted) stack.push(c);
      }
    }
    this.labels = m;
    this.labelsRepeat = repeated;
    return m;
  }

  /**
   * Whether some label name is on more than one live node (or twice on
   * one). When not, every node label's first owner is its own node, which
   * is all duplicate_label asks of node labels.
   */
  nodeLabelsRepeat(): boolean {
    this.labelMap();
    return this.labelsRepeat;
  }

  /** dtc's get_node_by_phandle: 0 and 0xffffffff never match. */
  nodeByPhandle(phandle: number): Node | undefined {
    phandle >>>= 0;
    if (phandle === 0 || phandle === 0xffffffff) return undefined;
    return this.phandleMap().get(phandle);
  }

  /**
   * Tell the index that no live node has a phandle yet (the checks start
   * from zeroed phandles), so that the first lookup need not walk the tree.
   */
  noPhandlesYet(): void {
    this.phandles = new PhandleTable();
  }

  /** Tell the index that `node` now has `phandle` (explicit or assigned). */
  recordPhandle(node: Node, phandle: number): void {
    this.phandles?.addFirst(phandle >>> 0, node);
  }

  private phandleMap(): PhandleTable {
    return this.phandles ?? this.buildPhandleMap();
  }

  private buildPhandleMap(): PhandleTable {
    const m = new PhandleTable();
    for (const n of preorder(this.root)) {
      const p = n.phandle >>> 0;
      if (p !== 0 && p !== 0xffffffff) m.addFirst(p, n);
    }
    this.phandles = m;
    return m;
  }

  /** dtc's get_node_by_path, including its treatment of empty and repeated slashes. */
  nodeByPath(path: string): Node | undefined {
    let node = this.root;
    let rest = path;
    for (;;) {
      if (rest === '') return node.deleted ? undefined : node;
      let start = 0;
      while (rest[start] === '/') start++;
      const slash = rest.indexOf('/', start);
      const part = slash < 0 ? rest.slice(start) : rest.slice(start, slash);
      const child = this.child(node, part);
      if (!child) return undefined;
      if (slash < 0) return child;
      node = child;
      rest = rest.slice(slash + 1);
    }
  }

  /** First live child named `name` (dtc's get_subnode order). */
  child(node: Node, name: string): Node | undefined {
    return (this.childNames.get(node) ?? this.buildChildNames(node)).get(name);
  }

  private buildChildNames(node: Node): Map<string, Node> {
    const m = new Map<string, Node>();
    for (const c of node.children) if (!c.deleted && !m.has(c.name)) m.set(c.name, c);
    this.childNames.set(node, m);
    return m;
  }

  /** dtc's get_node_by_ref: `/` is the root, `/…` a path, anything else a label. */
  nodeByRef(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    if (ref.startsWith('/')) return this.nodeByPath(ref);
    return this.nodeByLabel(ref);
  }

  /** dtc's get_property_by_label (live properties, depth-first). */
  propertyByLabel(label: string): PropertyHit | undefined {
    if (!this.propLabels) {
      const m = new Map<string, PropertyHit>();
      for (const node of preorder(this.root)) {
        for (const prop of node.properties) {
          if (prop.deleted) continue;
          if (prop.hasLabels) for (const l of prop.labels) if (!l.deleted && !m.has(l.name)) m.set(l.name, { node, prop });
        }
      }
      this.propLabels = m;
    }
    return this.propLabels.get(label);
  }

  /** dtc's get_marker_label: value labels inside live properties, depth-first. */
  markerByLabel(label: string): MarkerHit | undefined {
    if (!this.markerLabels) {
      const m = new Map<string, MarkerHit>();
      for (const node of preorder(this.root)) {
        for (const prop of node.properties) {
          if (prop.deleted) continue;
          for (const marker of prop.value.markers) {
            if (marker.type === 'label' && marker.ref !== undefined && !m.has(marker.ref)) m.set(marker.ref, { node, prop, marker });
          }
        }
      }
      this.markerLabels = m;
    }
    return this.markerLabels.get(label);
  }
}
