/**
 * Hyperlaunch → model: `/chosen/hypervisor` (compatible "hypervisor,xen")
 * with `xen,config` and `xen,domain` children. Both published forms are
 * read (reference §2.2 design document, §2.3 2025 x86 series); the form is
 * recorded so that tools can say which one a tree follows. Arm dom0less
 * properties inside a domain node are read too (they are how an arm64
 * Hyperlaunch domain says the same things).
 */
import { type DeviceTree, type Node, getNodeByPath } from '../../fdt/tree/livetree.js';
import type { BootModel, HyperlaunchForm } from '../../model/boot-model.js';
import type { Cpupool } from '../../model/cpus.js';
import type { Domain } from '../../model/domain.js';
import { BootConfigError } from '../../model/errors.js';
import { type Hypervisor, newHypervisor } from '../../model/hypervisor.js';
import type { ChannelRef } from '../../model/sharing.js';
import { CHOSEN_CODECS } from '../chosen-properties.js';
import { detectInterface } from '../detect.js';
import { hostTreeOf, passthroughPaths } from '../host-tree.js';
import { locate } from '../locate.js';
import { isModuleNode } from '../module-compatibles.js';
import { keepUnknownNode, readProperties } from '../node-io.js';
import { type TreeReader, compatibleOf, contextFor, isCompatible } from '../tree-reader.js';
import { type ReadOptions, attempter, readingFile, warner } from '../read-options.js';
import { flagVersions } from '../version-flags.js';
import { readCpupool, readDomain, readModule } from '../entity-read.js';
import { CONFIG_CODECS, CONTAINER_CODECS, type Config, type Container } from './container-properties.js';

const IFACE = 'hyperlaunch';
/** DOMID_FIRST_RESERVED. */
const DOMID_LIMIT = 0x7ff0;
const DESIGN_PROPERTIES = ['permissions', 'functions', 'domain-uuid', 'security-id', 'mb-index', 'module-addr'];

function reader(root: Node, chosen: Node, container: Node, opts: ReadOptions): TreeReader {
  return {
    iface: IFACE,
    root,
    warn: warner(opts),
    attempt: attempter(opts),
    channelOf(target): ChannelRef | undefined {
      const parent = target.parent;
      if (!parent || !isCompatible(target, 'xen,evtchn-v1')) return undefined;
      return parent.parent === container && isCompatible(parent, 'xen,domain') ? { domain: parent.name, channel: target.name } : undefined;
    },
    cpupoolOf: (target) => (target.parent === chosen && isCompatible(target, 'xen,cpupool') ? target.name : undefined),
  };
}

function readConfig(r: TreeReader, node: Node, h: Hypervisor): Config {
  const config: Config = { name: node.name, unknownProperties: [], unknownNodes: [] };
  config.origin = readProperties(config, CONFIG_CODECS, contextFor(r, node), IFACE);
  for (const c of node.liveChildren()) {
    if (isModuleNode(compatibleOf(c), IFACE)) h.modules.push(readModule(r, c));
    else keepUnknownNode(config, c);
  }
  return config;
}

function readContainer(r: TreeReader, node: Node, h: Hypervisor): Domain[] {
  const container: Container = { unknownProperties: [], unknownNodes: [] };
  container.origin = readProperties(container, CONTAINER_CODECS, contextFor(r, node), IFACE);
  h.container = container;
  const domains: Domain[] = [];
  for (const c of node.liveChildren()) {
    const compat = compatibleOf(c);
    if (compat.includes('xen,config')) r.attempt(() => (h.config = readConfig(r, c, h)));
    else if (compat.includes('xen,domain')) r.attempt(() => domains.push(readDomain(r, c)));
    else {
      r.warn({ code: 'HL_UNKNOWN_NODE', message: `${c.path} is neither xen,config nor xen,domain; Xen ignores it`, ...locate(c, c.getProperty('compatible')) });
      keepUnknownNode(container, c);
    }
  }
  return domains;
}

function formOf(container: Node): HyperlaunchForm {
  const stack = [container];
  while (stack.length) {
    const n = stack.pop()!;
    if (DESIGN_PROPERTIES.some((p) => n.getProperty(p)) || compatibleOf(n).some((c) => c.startsWith('module,'))) return 'design';
    stack.push(...n.liveChildren());
  }
  return 'series-2025';
}

/**
 * The 2025 series refuses reserved domids; the design document uses one
 * for its boot domain (0x7FF5), so a design-form tree only gets a warning.
 */
function checkDomids(domains: readonly Domain[], container: Node, form: HyperlaunchForm, r: TreeReader): void {
  const seen = new Set<number>();
  for (const d of domains) {
    if (d.domid === undefined) continue;
    const node = container.getChild(d.name)!;
    const where = locate(node, node.getProperty('domid'));
    const reserved = `${node.path}:domid = 0x${d.domid.toString(16)} is reserved (at or above DOMID_FIRST_RESERVED 0x7ff0)`;
    if (d.domid >= DOMID_LIMIT && form === 'design') r.warn({ code: 'DOMID_RESERVED', message: `${reserved}; the 2025 series refuses it`, ...where });
    else if (d.domid >= DOMID_LIMIT) throw new BootConfigError('DOMID_INVALID', `${reserved}; Xen fails "invalid domain id for domain ${d.name}"`, where);
    if (seen.has(d.domid)) throw new BootConfigError('DOMID_DUPLICATE', `${node.path}:domid = ${d.domid} is already used; Xen fails "duplicate id for domain ${d.name}"`, where);
    seen.add(d.domid);
  }
}

/** The initial domain: domid 0, the design's LEGACY_DOM0 function, or the 2025 series' default id when only one domain is given. */
function markDom0(domains: Domain[], form: HyperlaunchForm): void {
  for (const d of domains) {
    d.isDom0 = d.domid === 0 || d.functions?.legacyDom0 === true || (d.domid === undefined && form === 'series-2025' && domains.length === 1);
  }
}

function readChosenChildren(r: TreeReader, chosen: Node, container: Node, h: Hypervisor): { domains: Domain[]; cpupools: Cpupool[] } {
  let domains: Domain[] = [];
  const cpupools: Cpupool[] = [];
  for (const c of chosen.liveChildren()) {
    const compat = compatibleOf(c);
    if (c === container) domains = readContainer(r, c, h);
    else if (compat.includes('xen,cpupool')) r.attempt(() => cpupools.push(readCpupool(r, c)));
    else {
      if (isModuleNode(compat, 'dom0less')) r.warn({ code: 'HL_STRAY_MODULE', message: `${c.path} is a dom0less module node; with ${container.path} present Xen does not read it`, ...locate(c) });
      keepUnknownNode(h, c);
    }
  }
  return { domains, cpupools };
}

function readHyperlaunchTree(tree: DeviceTree, opts: ReadOptions): BootModel {
  const detected = detectInterface(tree);
  if (detected.interface !== 'hyperlaunch') {
    throw new BootConfigError('WRONG_INTERFACE', 'the tree has no /chosen/hypervisor node, so no Hyperlaunch configuration', { path: '/chosen', hint: 'use readDom0less or readBootConfig' });
  }
  const chosen = getNodeByPath(tree.root, '/chosen')!;
  const container = getNodeByPath(tree.root, detected.path!)!;
  const r = reader(tree.root, chosen, container, opts);
  const hypervisor = newHypervisor();
  hypervisor.origin = readProperties(hypervisor, CHOSEN_CODECS, contextFor(r, chosen), IFACE);
  const { domains, cpupools } = readChosenChildren(r, chosen, container, hypervisor);
  const form = formOf(container);
  checkDomids(domains, container, form, r);
  markDom0(domains, form);
  const model: BootModel = { interface: IFACE, hyperlaunchForm: form, target: { ...opts.target }, hypervisor, domains, cpupools, host: hostTreeOf(tree), hostPassthrough: passthroughPaths(tree) };
  flagVersions(model, r.warn);
  return model;
}

/** Read a Hyperlaunch configuration (/chosen/hypervisor) into the model. */
export function readHyperlaunch(tree: DeviceTree, opts: ReadOptions = {}): BootModel {
  return readingFile(opts, () => readHyperlaunchTree(tree, opts));
}
