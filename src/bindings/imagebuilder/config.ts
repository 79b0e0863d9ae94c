/**
 * The variables of an ImageBuilder config (reference §2), as written: raw
 * strings keyed by meaning. Defaults and validation live in
 * src/artifacts/imagebuilder-plan/resolve.ts, so that writing a config back
 * keeps exactly what the user set.
 */
import type { ProblemSink } from '../../diagnostics/hyperlaunch-error.js';
import { configError } from './errors.js';
import type { ImageBuilderError } from './imagebuilder-error.js';
import { type ShellConfig, type ShellVariable, lookupVariable } from './shell-config.js';

export interface DomUConfig {
  index: number;
  kernel?: string;
  ramdisk?: string;
  passthroughDtb?: string;
  passthroughPaths?: string;
  mem?: string;
  vcpus?: string;
  cmd?: string;
  staticMem?: string;
  directMap?: string;
  colors?: string;
  enhanced?: string;
  viommu?: string;
  noboot?: string;
  rootfs?: string;
  cpupool?: string;
  driverDomain?: string;
  /** Post-2023.2 upstream: control|hardware|xenstore|dom0|none or a number. */
  caps?: string;
}

export interface ImageBuilderConfig {
  file: string;
  memoryStart?: string;
  memoryEnd?: string;
  loadCmd?: string;
  bootCmd?: string;
  deviceTree?: string;
  xen?: string;
  xenCmd?: string;
  /** XEN_POLICY (after 2023.2): the XSM policy, loaded right after Xen. */
  xenPolicy?: string;
  xenColors?: string;
  dom0Kernel?: string;
  dom0Ramdisk?: string;
  dom0Mem?: string;
  dom0Vcpus?: string;
  dom0Colors?: string;
  dom0Viommu?: string;
  dom0Cmd?: string;
  dom0Rootfs?: string;
  numDomus?: string;
  /** Indexed 0..max(NUM_DOMUS, highest index set)-1. */
  domus: DomUConfig[];
  /** 2023.2 reads DOMU_VUART_PL011 unindexed: element [0], for every domU. */
  domuVuartPl011?: string;
  numCpupools?: string;
  cpupools: Array<string | undefined>;
  linux?: string;
  linuxCmd?: string;
  linuxRamdisk?: string;
  linuxRootfs?: string;
  numDtOverlay?: string;
  dtOverlays: Array<string | undefined>;
  bitstream?: string;
  appendExtraCmds?: string;
  ubootSource?: string;
  ubootScript?: string;
  fdtedit?: string;
  fit?: string;
  fitEncKeyDir?: string;
  fitEncUbDtb?: string;
  passthroughDtsRepo?: string;
  lopperPath?: string;
  lopperCmd?: string;
  /** Everything as read, including disk_image-only and unknown variables. */
  variables: Map<string, ShellVariable>;
}

/** A scalar set in the file (bash: `$X` is `${X[0]}`); unset stays undefined. */
function scalar(vars: Map<string, ShellVariable>, name: string, key = '0'): string | undefined {
  return vars.get(name)?.has(key) ? lookupVariable(vars, name, key) : undefined;
}

function highestIndex(vars: Map<string, ShellVariable>, names: string[]): number {
  let max = -1;
  for (const n of names) {
    for (const k of vars.get(n)?.keys() ?? []) if (/^\d+$/.test(k)) max = Math.max(max, Number(k));
  }
  return max;
}

const DOMU_FIELDS: Array<[keyof DomUConfig, string]> = [
  ['kernel', 'DOMU_KERNEL'], ['ramdisk', 'DOMU_RAMDISK'], ['passthroughDtb', 'DOMU_PASSTHROUGH_DTB'],
  ['passthroughPaths', 'DOMU_PASSTHROUGH_PATHS'], ['mem', 'DOMU_MEM'], ['vcpus', 'DOMU_VCPUS'], ['cmd', 'DOMU_CMD'],
  ['staticMem', 'DOMU_STATIC_MEM'], ['directMap', 'DOMU_DIRECT_MAP'], ['colors', 'DOMU_COLORS'],
  ['enhanced', 'DOMU_ENHANCED'], ['viommu', 'DOMU_VIOMMU'], ['noboot', 'DOMU_NOBOOT'], ['rootfs', 'DOMU_ROOTFS'],
  ['cpupool', 'DOMU_CPUPOOL'], ['driverDomain', 'DOMU_DRIVER_DOMAIN'], ['caps', 'DOMU_CAPS'],
];

/** The config's variables by name; the field ↔ variable table is shared with the writer. */
export const GLOBAL_FIELDS: Array<[keyof ImageBuilderConfig, string]> = [
  ['memoryStart', 'MEMORY_START'], ['memoryEnd', 'MEMORY_END'], ['loadCmd', 'LOAD_CMD'], ['bootCmd', 'BOOT_CMD'],
  ['deviceTree', 'DEVICE_TREE'], ['xen', 'XEN'], ['xenCmd', 'XEN_CMD'], ['xenPolicy', 'XEN_POLICY'], ['xenColors', 'XEN_COLORS'],
  ['dom0Kernel', 'DOM0_KERNEL'], ['dom0Ramdisk', 'DOM0_RAMDISK'], ['dom0Mem', 'DOM0_MEM'], ['dom0Vcpus', 'DOM0_VCPUS'],
  ['dom0Colors', 'DOM0_COLORS'], ['dom0Viommu', 'DOM0_VIOMMU'], ['dom0Cmd', 'DOM0_CMD'], ['dom0Rootfs', 'DOM0_ROOTFS'],
  ['numDomus', 'NUM_DOMUS'], ['domuVuartPl011', 'DOMU_VUART_PL011'], ['numCpupools', 'NUM_CPUPOOLS'],
  ['linux', 'LINUX'], ['linuxCmd', 'LINUX_CMD'], ['linuxRamdisk', 'LINUX_RAMDISK'], ['linuxRootfs', 'LINUX_ROOTFS'],
  ['numDtOverlay', 'NUM_DT_OVERLAY'], ['bitstream', 'BITSTREAM'], ['appendExtraCmds', 'APPEND_EXTRA_CMDS'],
  ['ubootSource', 'UBOOT_SOURCE'], ['ubootScript', 'UBOOT_SCRIPT'], ['fdtedit', 'FDTEDIT'], ['fit', 'FIT'],
  ['fitEncKeyDir', 'FIT_ENC_KEY_DIR'], ['fitEncUbDtb', 'FIT_ENC_UB_DTB'], ['passthroughDtsRepo', 'PASSTHROUGH_DTS_REPO'],
  ['lopperPath', 'LOPPER_PATH'], ['lopperCmd', 'LOPPER_CMD'],
];
export { DOMU_FIELDS };

/** Entries up to the highest index written; NUM_* beyond that is caught when resolving. */
function indexed(vars: Map<string, ShellVariable>, name: string): Array<string | undefined> {
  return Array.from({ length: highestIndex(vars, [name]) + 1 }, (_, i) => scalar(vars, name, String(i)));
}

/** More domains, pools or overlays than this is a typo, not a board. */
export const MAX_INDEX = 4095;

/** Entries indexed above MAX_INDEX: thrown, or each reported to the sink and dropped. */
function checkIndexes(vars: Map<string, ShellVariable>, onProblem?: ProblemSink<ImageBuilderError>): void {
  for (const [name, v] of vars) {
    for (const k of [...v.keys()]) {
      if (k.split(',').some((part) => Number(part) > MAX_INDEX)) {
        const e = configError('IB_INDEX', `${name}[${k}]: index above ${MAX_INDEX}`, 'indexes count domains, pools and overlays from 0', `${name}[${k}]`);
        if (!onProblem) throw e;
        onProblem(e);
        v.delete(k);
      }
    }
  }
}

/** The config's variables as fields; with a sink, every bad variable is reported there and left out. */
export function readImageBuilderConfig(shell: ShellConfig, onProblem?: ProblemSink<ImageBuilderError>): ImageBuilderConfig {
  const vars = shell.variables;
  const cfg: ImageBuilderConfig = { file: shell.file, domus: [], cpupools: [], dtOverlays: [], variables: vars };
  const target = cfg as unknown as Record<string, unknown>;
  for (const [field, name] of GLOBAL_FIELDS) {
    const v = scalar(vars, name);
    if (v !== undefined) target[field] = v;
  }
  checkIndexes(vars, onProblem);
  const domuCount = highestIndex(vars, DOMU_FIELDS.map(([, n]) => n)) + 1;
  for (let i = 0; i < domuCount; i++) {
    const d: DomUConfig = { index: i };
    const dt = d as unknown as Record<string, unknown>;
    for (const [field, name] of DOMU_FIELDS) {
      const v = scalar(vars, name, String(i));
      if (v !== undefined) dt[field] = v;
    }
    cfg.domus.push(d);
  }
  cfg.cpupools = indexed(vars, 'CPUPOOL');
  cfg.dtOverlays = indexed(vars, 'DT_OVERLAY');
  return cfg;
}
