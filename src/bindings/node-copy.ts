/** Deep copies of live subtrees (deleted entries left out), so a model never shares nodes with its source tree. */
import { type Label, Node, Property } from '../fdt/tree/livetree.js';

function copyLabels(labels: readonly Label[]): Label[] {
  return labels.filter((l) => !l.deleted).map((l) => ({ name: l.name, deleted: false }));
}

export function copyProperty(p: Property): Property {
  const q = new Property(p.name, p.value.clone(), p.position);
  q.labels = copyLabels(p.labels);
  return q;
}

/**
 * The node and its live descendants; parent links inside the copy only.
 * `hollow` (a descendant of `src`) is copied without properties or
 * children: the host tree leaves /chosen empty, and copying a large
 * configuration only to drop it would cost most of a read.
 */
export function copyNode(src: Node, hollow?: Node): Node {
  const top = shallowCopy(src);
  const work: [Node, Node][] = [[src, top]];
  while (work.length) {
    const [from, to] = work.pop()!;
    for (const c of from.liveChildren()) {
      if (c === hollow) {
        to.addChild(shellCopy(c));
        continue;
      }
      const cc = shallowCopy(c);
      to.addChild(cc);
      work.push([c, cc]);
    }
  }
  return top;
}

/** The node's own name, labels and phandle only. */
function shellCopy(src: Node): Node {
  const n = new Node(src.name, src.position);
  n.labels = copyLabels(src.labels);
  n.phandle = src.phandle;
  return n;
}

/** The node's own name, labels, phandle and properties, without children. */
export function shallowCopy(src: Node): Node {
  const n = shellCopy(src);
  for (const p of src.liveProperties()) n.addProperty(copyProperty(p));
  return n;
}

export function labelsOf(node: Node): string[] {
  return node.labels.filter((l) => !l.deleted).map((l) => l.name);
}
