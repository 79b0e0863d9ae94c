/**
 * A dom0less partial device tree (the blob of a `multiboot,device-tree`
 * module) → the devices it passes through. Xen copies /gic, /aliases and
 * /passthrough into the guest; only /passthrough carries Xen properties.
 * The value rules are Xen's (xen/common/device-tree/dom0less-build.c).
 *
 * What only some releases refuse (cells outside 1..2 from 4.22; from 4.18
 * any passthrough node's error, which 4.13–4.17 print and go on from) is
 * kept as a fault beside the device, not thrown: the checker decides for
 * its target release.
 */
import { type DeviceTree, type Node, getNodeByPath } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import type { MmioMapping, PartialDeviceTree, PassthroughDevice, PassthroughFault } from '../model/passthrough.js';
import { cellsOf, readTuples } from './cells.js';
import { locate } from './locate.js';
import { type ReadOptions, readingFile } from './read-options.js';

/** The entries Xen maps, or the fault that stops the releases that check. */
function mappings(node: Node, faults: PassthroughFault[]): MmioMapping[] {
  const p = node.getProperty('xen,reg')!;
  const { address, size } = cellsOf(node.parent);
  if (address < 1 || address > 2 || size < 1 || size > 2) {
    faults.push({ code: 'PDT_CELLS', nodePath: node.parent!.path, property: '#address-cells', message: `${node.parent!.path}: #address-cells ${address} / #size-cells ${size}; xen,reg needs 1 or 2 of each`, hint: 'use 1 or 2 cells' });
    return [];
  }
  const rows = readTuples(p.bytes, [address, size, address]);
  if (!rows || rows.length === 0) {
    faults.push({ code: 'PDT_XEN_REG', nodePath: node.path, property: 'xen,reg', message: `${node.path}:xen,reg is not a list of <host-address size guest-address> with ${address} + ${size} + ${address} cells` });
    return [];
  }
  return rows.map(([h, s, g]) => ({ hostAddress: h!, size: s!, guestAddress: g! }));
}

function device(node: Node, faults: PassthroughFault[]): PassthroughDevice {
  const hasReg = node.getProperty('xen,reg') !== undefined;
  const pathProp = node.getProperty('xen,path');
  const force = node.getProperty('xen,force-assign-without-iommu') !== undefined;
  if (hasReg && !pathProp && !force) {
    faults.push({ code: 'PDT_REG_WITHOUT_PATH', nodePath: node.path, property: 'xen,reg', message: `${node.path} has xen,reg but no xen,path`, hint: 'add xen,path = "/host/device/path", or xen,force-assign-without-iommu' });
  }
  const d: PassthroughDevice = { path: node.path, mappings: hasReg ? mappings(node, faults) : [], forceWithoutIommu: force };
  if (pathProp) {
    const nul = pathProp.bytes.indexOf(0);
    if (nul < 0) throw new BootConfigError('PROP_NOT_STRING', `${node.path}:xen,path is not a string`, locate(node, pathProp));
    d.hostPath = new TextDecoder().decode(pathProp.bytes.subarray(0, nul));
  }
  return d;
}

function readTree(tree: DeviceTree): PartialDeviceTree {
  const top = getNodeByPath(tree.root, '/passthrough');
  const devices: PassthroughDevice[] = [];
  const faults: PassthroughFault[] = [];
  const stack = top ? Array.from(top.liveChildren()).reverse() : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.getProperty('xen,reg') || n.getProperty('xen,path')) devices.push(device(n, faults));
    stack.push(...Array.from(n.liveChildren()).reverse());
  }
  return faults.length ? { devices, faults } : { devices };
}

export function readPartialDeviceTree(tree: DeviceTree, opts: Pick<ReadOptions, 'file'> = {}): PartialDeviceTree {
  return readingFile(opts, () => readTree(tree));
}
