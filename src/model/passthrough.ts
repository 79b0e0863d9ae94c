/**
 * Device passthrough described by a dom0less partial device tree (the
 * `multiboot,device-tree` module; reference §1.6): each device node under
 * /passthrough maps host MMIO ranges into the guest and names the host
 * device for IOMMU assignment and interrupt routing.
 */
export interface MmioMapping {
  hostAddress: bigint;
  size: bigint;
  guestAddress: bigint;
}

export interface PassthroughDevice {
  /** Path of the node in the partial device tree. */
  path: string;
  /** `xen,reg`: <host-address size guest-address> entries. */
  mappings: MmioMapping[];
  /** `xen,path`: the device's path in the host device tree. */
  hostPath?: string;
  /** `xen,force-assign-without-iommu`. */
  forceWithoutIommu: boolean;
}

/**
 * A passthrough node some Xen releases refuse and others go on with (the
 * cells check came with 4.22, the refusal of any node's error with 4.18):
 * kept with the device, so a check judges it for its target release.
 */
export interface PassthroughFault {
  code: 'PDT_CELLS' | 'PDT_XEN_REG' | 'PDT_REG_WITHOUT_PATH';
  /** The node the fault is on (the device, or its parent for the cells). */
  nodePath: string;
  property?: string;
  message: string;
  hint?: string;
}

export interface PartialDeviceTree {
  devices: PassthroughDevice[];
  /** Absent when there are none. */
  faults?: PassthroughFault[];
}
