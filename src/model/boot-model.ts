/**
 * The boot model: one description of what Xen builds at boot, shared by the
 * dom0less and Hyperlaunch devicetree interfaces. Everything later (checks,
 * builds, pictures) works on this, never on one interface's tree.
 */
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { Cpupool } from './cpus.js';
import type { Domain } from './domain.js';
import type { Hypervisor } from './hypervisor.js';
import type { BindingInterface } from './origin.js';
import { ALL_CAPABILITIES, type Capabilities } from './roles.js';
import type { Target } from './target.js';

/** Which published Hyperlaunch binding a tree follows (reference §2.2 vs §2.3). */
export type HyperlaunchForm = 'design' | 'series-2025';

export interface BootModel {
  /** The interface the model was read from (or is meant for). */
  interface: BindingInterface;
  hyperlaunchForm?: HyperlaunchForm;
  target: Target;
  hypervisor: Hypervisor;
  /** In node order; dom0 included (`isDom0`). */
  domains: Domain[];
  cpupools: Cpupool[];
  /**
   * The rest of the host tree (memory, cpus, devices) with the boot
   * configuration taken out; /chosen (and /chosen/hypervisor) stay as empty
   * anchors so that writers put the configuration back in place.
   */
  host?: DeviceTree;
  /** Host device nodes marked `xen,passthrough` (hidden from dom0), by path. */
  hostPassthrough: string[];
}

export function dom0Of(model: BootModel): Domain | undefined {
  return model.domains.find((d) => d.isDom0);
}

/**
 * "True dom0less": Xen builds no dom0, because no dom0 kernel is given
 * (xen/arch/arm/setup.c), only domains from the device tree.
 */
export function isTrueDom0less(model: BootModel): boolean {
  const dom0Kernel = dom0Of(model)?.modules.some((m) => m.kind === 'kernel') ?? false;
  return !dom0Kernel && model.domains.some((d) => !d.isDom0);
}

/** Roles in effect: dom0 has all three unless it says otherwise; others default to none. */
export function effectiveCapabilities(d: Domain): Capabilities {
  if (d.capabilities) return d.capabilities;
  return d.isDom0 ? { ...ALL_CAPABILITIES } : { control: false, hardware: false, xenstore: false };
}

export interface CommandLines {
  xen?: string;
  dom0?: string;
  /** Which property each came from, for messages. */
  xenFrom?: string;
  dom0From?: string;
}

/**
 * booting.txt "Command lines": `xen,xen-bootargs` and `xen,dom0-bootargs`
 * win; the dom0 kernel module's own `bootargs` beats both for dom0;
 * `/chosen/bootargs` goes to whichever of the two is still missing — to Xen
 * when the dom0 line is given another way, to dom0 otherwise.
 */
export function commandLines(model: BootModel): CommandLines {
  const h = model.hypervisor;
  const kernel = dom0Of(model)?.modules.find((m) => m.kind === 'kernel');
  const out: CommandLines = {};
  if (h.xenBootargs !== undefined) {
    out.xen = h.xenBootargs;
    out.xenFrom = 'xen,xen-bootargs';
  }
  if (kernel?.bootargs !== undefined) {
    out.dom0 = kernel.bootargs;
    out.dom0From = 'bootargs (dom0 kernel module)';
  } else if (h.dom0Bootargs !== undefined) {
    out.dom0 = h.dom0Bootargs;
    out.dom0From = 'xen,dom0-bootargs';
  }
  if (h.bootargs === undefined) return out;
  const dom0GivenElsewhere = h.dom0Bootargs !== undefined || kernel?.bootargs !== undefined;
  if (out.xen === undefined && dom0GivenElsewhere) {
    out.xen = h.bootargs;
    out.xenFrom = 'bootargs';
  } else if (out.dom0 === undefined) {
    out.dom0 = h.bootargs;
    out.dom0From = 'bootargs';
  }
  return out;
}
