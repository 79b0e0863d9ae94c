/**
 * A domain built at boot. Fields are named after what they mean; the DT
 * property behind each one is in the comment (dom0less name first, then
 * Hyperlaunch where it differs). Unset means "not written", so Xen's default
 * applies; docs/model.md lists the defaults.
 */
import type { BootModule } from './module.js';
import type { MemoryBank } from './memory.js';
import type { NodeOrigin } from './origin.js';
import type { Capabilities, DomainMode, Functions } from './roles.js';
import type { EventChannel, SharedMemory } from './sharing.js';
import type { VcpuPin } from './cpus.js';
import type { UnknownNode, UnknownProperty } from './unknown.js';

export type Enhanced = 'enabled' | 'legacy' | 'disabled' | 'no-xenstore';

/** Effective #address-cells / #size-cells. */
export interface Cells {
  address: number;
  size: number;
}

export interface Domain {
  /** Node name (dom0less dom0 has no node: `dom0`). */
  name: string;
  /** The classic initial domain: dom0less modules directly under /chosen; Hyperlaunch domid 0 or `functions` LEGACY_DOM0. */
  isDom0: boolean;
  /** `domid` (Hyperlaunch). dom0less allocates 1, 2, ... in node order. */
  domid?: number;
  /** `capabilities`; Hyperlaunch design `permissions` + `functions` XENSTORE. */
  capabilities?: Capabilities;
  /** Hyperlaunch design `functions` other than XENSTORE. */
  functions?: Functions;
  /** `mode` (Hyperlaunch). */
  mode?: DomainMode;
  /** `domain-uuid` (Hyperlaunch design), hex digits. */
  uuid?: string;
  /** `security-id` (Hyperlaunch design): XSM label. */
  securityId?: string;
  /** `memory`, KiB. */
  memoryKiB?: bigint;
  /** `mem-min` / `mem-max` (Hyperlaunch 2025), KiB. */
  memoryMinKiB?: bigint;
  memoryMaxKiB?: bigint;
  /** `xen,static-mem` banks, decoded with the cells of the domain node's parent (`/chosen`), as Xen 4.17+ reads them. */
  staticMemory?: MemoryBank[];
  /** `direct-map`. */
  directMap?: boolean;
  /** `cpus`. */
  vcpus?: number;
  /** `xen,vcpu` child nodes. */
  vcpuPins: VcpuPin[];
  /** `domain-cpupool`: name of a cpupool of the model. */
  cpupool?: string;
  /** `vpl011`. */
  vpl011?: boolean;
  /** `xen,enhanced`; an empty value means `enabled`. */
  enhanced?: Enhanced;
  /** `passthrough`. */
  passthrough?: 'enabled' | 'disabled';
  /** `max_grant_version`, `max_grant_frames`, `max_maptrack_frames`. */
  maxGrantVersion?: number;
  maxGrantFrames?: number;
  maxMaptrackFrames?: number;
  /** `nr_spis`. */
  nrSpis?: number;
  /** `sve`: vector length in bits, 0 = off, `max` = empty property (hardware maximum). */
  sve?: number | 'max';
  /** `llc-colors`, e.g. `0-3,5`. */
  llcColors?: string;
  /** `trap-unmapped-accesses`: 1 trap, 0 read-as-ones / write-ignore. */
  trapUnmappedAccesses?: number;
  /** `xen,sci_type`. */
  sciType?: 'none' | 'scmi_smc';
  /** `v8r_el1_msa` (Armv8-R). */
  v8rEl1Msa?: 'mpu' | 'mmu';
  /** `xen,domain-p2m-mem-mb`. */
  p2mPoolMiB?: number;
  /** `#address-cells` / `#size-cells` of the domain node (for its children's `reg`; not its own `xen,static-mem`); unset = Xen's 2 / 1. */
  addressCells?: number;
  sizeCells?: number;
  /** Kernel, ramdisk, partial device tree. */
  modules: BootModule[];
  sharedMemory: SharedMemory[];
  eventChannels: EventChannel[];
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

export function newDomain(name: string, fields: Partial<Domain> = {}): Domain {
  return {
    name,
    isDom0: false,
    vcpuPins: [],
    modules: [],
    sharedMemory: [],
    eventChannels: [],
    unknownProperties: [],
    unknownNodes: [],
    ...fields,
  };
}
