/**
 * The host tree around a boot configuration: everything except what the
 * model holds. /chosen (and /chosen/hypervisor) are kept as empty anchors
 * so that a writer puts the configuration back at the same place among
 * their siblings.
 */
import { DeviceTree, Node, type Property, getNodeByPath, walkNodes } from '../fdt/tree/livetree.js';
import { CHOSEN_CODECS } from './chosen-properties.js';
import { isModuleNode } from './module-compatibles.js';
import { inSourceOrder } from './node-io.js';
import { copyNode } from './node-copy.js';
import { compatibleOf } from './tree-reader.js';

function copyTree(tree: DeviceTree, hollow?: Node): DeviceTree {
  const out = new DeviceTree(copyNode(tree.root, hollow));
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
  // The copy's /chosen is the source root's first live `chosen` child (a copied root is never deleted).
  const host = copyTree(tree, tree.root.getChild('chosen'));
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

/** /chosen children that are boot configuration, in either interface. */
function isBootConfigNode(n: Node): boolean {
  const compat = compatibleOf(n);
  return n.name === 'hypervisor' || compat.includes('xen,domain') || compat.includes('xen,cpupool') || compat.includes('xen,domain-shared-memory-v1') || compat.includes('xen,evtchn-v1') || isModuleNode(compat, 'dom0less');
}

export interface WriteStart {
  tree: DeviceTree;
  chosen: Node;
  /** What a caller-given base tree had in /chosen besides a boot configuration (`stdout-path`, ...). */
  keptProperties: Property[];
  keptChildren: Node[];
}

/**
 * The tree a writer starts from: the model's host tree, or a base tree the
 * caller gives (a board DTB) with any boot configuration taken out of its
 * /chosen and the rest of /chosen kept.
 */
export function startTree(host: DeviceTree | undefined, base?: DeviceTree): WriteStart {
  const from = base ?? host;
  const tree = from ? copyTree(from) : new DeviceTree();
  let chosen = getNodeByPath(tree.root, '/chosen');
  if (!chosen) {
    chosen = new Node('chosen');
    tree.root.addChild(chosen);
  }
  const configProps = new Set(CHOSEN_CODECS.map((c) => c.name));
  const keptProperties = base ? Array.from(chosen.liveProperties()).filter((p) => !configProps.has(p.name)) : [];
  const keptChildren = base ? Array.from(chosen.liveChildren()).filter((c) => !isBootConfigNode(c)) : [];
  empty(chosen);
  return { tree, chosen, keptProperties, keptChildren };
}

/** Put the written /chosen in place: kept base entries first, the configuration after (its own source order). */
export function fillChosen(start: WriteStart, built: Node, children: readonly Node[], order: readonly string[] | undefined): void {
  const { chosen } = start;
  const written = new Set(built.properties.map((p) => p.name));
  chosen.properties = [...start.keptProperties.filter((p) => !written.has(p.name)), ...built.properties];
  if (chosen.labels.length === 0) chosen.labels = built.labels;
  const names = new Set(children.map((c) => c.name));
  for (const c of start.keptChildren) if (!names.has(c.name)) chosen.addChild(c);
  for (const c of inSourceOrder(children, (c) => c.name, order)) chosen.addChild(c);
}
