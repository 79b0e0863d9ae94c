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

export interface PartialDeviceTree {
  devices: PassthroughDevice[];
}
