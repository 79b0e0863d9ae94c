/**
 * Automatic phandle assignment with dtc's numbering: the lowest value from a
 * per-tree counter that no live node already uses. dtc finds "used" by
 * walking the tree for every candidate; we keep a set, built on first use
 * and dropped whenever the tree's nodes are deleted or phandles change
 * outside this module (call invalidatePhandleIndex).
 */
import { PropertyValue } from './data.js';
import { type DeviceTree, type Node, Property, walkNodes } from './livetree.js';

export type PhandleFormat = 'legacy' | 'epapr' | 'both';

const usedIndex = new WeakMap<DeviceTree, Set<number>>();

function usedPhandles(tree: DeviceTree): Set<number> {
  let used = usedIndex.get(tree);
  if (!used) {
    used = new Set();
    for (const n of walkNodes(tree.root)) {
      if (!n.deleted && n.phandle !== 0 && n.phandle !== 0xffffffff) used.add(n.phandle);
    }
    usedIndex.set(tree, used);
  }
  return used;
}

/** Forget the cached set of used phandles (after deletions or explicit edits). */
export function invalidatePhandleIndex(tree: DeviceTree): void {
  usedIndex.delete(tree);
}

/** Record a phandle set outside assignPhandle (e.g. from an explicit `phandle` property). */
export function notePhandle(tree: DeviceTree, phandle: number): void {
  usedIndex.get(tree)?.add(phandle);
}

/**
 * dtc's get_node_phandle: return the node's phandle, assigning the next free
 * one if it has none, and appending `linux,phandle` and/or `phandle` (per
 * the -H format) at the end of its property list when not already present.
 */
export function assignPhandle(tree: DeviceTree, node: Node, format: PhandleFormat = 'epapr'): number {
  if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
  const used = usedPhandles(tree);
  let candidate = tree.nextPhandle;
  while (used.has(candidate)) candidate++;
  tree.nextPhandle = candidate;
  node.phandle = candidate;
  used.add(candidate);
  if (format !== 'epapr' && !node.getProperty('linux,phandle')) {
    node.addProperty(new Property('linux,phandle', PropertyValue.fromCells([candidate])));
  }
  if (format !== 'legacy' && !node.getProperty('phandle')) {
    node.addProperty(new Property('phandle', PropertyValue.fromCells([candidate])));
  }
  return candidate;
}
