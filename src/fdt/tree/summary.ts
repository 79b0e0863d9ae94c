/** A short, human-readable account of a tree: counts and an outline. */
import { type DeviceTree, type Node, liveLabels, walkNodes } from './livetree.js';

export interface TreeSummary {
  nodes: number;
  properties: number;
  propertyBytes: number;
  labels: number;
  phandles: number;
  reservations: number;
  maxDepth: number;
}

export function summarizeTree(tree: DeviceTree): TreeSummary {
  const s: TreeSummary = { nodes: 0, properties: 0, propertyBytes: 0, labels: 0, phandles: 0, reservations: tree.reservations.length, maxDepth: 0 };
  const depthOf = new Map<Node, number>([[tree.root, 0]]);
  for (const n of walkNodes(tree.root)) {
    const depth = n.parent ? depthOf.get(n.parent)! + 1 : 0;
    depthOf.set(n, depth);
    s.nodes++;
    s.maxDepth = Math.max(s.maxDepth, depth);
    s.labels += liveLabels(n.labels).length;
    if (n.phandle !== 0 && n.phandle !== 0xffffffff) s.phandles++;
    for (const p of n.liveProperties()) {
      s.properties++;
      s.propertyBytes += p.bytes.length;
    }
  }
  return s;
}

/** One line per node, indented by depth, with its labels and property count; stops after `maxLines`. */
export function outlineTree(tree: DeviceTree, maxLines = 60): string[] {
  const lines: string[] = [];
  const visit = (n: Node, depth: number): boolean => {
    if (lines.length >= maxLines) return false;
    const labels = liveLabels(n.labels).map((l) => `${l.name}: `).join('');
    let props = 0;
    for (const _ of n.liveProperties()) props++;
    lines.push(`${'  '.repeat(depth)}${labels}${n.parent ? n.name : '/'}  (${props} ${props === 1 ? 'property' : 'properties'})`);
    for (const c of n.liveChildren()) if (!visit(c, depth + 1)) return false;
    return true;
  };
  if (!visit(tree.root, 0)) lines.push('  ...');
  return lines;
}
