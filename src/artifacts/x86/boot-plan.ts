/**
 * What booting a configuration on x86 Xen amounts to today: Xen 4.17 builds
 * dom0 alone (from the multiboot modules after Xen), so every other domain
 * is started later from dom0 with `xl` ("late launch"). The plan is the one
 * place that decides this; the writers (GRUB, xen.cfg, xl.cfg, the dom0
 * start-up script) only print it.
 */
import type { Loss } from '../../model/loss.js';
import type { XenVersion } from '../../model/version.js';

export type X86GuestType = 'pv' | 'pvh';

/** Where a module's bytes come from, as far as the model knows. */
export type ModuleSource =
  | { type: 'file'; path: string }
  | { type: 'multiboot-index'; index: number }
  | { type: 'range'; address: bigint; size: bigint }
  | { type: 'unresolved' };

export type X86ModuleKind = 'kernel' | 'ramdisk' | 'microcode' | 'xsm-policy' | 'hyperlaunch-dtb' | 'other';

/** One multiboot module after Xen, in the order Xen 4.17 reads them. */
export interface X86Module {
  /** Owning domain; undefined for Xen's own (microcode) and the native DTB. */
  domain?: string;
  kind: X86ModuleKind;
  /** The module's node name, which keys an `other` module's image (`dom0/blob`). */
  name?: string;
  source: ModuleSource;
  /** Text after the module's path (dom0's kernel carries dom0's command line). */
  cmdline?: string;
}

export interface X86Dom0 {
  name: string;
  mode: X86GuestType;
  cmdline: string;
  /** Unset: Xen's default (nearly all host memory). */
  memoryMiB?: number;
  memoryMaxMiB?: number;
  vcpus?: number;
}

/** A domain dom0 starts with `xl create` after boot. */
export interface LateDomain {
  name: string;
  type: X86GuestType;
  memoryMiB: number;
  maxMemoryMiB?: number;
  vcpus: number;
  kernel: ModuleSource;
  ramdisk?: ModuleSource;
  /** Kernel command line (xl `extra`). */
  extra?: string;
  /** Where dom0 finds the images (the paths written into xl.cfg). */
  kernelPath: string;
  ramdiskPath?: string;
  uuid?: string;
  /** Per-vCPU hard affinity, xl `cpus` list form. */
  cpuAffinity?: string[];
  maxGrantFrames?: number;
  maxMaptrackFrames?: number;
  maxGrantVersion?: number;
  /** Names of late domains that must exist first (xenstore, backends, shared-memory owners). */
  after: string[];
}

export interface X86BootPlan {
  xenVersion: XenVersion;
  /** Xen's command line (multiboot2 line / xen.cfg `options=`). */
  xenCmdline: string;
  dom0: X86Dom0;
  /** In multiboot order after Xen. */
  modules: X86Module[];
  /** In `xl create` order. */
  lateLaunch: LateDomain[];
  /** What the target cannot express; each is an error unless losses are allowed. */
  losses: Loss[];
  /** Defaults the plan chose and mappings worth telling the user. */
  notes: string[];
  /** Set when the Hyperlaunch DTB is the first module: why no release reads it. */
  native?: { warning: string };
}

/** File names beside Xen for the modules of a plan, parallel to `plan.modules`. */
export interface X86BootPaths {
  xen: string;
  modules: string[];
}
