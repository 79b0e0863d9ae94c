/**
 * Which interface a tree uses, decided as the 2025 Hyperlaunch series does
 * (find_hyperlaunch_node): `/chosen/hypervisor` first — it must then be
 * compatible "hypervisor,xen" — otherwise `xen,domain` children of /chosen
 * mean dom0less. A tree with both is refused: Xen would follow one and
 * silently ignore the other.
 */
import { type DeviceTree, type Node, getNodeByPath } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import type { BindingInterface } from '../model/origin.js';
import { locate } from './locate.js';
import { isModuleNode } from './module-compatibles.js';
import { compatibleOf, isCompatible } from './tree-reader.js';

export interface Detection {
  /** `none`: no boot configuration (no /chosen, or nothing Xen reads in it). */
  interface: BindingInterface | 'none';
  /** The container node: /chosen/hypervisor or /chosen. */
  path?: string;
}

const XEN_CHOSEN_PROPERTIES = ['xen,xen-bootargs', 'xen,dom0-bootargs', 'xen,static-heap', 'xen,uefi-cfg-load'];

export function hyperlaunchNode(chosen: Node): Node | undefined {
  return chosen.getChild('hypervisor');
}

export function detectInterface(tree: DeviceTree): Detection {
  const chosen = getNodeByPath(tree.root, '/chosen');
  if (!chosen) return { interface: 'none' };
  const domU = Array.from(chosen.liveChildren()).find((c) => isCompatible(c, 'xen,domain'));
  const hv = hyperlaunchNode(chosen);
  if (hv) {
    if (!isCompatible(hv, 'hypervisor,xen')) {
      const p = hv.getProperty('compatible');
      const got = compatibleOf(hv);
      throw new BootConfigError('HL_BAD_COMPATIBLE', `${hv.path} is not compatible "hypervisor,xen" (${got.length ? got.map((c) => `"${c}"`).join(', ') : 'no compatible'}); Xen stops looking for a configuration`, locate(hv, p, 'add compatible = "hypervisor,xen", or rename the node'));
    }
    if (domU) {
      throw new BootConfigError('MIXED_INTERFACES', `${domU.path} is a dom0less xen,domain node, but ${hv.path} makes this a Hyperlaunch tree; Xen would ignore the dom0less domain`, {
        ...locate(domU, domU.getProperty('compatible')),
        hint: `move ${domU.name} into ${hv.path}, or remove ${hv.path}`,
      });
    }
    return { interface: 'hyperlaunch', path: hv.path };
  }
  if (domU) return { interface: 'dom0less', path: chosen.path };
  const modules = Array.from(chosen.liveChildren()).some((c) => isModuleNode(compatibleOf(c), 'dom0less'));
  const xenProps = XEN_CHOSEN_PROPERTIES.some((p) => chosen.getProperty(p));
  return modules || xenProps ? { interface: 'dom0less', path: chosen.path } : { interface: 'none' };
}
