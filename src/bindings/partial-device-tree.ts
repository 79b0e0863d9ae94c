/**
 * A dom0less partial device tree (the blob of a `multiboot,device-tree`
 * module) → the devices it passes through. Xen copies /gic, /aliases and
 * /passthrough into the guest; only /passthrough carries Xen properties.
 * The value rules are Xen's (xen/arch/arm/dom0less-build.c).
 */
import { type DeviceTree, type Node, getNodeByPath } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import type { MmioMapping, PartialDeviceTree, PassthroughDevice } from '../model/passthrough.js';
import { cellsOf, readTuples } from './cells.js';
import { locate } from './locate.js';
import { type ReadOptions, readingFile } from './read-options.js';

function mappings(node: Node): MmioMapping[] {
  const p = node.getProperty('xen,reg')!;
  const { address, size } = cellsOf(node.parent);
  if (address < 1 || address > 2 || size < 1 || size > 2) {
    throw new BootConfigError('PDT_CELLS', `${node.parent!.path}: #address-cells ${address} / #size-cells ${size}; Xen fails "Invalid address_cells or size_cells"`, locate(node.parent!, undefined, 'use 1 or 2 cells'));
  }
  const rows = readTuples(p.bytes, [address, size, address]);
  if (!rows || rows.length === 0) {
    throw new BootConfigError('PDT_XEN_REG', `${node.path}:xen,reg is not a list of <host-address size guest-address> with ${address} + ${size} + ${address} cells`, locate(node, p));
  }
  return rows.map(([h, s, g]) => ({ hostAddress: h!, size: s!, guestAddress: g! }));
}

function device(node: Node): PassthroughDevice {
  const hasReg = node.getProperty('xen,reg') !== undefined;
  const pathProp = node.getProperty('xen,path');
  const force = node.getProperty('xen,force-assign-without-iommu') !== undefined;
  if (hasReg && !pathProp && !force) {
    throw new BootConfigError('PDT_REG_WITHOUT_PATH', `${node.path} has xen,reg but no xen,path; Xen fails "xen,reg or xen,path missing"`, locate(node, node.getProperty('xen,reg'), 'add xen,path = "/host/device/path", or xen,force-assign-without-iommu'));
  }
  const d: PassthroughDevice = { path: node.path, mappings: hasReg ? mappings(node) : [], forceWithoutIommu: force };
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
  const stack = top ? Array.from(top.liveChildren()).reverse() : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.getProperty('xen,reg') || n.getProperty('xen,path')) devices.push(device(n));
    stack.push(...Array.from(n.liveChildren()).reverse());
  }
  return { devices };
}

export function readPartialDeviceTree(tree: DeviceTree, opts: Pick<ReadOptions, 'file'> = {}): PartialDeviceTree {
  return readingFile(opts, () => readTree(tree));
}
