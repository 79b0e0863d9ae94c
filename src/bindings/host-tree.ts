/**
 * The host tree around a boot configuration: everything except what the
 * model holds. /chosen (and /chosen/hypervisor) are kept as empty anchors
 * so that a writer puts the configuration back at the same place among
 * their siblings.
 */
import { DeviceTree, Node, getNodeByPath, walkNodes } from '../fdt/livetree.js';
import { copyNode } from './node-copy.js';

function copyTree(tree: DeviceTree): DeviceTree {
  const out = new DeviceTree(copyNode(tree.root));
  out.reservations = tree.reservations.map((r) => ({ address: r.address, size: r.size, labels: r.labels.map((l) => ({ ...l })) }));
  out.bootCpuidPhys = tree.bootCpuidPhys;
  out.dtsV1 = tree.dtsV1;
  out.plugin = tree.plugin;
  return out;
}

function empty(node: Node): void {
  node.properties = [];
  node.children = [];
}

/** A copy of `tree` with the /chosen contents removed (the model holds them). */
export function hostTreeOf(tree: DeviceTree): DeviceTree {
  const host = copyTree(tree);
  const chosen = getNodeByPath(host.root, '/chosen');
  if (chosen) empty(chosen);
  return host;
}

/** Host device nodes with `xen,passthrough` (hidden from dom0). */
export function passthroughPaths(tree: DeviceTree): string[] {
  const out: string[] = [];
  for (const n of walkNodes(tree.root)) if (n.getProperty('xen,passthrough')) out.push(n.path);
  return out;
}

/** The tree a writer starts from: a copy of the base (its /chosen emptied) or an empty root. */
export function startTree(base: DeviceTree | undefined): { tree: DeviceTree; chosen: Node } {
  const tree = base ? hostTreeOf(base) : new DeviceTree();
  let chosen = getNodeByPath(tree.root, '/chosen');
  if (!chosen) {
    chosen = new Node('chosen');
    tree.root.addChild(chosen);
  }
  return { tree, chosen };
}
