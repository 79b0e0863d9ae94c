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
import type { Cells, Domain } from '../../model/domain.js';
import type { Hypervisor } from '../../model/hypervisor.js';
import { CHOSEN_CODECS } from '../chosen-properties.js';
import { cellsOf, inheritCells, readCells } from '../cells.js';
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

function domainNode(w: TreeWriter, d: Domain, domid: number, hvWalker: Cells): Node {
  const own = domainCells(withDomid(d, domid));
  const path = `${HV}/${d.name}`;
  const cells = effectiveCells(own.addressCells, own.sizeCells);
  const node = w.node(d.name, own, DOMAIN_CODECS, { path, parentCells: cellsOf(undefined), walkerCells: hvWalker }, () => 'an Arm (dom0less) property; Hyperlaunch on x86 has no such property');
  const at = { path, parentCells: cells, walkerCells: inheritCells({ address: own.addressCells, size: own.sizeCells }, hvWalker) };
  return w.finish(node, d, w.domainChildren(d, at));
}

function configNode(w: TreeWriter, h: Hypervisor): Node | undefined {
  if (h.modules.length === 0 && !h.config) return undefined;
  const config: Config = h.config ?? { name: 'config', unknownProperties: [], unknownNodes: [] };
  const path = `${HV}/${config.name}`;
  const node = w.node(config.name, config, CONFIG_CODECS, { path, parentCells: cellsOf(undefined), walkerCells: cellsOf(undefined) });
  const names = new UniqueNames();
  const mods = h.modules.map((m) => w.module(m, { path, parentCells: cellsOf(node), walkerCells: cellsOf(node) }, names));
  return w.finish(node, config, mods.filter((n): n is Node => n !== undefined));
}

/** #address-cells / #size-cells the container keeps as unknown properties (the model has no field for them). */
function containerCells(c: Container): { address?: number; size?: number } {
  const cell = (name: string): number | undefined => {
    const p = c.unknownProperties.find((u) => u.name === name);
    return p ? readCells(p.value.bytes)[0] : undefined;
  };
  return { address: cell('#address-cells'), size: cell('#size-cells') };
}

function containerNode(w: TreeWriter, model: BootModel, chosenWalker: Cells): Node {
  const container: Container = model.hypervisor.container ?? { unknownProperties: [], unknownNodes: [] };
  const node = w.node('hypervisor', container, CONTAINER_CODECS, { path: HV, parentCells: cellsOf(undefined), walkerCells: cellsOf(undefined) });
  const config = configNode(w, model.hypervisor);
  const hvWalker = inheritCells(containerCells(container), chosenWalker);
  let domU = 0;
  const domains = model.domains.map((d) => domainNode(w, d, d.isDom0 ? 0 : domU++, hvWalker));
  return w.finish(node, container, config ? [config, ...domains] : domains);
}

export function writeHyperlaunchReport(model: BootModel, base?: DeviceTree, opts: HyperlaunchWriteOptions = {}): WriteResult {
  const start = startTree(model.host, base);
  const { tree } = start;
  const arm = opts.arm ?? model.target.arch !== 'x86_64';
  const rootCells = cellsOf(tree.root);
  const w = new TreeWriter(IFACE, rootCells, arm);
  const h = model.hypervisor;
  const chosenCells = effectiveCells(h.chosenAddressCells, h.chosenSizeCells);
  const chosenWalker = inheritCells({ address: h.chosenAddressCells, size: h.chosenSizeCells }, rootCells);
  const built = w.node('chosen', h, CHOSEN_CODECS, { path: '/chosen', parentCells: rootCells, walkerCells: rootCells }, (c) =>
    c.name.endsWith('bootargs') ? 'an Arm /chosen property; Xen on x86 takes its command lines from multiboot' : 'an Arm /chosen property; Xen on x86 does not read it',
  );
  const children: Node[] = [containerNode(w, model, chosenWalker)];
  for (const p of model.cpupools) {
    const n = w.cpupool(p, { path: '/chosen', parentCells: chosenCells, walkerCells: chosenWalker });
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
