/**
 * model → Hyperlaunch, in the 2025 series' form: `/chosen/hypervisor`
 * (compatible "hypervisor,xen") holding an optional `xen,config` node for
 * Xen's own modules and one `xen,domain` node per domain, dom0 included,
 * with `domid`, `capabilities`, `mode`, `memory`, `cpus` and
 * `multiboot,kernel` / `multiboot,ramdisk` modules located by `reg` or
 * `module-index`. For an arm64 target the dom0less properties of a domain
 * (vpl011, static memory, ...) and /chosen's own properties and cpupools are
 * carried along unchanged; for x86 they are losses.
 */
import type { DeviceTree, Node } from '../../fdt/tree/livetree.js';
import type { BootModel } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import type { Hypervisor } from '../../model/hypervisor.js';
import { CHOSEN_CODECS } from '../chosen-properties.js';
import { cellsOf } from '../cells.js';
import { DOMAIN_CODECS } from '../domain-properties.js';
import { fillChosen, startTree } from '../host-tree.js';
import { lossError } from '../loss-error.js';
import { TreeWriter, UniqueNames, domainCells, effectiveCells } from '../tree-writer.js';
import type { WriteResult } from '../dom0less/write.js';
import { CONFIG_CODECS, CONTAINER_CODECS, type Config, type Container } from './container-properties.js';

const IFACE = 'hyperlaunch';
const HV = '/chosen/hypervisor';

export interface HyperlaunchWriteOptions {
  /** Carry Arm (dom0less) properties and nodes; default: unless the target is x86_64. */
  arm?: boolean;
  allowLoss?: boolean;
}

/**
 * A domain converted from dom0less gets the domid dom0less would have
 * given it (dom0 0, then 1, 2, ... in order), because the 2025 series
 * defaults a missing domid to 0.
 */
function withDomid(d: Domain, index: number): Domain {
  if (d.domid !== undefined || d.origin?.interface === IFACE) return d;
  return { ...d, domid: d.isDom0 ? 0 : index + 1 };
}

function domainNode(w: TreeWriter, d: Domain, domid: number): Node {
  const own = domainCells(withDomid(d, domid));
  const path = `${HV}/${d.name}`;
  const cells = effectiveCells(own.addressCells, own.sizeCells);
  const node = w.node(d.name, own, DOMAIN_CODECS, { path, parentCells: cellsOf(undefined), ownCells: cells }, () => 'an Arm (dom0less) property; Hyperlaunch on x86 has no such property');
  const at = { path, parentCells: cells, ownCells: cells };
  return w.finish(node, d, w.domainChildren(d, at));
}

function configNode(w: TreeWriter, h: Hypervisor): Node | undefined {
  if (h.modules.length === 0 && !h.config) return undefined;
  const config: Config = h.config ?? { name: 'config', unknownProperties: [], unknownNodes: [] };
  const path = `${HV}/${config.name}`;
  const node = w.node(config.name, config, CONFIG_CODECS, { path, parentCells: cellsOf(undefined), ownCells: cellsOf(undefined) });
  const names = new UniqueNames();
  const mods = h.modules.map((m) => w.module(m, { path, parentCells: cellsOf(node), ownCells: cellsOf(node) }, names));
  return w.finish(node, config, mods.filter((n): n is Node => n !== undefined));
}

function containerNode(w: TreeWriter, model: BootModel): Node {
  const container: Container = model.hypervisor.container ?? { unknownProperties: [], unknownNodes: [] };
  const node = w.node('hypervisor', container, CONTAINER_CODECS, { path: HV, parentCells: cellsOf(undefined), ownCells: cellsOf(undefined) });
  const config = configNode(w, model.hypervisor);
  let domU = 0;
  const domains = model.domains.map((d) => domainNode(w, d, d.isDom0 ? 0 : domU++));
  return w.finish(node, container, config ? [config, ...domains] : domains);
}

export function writeHyperlaunchReport(model: BootModel, base?: DeviceTree, opts: HyperlaunchWriteOptions = {}): WriteResult {
  const start = startTree(model.host, base);
  const { tree } = start;
  const arm = opts.arm ?? model.target.arch !== 'x86_64';
  const w = new TreeWriter(IFACE, cellsOf(tree.root), arm);
  const h = model.hypervisor;
  const chosenCells = effectiveCells(h.chosenAddressCells, h.chosenSizeCells);
  const built = w.node('chosen', h, CHOSEN_CODECS, { path: '/chosen', parentCells: cellsOf(tree.root), ownCells: chosenCells }, (c) =>
    c.name.endsWith('bootargs') ? 'an Arm /chosen property; Xen on x86 takes its command lines from multiboot' : 'an Arm /chosen property; Xen on x86 does not read it',
  );
  const children: Node[] = [containerNode(w, model)];
  for (const p of model.cpupools) {
    const n = w.cpupool(p, { path: '/chosen', parentCells: chosenCells, ownCells: chosenCells });
    if (n) children.push(n);
  }
  children.push(...w.unknownChildren(h));
  const order = h.origin?.interface === IFACE ? h.origin.children : undefined;
  fillChosen(start, built, children, order);
  w.resolve(tree);
  return { tree, losses: w.losses };
}

/** model → Hyperlaunch tree; throws LOSSY_CONVERSION when something cannot be written and `allowLoss` is not set. */
export function writeHyperlaunch(model: BootModel, base?: DeviceTree, opts: HyperlaunchWriteOptions = {}): DeviceTree {
  const { tree, losses } = writeHyperlaunchReport(model, base, opts);
  if (losses.length > 0 && !opts.allowLoss) throw lossError(losses);
  return tree;
}
