/**
 * model → dom0less: /chosen properties, dom0's modules and resources as
 * direct children of /chosen, one `xen,domain` node per other domain. A
 * model read from dom0less comes back byte for byte (origins); anything
 * dom0less cannot say is a loss, and writeDom0less refuses to drop it
 * unless asked to.
 */
import type { DeviceTree, Node } from '../../fdt/tree/livetree.js';
import type { BootModel } from '../../model/boot-model.js';
import type { Cells, Domain } from '../../model/domain.js';
import type { Hypervisor } from '../../model/hypervisor.js';
import type { Loss } from '../../model/loss.js';
import { CHOSEN_CODECS } from '../chosen-properties.js';
import { cellsNeeded, cellsOf, inheritCells } from '../cells.js';
import { DOMAIN_CODECS } from '../domain-properties.js';
import { fillChosen, startTree } from '../host-tree.js';
import { TreeWriter, UniqueNames, domainCells } from '../tree-writer.js';
import { lossError } from '../loss-error.js';

const IFACE = 'dom0less';
/** Properties of dom0 that dom0less has a place for (none: dom0 has no node). */
const DOM0_IMPLICIT = ['compatible', '#address-cells', '#size-cells'];

export interface WriteResult {
  tree: DeviceTree;
  losses: Loss[];
}

function needsWideChosen(model: BootModel): boolean {
  const dom0 = model.domains.find((d) => d.isDom0);
  const sizes = [...(dom0?.modules ?? []), ...model.hypervisor.modules].map((m) => (m.location?.type === 'range' ? m.location.size : 0n));
  return [...sizes, ...(dom0?.sharedMemory ?? []).map((s) => s.size)].some((s) => s > 0xffffffffn);
}

/** The widest address and size of the domUs' `xen,static-mem`, in cells: /chosen's cells (or those it inherits from the root) must hold them. */
function staticMemCellsNeeded(model: BootModel): Cells {
  const banks = model.domains.filter((d) => !d.isDom0).flatMap((d) => d.staticMemory ?? []);
  return { address: Math.max(1, ...banks.map((b) => cellsNeeded(b.address))), size: Math.max(1, ...banks.map((b) => cellsNeeded(b.size))) };
}

function chosenHypervisor(model: BootModel, rootCells: Cells): Hypervisor {
  const h = { ...model.hypervisor };
  const inherited = inheritCells({ address: h.chosenAddressCells, size: h.chosenSizeCells }, rootCells);
  const banks = staticMemCellsNeeded(model);
  if (h.chosenSizeCells === undefined && (needsWideChosen(model) || inherited.size < banks.size)) h.chosenSizeCells = 2;
  if (h.chosenAddressCells === undefined && inherited.address < banks.address) h.chosenAddressCells = 2;
  return h;
}

function dom0Losses(w: TreeWriter, d: Domain): void {
  const reasons: Record<string, string> = {
    memory: 'dom0 has no node in dom0less; give dom0_mem= on the Xen command line',
    cpus: 'dom0 has no node in dom0less; give dom0_max_vcpus= on the Xen command line',
  };
  for (const c of DOMAIN_CODECS) {
    if (DOM0_IMPLICIT.includes(c.name) || c.fingerprint(d) === undefined) continue;
    if (c.name === 'domid' && d.domid === 0) continue;
    if (c.name === 'capabilities' && d.capabilities?.control && d.capabilities.hardware && d.capabilities.xenstore) continue;
    w.lose(d, `/chosen/${d.name}`, c.name, reasons[c.name] ?? 'dom0 has no node in dom0less, so no per-domain properties');
  }
  for (const u of d.unknownProperties) w.lose(d, `/chosen/${d.name}`, u.name, 'dom0 has no node in dom0less');
  for (const u of d.unknownNodes) w.lose(d, `/chosen/${d.name}/${u.node.name}`, u.node.name, 'dom0 has no node in dom0less');
  for (const v of d.vcpuPins) w.lose(v, `/chosen/${d.name}/${v.name}`, 'xen,vcpu', 'dom0 has no node in dom0less');
}

/** Where /chosen's children are written: `cells` for their `reg`, `walker` for what Xen reads their own banks with. */
interface ChosenCells {
  cells: Cells;
  walker: Cells;
}

function dom0Nodes(w: TreeWriter, d: Domain, chosen: ChosenCells, names: UniqueNames): Node[] {
  dom0Losses(w, d);
  const at = { path: '/chosen', parentCells: chosen.cells, walkerCells: chosen.walker };
  const out: Node[] = [];
  for (const m of d.modules) {
    const n = w.module(m, at, names);
    if (n) out.push(n);
  }
  for (const s of d.sharedMemory) {
    const n = w.sharedMemory(s, at);
    if (n) out.push(n);
  }
  for (const e of d.eventChannels) {
    const n = w.eventChannel(d.name, e, at);
    if (n) out.push(n);
  }
  return out;
}

function domainNode(w: TreeWriter, d: Domain, domid: number, chosen: ChosenCells): Node {
  const own = domainCells(d.domid === domid ? { ...d, domid: undefined } : d);
  if (own.domid === undefined) delete own.domid;
  const path = `/chosen/${d.name}`;
  const cells = inheritCells({ address: own.addressCells, size: own.sizeCells }, chosen.walker);
  const node = w.node(d.name, own, DOMAIN_CODECS, { path, parentCells: chosen.cells, walkerCells: chosen.walker }, (c) =>
    c.name === 'domid' ? `dom0less allocates domids in node order (this domain gets ${domid})` : 'dom0less has no such property',
  );
  const at = { path, parentCells: cells, walkerCells: inheritCells({ address: own.addressCells, size: own.sizeCells }, chosen.walker) };
  return w.finish(node, d, w.domainChildren(d, at));
}

function hyperlaunchOnlyLosses(w: TreeWriter, h: Hypervisor): void {
  for (const part of [h.container, h.config]) {
    if (!part) continue;
    const path = part.origin?.path ?? '/chosen/hypervisor';
    for (const u of part.unknownProperties) w.lose(part, path, u.name, 'dom0less has no Hyperlaunch container or config node');
    for (const u of part.unknownNodes) w.lose(part, `${path}/${u.node.name}`, u.node.name, 'dom0less has no Hyperlaunch container or config node');
  }
}

/** The tree and everything that could not be written. */
export function writeDom0lessReport(model: BootModel, base?: DeviceTree): WriteResult {
  const start = startTree(model.host, base);
  const { tree } = start;
  const rootCells = cellsOf(tree.root);
  const h = chosenHypervisor(model, rootCells);
  const w = new TreeWriter(IFACE, rootCells, true);
  // Xen's FDT walker hands a node the cells its nearest ancestor sets: a `reg` under /chosen is written in those.
  const walker = inheritCells({ address: h.chosenAddressCells, size: h.chosenSizeCells }, rootCells);
  const chosen: ChosenCells = { cells: walker, walker };
  const built = w.node('chosen', h, CHOSEN_CODECS, { path: '/chosen', parentCells: rootCells, walkerCells: rootCells });
  hyperlaunchOnlyLosses(w, h);
  const names = new UniqueNames();
  const children: Node[] = [];
  const dom0 = model.domains.find((d) => d.isDom0);
  if (dom0) children.push(...dom0Nodes(w, dom0, chosen, names));
  const at = { path: '/chosen', parentCells: chosen.cells, walkerCells: chosen.walker };
  for (const m of h.modules) {
    const n = w.module(m, at, names);
    if (n) children.push(n);
  }
  for (const p of model.cpupools) {
    const n = w.cpupool(p, at);
    if (n) children.push(n);
  }
  model.domains.filter((d) => !d.isDom0).forEach((d, i) => children.push(domainNode(w, d, i + 1, chosen)));
  children.push(...w.unknownChildren(h));
  const order = h.origin?.interface === IFACE ? h.origin.children : undefined;
  fillChosen(start, built, children, order);
  w.resolve(tree);
  return { tree, losses: w.losses };
}

/** model → dom0less tree; throws LOSSY_CONVERSION when something cannot be written and `allowLoss` is not set. */
export function writeDom0less(model: BootModel, base?: DeviceTree, opts: { allowLoss?: boolean } = {}): DeviceTree {
  const { tree, losses } = writeDom0lessReport(model, base);
  if (losses.length > 0 && !opts.allowLoss) throw lossError(losses);
  return tree;
}

