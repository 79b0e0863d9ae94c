/** Walks a lazy DtbView and the eager readDtb tree side by side; returns the first difference, or undefined. */
import { readDtb } from '../../src/fdt/dtb/read.js';
import { openDtb, type DtbNodeView } from '../../src/fdt/dtb/view.js';
import type { Node } from '../../src/fdt/tree/livetree.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareNode(view: DtbNodeView, node: Node, path: string): string | undefined {
  if (view.name !== node.name) return `${path}: name ${JSON.stringify(view.name)} vs ${JSON.stringify(node.name)}`;
  const props = [...view.properties()];
  if (props.length !== node.properties.length) return `${path}: ${props.length} properties vs ${node.properties.length}`;
  for (let i = 0; i < props.length; i++) {
    const p = props[i]!;
    const q = node.properties[i]!;
    if (p.name !== q.name) return `${path}: property ${i} named ${p.name} vs ${q.name}`;
    if (!sameBytes(p.bytes, q.bytes)) return `${path}/${p.name}: different bytes`;
    if (view.property(p.name) !== undefined && !sameBytes(view.property(p.name)!, node.getProperty(p.name)!.bytes)) {
      return `${path}: property(${p.name}) is not the first of that name`;
    }
  }
  const kids = [...view.children()];
  if (kids.length !== node.children.length) return `${path}: ${kids.length} children vs ${node.children.length}`;
  for (let i = 0; i < kids.length; i++) {
    const d = compareNode(kids[i]!, node.children[i]!, `${path}/${node.children[i]!.name}`);
    if (d) return d;
  }
  return undefined;
}

export function viewDiffersFromReadDtb(blob: Uint8Array): string | undefined {
  const tree = readDtb(blob);
  const view = openDtb(blob);
  return compareNode(view.root, tree.root, '');
}
