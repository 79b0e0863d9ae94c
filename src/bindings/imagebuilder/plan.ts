/**
 * A config as uboot-script-gen reads it once its defaults and checks are
 * applied (src/artifacts/imagebuilder-plan/resolve.ts makes it). Its shape
 * lives here because config -> model (model.ts) reads it, and a binding must
 * not import the artifacts layer.
 */
export interface ResolvedDomU {
  index: number;
  /** NOBOOT or ROOTFS: nothing loaded, no /chosen node; passthrough marks are still set. */
  skipped: boolean;
  kernel?: string;
  ramdisk?: string;
  passthroughDtb?: string;
  passthroughPaths: string[];
  /** KiB, as written into `memory <0 KB>`. */
  memoryKb: bigint;
  vcpus: string;
  cmd: string;
  staticMem?: bigint[];
  directMap: boolean;
  /** `vpl011 "pl011"` (true) or the bool `vpl011`. */
  vpl011Pl011: boolean;
  enhanced: boolean;
  viommu: boolean;
  colorsMask?: bigint;
  cpupool?: string;
  /** DOMU_CAPS (post-2023.2): the `capabilities` bits. */
  capabilities?: number;
}

export interface ImageBuilderPlan {
  mode: 'xen' | 'linux';
  loadCmd: string;
  bootCmd: string;
  memoryStart: bigint;
  memoryEnd: bigint;
  deviceTree?: string;
  xen?: string;
  xenCmd?: string;
  /** XEN_POLICY: the XSM policy file. */
  xenPolicy?: string;
  dom0?: { kernel: string; ramdisk?: string; cmd: string };
  domus: ResolvedDomU[];
  cpupools: Array<{ cpus: string[]; sched?: string }>;
  linux?: { kernel: string; ramdisk?: string; cmd: string };
  overlays: string[];
  bitstream?: string;
  appendExtraCmds?: string;
  ubootSource: string;
  ubootScript: string;
  fdtedit?: string;
  fit?: { file: string; its: string; keyDir?: string; ubootDtb?: string };
  /** Lines the script prints on the way (stdout). */
  notices: string[];
  /** Warnings the script prints (still builds). */
  warnings: string[];
}
