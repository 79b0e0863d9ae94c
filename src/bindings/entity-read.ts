/**
 * Reading the nodes both interfaces share — domains, modules, vCPU pins,
 * shared memory, event channels, cpupools — each through its property table.
 */
import type { Node } from '../fdt/tree/livetree.js';
import type { Cpupool, VcpuPin } from '../model/cpus.js';
import { type Domain, newDomain } from '../model/domain.js';
import { BootConfigError } from '../model/errors.js';
import { type BootModule, newModule } from '../model/module.js';
import type { BindingInterface } from '../model/origin.js';
import type { EventChannel, SharedMemory } from '../model/sharing.js';
import { CPUPOOL_CODECS, VCPU_CODECS } from './cpu-properties.js';
import { DOMAIN_CODECS } from './domain-properties.js';
import { locate } from './locate.js';
import { LEGACY_MODULE_COMPATIBLES, isModuleNode, kindFromCompatible } from './module-compatibles.js';
import { moduleCodecs } from './module-properties.js';
import { keepUnknownNode, readProperties } from './node-io.js';
import type { PropCodec } from './property-codec.js';
import { type TreeReader, compatibleOf, contextFor } from './tree-reader.js';
import { EVTCHN_CODECS, SHM_CODECS } from './sharing-properties.js';

// The tables each reader decodes with, built once: a large configuration reads thousands of nodes with them.
const MODULE_CODECS: Readonly<Record<BindingInterface, readonly PropCodec<BootModule>[]>> = { dom0less: moduleCodecs('dom0less'), hyperlaunch: moduleCodecs('hyperlaunch') };
// A Hyperlaunch domain node may carry Arm (dom0less) properties; a dom0less one keeps Hyperlaunch names as unknown, as Xen ignores them.
const DOMAIN_READ_CODECS: Readonly<Record<BindingInterface, readonly PropCodec<Domain>[]>> = { dom0less: DOMAIN_CODECS.filter((c) => c.in.includes('dom0less')), hyperlaunch: DOMAIN_CODECS };

export function readModule(r: TreeReader, node: Node): BootModule {
  const m = newModule('unspecified', { name: node.name });
  m.origin = readProperties(m, MODULE_CODECS[r.iface], contextFor(r, node), r.iface);
  m.kind = kindFromCompatible(m.compatible ?? [], r.iface) ?? 'unspecified';
  for (const c of node.liveChildren()) keepUnknownNode(m, c);
  return m;
}

/** undefined for a node without `xen,shm-id`, which Xen skips (the caller keeps it as unknown). */
export function readSharedMemory(r: TreeReader, node: Node): SharedMemory | undefined {
  if (!node.getProperty('xen,shm-id')) {
    r.warn({ code: 'SHM_ID_MISSING', message: `${node.path} has no xen,shm-id; Xen ignores the node`, ...locate(node) });
    return undefined;
  }
  if (!node.getProperty('xen,shared-mem')) {
    throw new BootConfigError('SHM_REGION_MISSING', `${node.path} has no xen,shared-mem; Xen fails "invalid xen,shared-mem property"`, locate(node, undefined, 'add xen,shared-mem = <[host-address] guest-address size>'));
  }
  const s: SharedMemory = { name: node.name, id: '', guestAddress: 0n, size: 0n, unknownProperties: [], unknownNodes: [] };
  s.origin = readProperties(s, SHM_CODECS, contextFor(r, node), r.iface);
  for (const c of node.liveChildren()) keepUnknownNode(s, c);
  return s;
}

export function readEventChannel(r: TreeReader, node: Node): EventChannel {
  const e: EventChannel = { name: node.name, localPort: 0, remote: { domain: '', channel: '' }, unknownProperties: [], unknownNodes: [] };
  e.origin = readProperties(e, EVTCHN_CODECS, contextFor(r, node), r.iface);
  if (!node.getProperty('xen,evtchn')) throw new BootConfigError('EVTCHN_MISSING', `${node.path} has no xen,evtchn property; Xen fails "xen,evtchn property should not be empty"`, locate(node));
  for (const c of node.liveChildren()) keepUnknownNode(e, c);
  return e;
}

export function readVcpuPin(r: TreeReader, node: Node): VcpuPin {
  const v: VcpuPin = { name: node.name, id: -1, unknownProperties: [], unknownNodes: [] };
  v.origin = readProperties(v, VCPU_CODECS, contextFor(r, node), r.iface);
  if (v.id < 0) throw new BootConfigError('VCPU_ID_MISSING', `${node.path} has no id; Xen panics "Invalid xen,vcpu node"`, locate(node, undefined, 'add id = <N> (0 .. cpus-1)'));
  for (const c of node.liveChildren()) keepUnknownNode(v, c);
  return v;
}

export function readCpupool(r: TreeReader, node: Node): Cpupool {
  if (!node.getProperty('cpupool-cpus')) {
    throw new BootConfigError('CPUPOOL_CPUS_EMPTY', `${node.path} has no cpupool-cpus; Xen panics "Missing or empty cpupool-cpus property!"`, locate(node, undefined, 'list the pool\'s CPUs as cpupool-cpus = <&cpu0 &cpu1>'));
  }
  const c: Cpupool = { name: node.name, cpus: [], unknownProperties: [], unknownNodes: [] };
  c.origin = readProperties(c, CPUPOOL_CODECS, contextFor(r, node), r.iface);
  for (const k of node.liveChildren()) keepUnknownNode(c, k);
  return c;
}

/** A child of a domain node (both interfaces share this). */
export function readDomainChild(r: TreeReader, d: Domain, child: Node): void {
  const compat = compatibleOf(child);
  if (isModuleNode(compat, r.iface)) {
    const m = readModule(r, child);
    if (compat.some((c) => LEGACY_MODULE_COMPATIBLES.includes(c))) {
      r.warn({ code: 'MODULE_LEGACY_IN_DOMU', message: `${child.path} uses a Xen 4.4 compatible; Xen's domU kernel lookup only finds "multiboot,kernel" / "multiboot,ramdisk" ("Missing kernel boot module?")`, ...locate(child, child.getProperty('compatible'), 'use "multiboot,kernel", "multiboot,module"') });
    }
    d.modules.push(m);
  } else if (compat.includes('xen,vcpu')) d.vcpuPins.push(readVcpuPin(r, child));
  else if (compat.includes('xen,domain-shared-memory-v1')) keepOr(d, child, d.sharedMemory, readSharedMemory(r, child));
  else if (compat.includes('xen,evtchn-v1')) d.eventChannels.push(readEventChannel(r, child));
  else keepUnknownNode(d, child);
}

export function readDomain(r: TreeReader, node: Node): Domain {
  const d = newDomain(node.name);
  d.origin = readProperties(d, DOMAIN_READ_CODECS[r.iface], contextFor(r, node), r.iface);
  warnLegacyStaticMemCells(r, node);
  // Each child alone: with a sink, a bad module does not hide a bad shared-memory node beside it.
  for (const c of node.liveChildren()) r.attempt(() => readDomainChild(r, d, c));
  return d;
}


/**
 * Xen 4.16 sized `xen,static-mem` entries with these two properties; 4.17
 * and later use the parent's (/chosen's) #address-cells / #size-cells and ignore
 * them. The model decodes as current Xen does and keeps them as unknown.
 */
function warnLegacyStaticMemCells(r: TreeReader, node: Node): void {
  const p = node.getProperty('#xen,static-mem-address-cells') ?? node.getProperty('#xen,static-mem-size-cells');
  if (!p) return;
  r.warn({ code: 'STATIC_MEM_LEGACY_CELLS', message: `${node.path}:${p.name} is Xen 4.16's way to size xen,static-mem; Xen 4.17+ ignores it and reads xen,static-mem with ${node.parent?.path ?? '/'}'s #address-cells / #size-cells`, ...locate(node, p, `write xen,static-mem in ${node.parent?.path ?? '/'}'s #address-cells / #size-cells`) });
}

/** Add what was read, or keep the node as unknown when the reader declined it. */
export function keepOr<T>(owner: Parameters<typeof keepUnknownNode>[0], node: Node, list: T[], item: T | undefined): void {
  if (item === undefined) keepUnknownNode(owner, node);
  else list.push(item);
}
