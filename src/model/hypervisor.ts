/**
 * Xen itself: its command line(s) as written in /chosen, the static heap,
 * modules Xen consumes (XSM policy, microcode), and the unknown parts of
 * /chosen. dom0less spreads the command lines over three properties with
 * precedence rules; `commandLines` in boot-model.ts resolves them.
 */
import type { MemoryBank } from './memory.js';
import type { BootModule } from './module.js';
import type { NodeOrigin } from './origin.js';
import type { UnknownNode, UnknownProperty } from './unknown.js';

export interface Hypervisor {
  /** `/chosen/xen,xen-bootargs`. */
  xenBootargs?: string;
  /** `/chosen/xen,dom0-bootargs`. */
  dom0Bootargs?: string;
  /** `/chosen/bootargs`: Xen's or dom0's, by the precedence rules. */
  bootargs?: string;
  /** `/chosen/xen,uefi-cfg-load`. */
  uefiCfgLoad?: boolean;
  /** `/chosen/xen,static-heap`, decoded with the root's cells. */
  staticHeap?: MemoryBank[];
  /** `/chosen` `#address-cells` / `#size-cells` (dom0 module `reg`, dom0 shared memory); unset = Xen's 2 / 1. */
  chosenAddressCells?: number;
  chosenSizeCells?: number;
  /** XSM policy, microcode (dom0less: /chosen children; Hyperlaunch: `xen,config` children). */
  modules: BootModule[];
  /** Hyperlaunch `xen,config` node name and leftovers. */
  config?: { name: string; unknownProperties: UnknownProperty[]; unknownNodes: UnknownNode[]; origin?: NodeOrigin };
  /** Hyperlaunch `/chosen/hypervisor`: its compatible list (e.g. the prototype's `"hypervisor,xen", "xen,arm"`) and leftovers. */
  container?: { compatible?: string[]; unknownProperties: UnknownProperty[]; unknownNodes: UnknownNode[]; origin?: NodeOrigin };
  /** Other `/chosen` properties and nodes (`stdout-path`, `linux,initrd-start`, ...). */
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

export function newHypervisor(fields: Partial<Hypervisor> = {}): Hypervisor {
  return { modules: [], unknownProperties: [], unknownNodes: [], ...fields };
}
