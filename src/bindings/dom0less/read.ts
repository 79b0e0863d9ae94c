/**
 * dom0less (Arm) → model: /chosen, its module nodes, `xen,domain` nodes and
 * their children, cpupools, shared memory and event channels (reference §1,
 * §3.1). Values are checked for the types Xen needs; rules about what is
 * missing or inconsistent belong to the checker.
 */
import { type DeviceTree, type Node, getNodeByPath } from '../../fdt/tree/livetree.js';
import type { BootModel } from '../../model/boot-model.js';
import type { Cpupool } from '../../model/cpus.js';
import { type Domain, newDomain } from '../../model/domain.js';
import { BootConfigError } from '../../model/errors.js';
import { type Hypervisor, newHypervisor } from '../../model/hypervisor.js';
import type { BootModule, ModuleKind } from '../../model/module.js';
import type { ChannelRef } from '../../model/sharing.js';
import { CHOSEN_CODECS } from '../chosen-properties.js';
import { detectInterface } from '../detect.js';
import { hostTreeOf, passthroughPaths } from '../host-tree.js';
import { locate } from '../locate.js';
import { isModuleNode } from '../module-compatibles.js';
import { keepUnknownNode, readProperties } from '../node-io.js';
import { keepOr, readCpupool, readDomain, readEventChannel, readModule, readSharedMemory } from '../entity-read.js';
import { type TreeReader, compatibleOf, contextFor, isCompatible } from '../tree-reader.js';
import { type ReadOptions, attempter, readingFile, warner } from '../read-options.js';
import { flagVersions } from '../version-flags.js';

const IFACE = 'dom0less';
const DOM0_MODULE_KINDS: readonly ModuleKind[] = ['kernel', 'ramdisk', 'device-tree', 'unspecified'];

/** dom0 has no node in dom0less; it is named after Xen's own name unless a domU took it. */
function dom0Name(chosen: Node): string {
  return chosen.getChild('dom0') && isCompatible(chosen.getChild('dom0')!, 'xen,domain') ? 'Domain-0' : 'dom0';
}

function reader(root: Node, chosen: Node, dom0: string, opts: ReadOptions): TreeReader {
  return {
    iface: IFACE,
    root,
    warn: warner(opts),
    attempt: attempter(opts),
    channelOf(target): ChannelRef | undefined {
      const parent = target.parent;
      if (!parent || !isCompatible(target, 'xen,evtchn-v1')) return undefined;
      if (parent === chosen) return { domain: dom0, channel: target.name };
      if (parent.parent === chosen && isCompatible(parent, 'xen,domain')) return { domain: parent.name, channel: target.name };
      return undefined;
    },
    cpupoolOf: (target) => (target.parent === chosen && isCompatible(target, 'xen,cpupool') ? target.name : undefined),
  };
}

/** booting.txt: dom0 modules without a specific compatible are the kernel, then the ramdisk (XSM magic cannot be seen in a DT). */
function typeImplicitly(m: BootModule, guess: { n: number }, r: TreeReader, node: Node): void {
  if (m.kind !== 'unspecified') return;
  const n = guess.n++;
  if (n === 0 || n === 1) {
    m.kind = n === 0 ? 'kernel' : 'ramdisk';
    m.implicitKind = true;
  }
  if (n >= 1) {
    r.warn({ code: 'MODULE_IMPLICIT_KIND', message: `${node.path} has no specific compatible; Xen types it by position (${m.kind}) unless its contents start with the XSM magic`, ...locate(node, node.getProperty('compatible'), 'add "multiboot,ramdisk" or "xen,xsm-policy" before "multiboot,module"') });
  }
}

interface ChosenParts {
  hypervisor: Hypervisor;
  domains: Domain[];
  cpupools: Cpupool[];
}

function readChosen(r: TreeReader, chosen: Node, dom0: string): ChosenParts {
  const hypervisor = newHypervisor();
  hypervisor.origin = readProperties(hypervisor, CHOSEN_CODECS, contextFor(r, chosen), IFACE);
  const domains: Domain[] = [];
  const cpupools: Cpupool[] = [];
  let dom0Domain: Domain | undefined;
  const dom0Of = (): Domain => {
    if (!dom0Domain) {
      dom0Domain = newDomain(dom0, { isDom0: true, addressCells: hypervisor.chosenAddressCells, sizeCells: hypervisor.chosenSizeCells });
      if (dom0Domain.addressCells === undefined) delete dom0Domain.addressCells;
      if (dom0Domain.sizeCells === undefined) delete dom0Domain.sizeCells;
    }
    return dom0Domain;
  };
  const guess = { n: 0 };
  for (const child of chosen.liveChildren()) r.attempt(() => readChosenChild(child));
  return { hypervisor, domains: dom0Domain ? [dom0Domain, ...domains] : domains, cpupools };

  function readChosenChild(child: Node): void {
    const compat = compatibleOf(child);
    if (compat.includes('xen,domain')) domains.push(readDomain(r, child));
    else if (isModuleNode(compat, IFACE)) {
      const m = readModule(r, child);
      typeImplicitly(m, guess, r, child);
      (DOM0_MODULE_KINDS.includes(m.kind) ? dom0Of().modules : hypervisor.modules).push(m);
    } else if (compat.includes('xen,cpupool')) cpupools.push(readCpupool(r, child));
    else if (compat.includes('xen,domain-shared-memory-v1')) {
      const shm = readSharedMemory(r, child);
      keepOr(hypervisor, child, shm ? dom0Of().sharedMemory : [], shm);
    }
    else if (compat.includes('xen,evtchn-v1')) dom0Of().eventChannels.push(readEventChannel(r, child));
    else keepUnknownNode(hypervisor, child);
  }
}

function readDom0lessTree(tree: DeviceTree, opts: ReadOptions): BootModel {
  const detected = detectInterface(tree);
  if (detected.interface === 'hyperlaunch') {
    throw new BootConfigError('WRONG_INTERFACE', `${detected.path} makes this a Hyperlaunch tree, not dom0less`, { path: detected.path, hint: 'use readHyperlaunch or readBootConfig' });
  }
  const chosen = getNodeByPath(tree.root, '/chosen');
  if (!chosen) throw new BootConfigError('NO_CHOSEN', 'the tree has no /chosen node, so no dom0less configuration', { path: '/', hint: 'dom0less domains are xen,domain children of /chosen' });
  const dom0 = dom0Name(chosen);
  const r = reader(tree.root, chosen, dom0, opts);
  const parts = readChosen(r, chosen, dom0);
  const model: BootModel = { interface: IFACE, target: { ...opts.target }, ...parts, host: hostTreeOf(tree), hostPassthrough: passthroughPaths(tree) };
  flagVersions(model, r.warn);
  return model;
}

/** Read a dom0less configuration (a host tree with /chosen) into the model. */
export function readDom0less(tree: DeviceTree, opts: ReadOptions = {}): BootModel {
  return readingFile(opts, () => readDom0lessTree(tree, opts));
}
