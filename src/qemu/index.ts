/** Boot a configuration under QEMU with Debian's Xen and read the serial log. */
export { QemuError, isQemuError } from './errors.js';
export { DEFAULT_MACHINE, VIRT_RAM_BASE, QEMU_BINARY, machineArgs, type VirtMachine } from './machine.js';
export {
  fetchGuestBinaries, cachedGuestBinaries, guestCacheDir, currentKernelPackage, pickNewestKernel,
  XEN_PACKAGE, BUSYBOX_PACKAGE, KERNEL_PACKAGE_PATTERN,
  type GuestBinaries, type FetchOptions, type CommandRunner, type CommandResult,
} from './guest-packages.js';
export { writeCpioNewc, type CpioEntry } from './cpio-newc.js';
export { buildInitramfs, initramfsEntries, initScript, markerLine, markerToken, dtReportLine, MARKER_PREFIX, DT_REPORT_PREFIX, type InitramfsOptions } from './initramfs.js';
export { dumpVirtDtb, prepareVirtTree, virtHostTree, consoleUartPath } from './virt-dtb.js';
export { scanSerialLog, logLines, type LogFindings, type MarkerSighting, type Panic, type ConsoleLine, type Death } from './serial-log.js';
export {
  judgeBoot, bootSettled, BOOT_STAGES, DEFAULT_GRACE_SECONDS,
  type BootStage, type FailureKind, type ExpectedDomain, type LogLine, type DomainFailure, type DomainResult, type BootVerdict,
  type LogClock, type JudgeOptions,
} from './boot-verdict.js';
export { runQemu, type RunOptions, type RunResult, type RunEnd, type RunClock } from './qemu-run.js';
export {
  boot, bootDirect, bootUboot, directQemuArgs, ubootQemuArgs, UBOOT_QEMU_ARM64, UBOOT_DHCP_SCRIPT,
  type BootOptions, type BootReport, type BootRoute, type DirectBootSpec, type UbootBootSpec, type LoadImage,
} from './boot.js';
export { planDirectBoot, MODULE_BASE, DEFAULT_XEN_BOOTARGS, DEFAULT_DOM0_BOOTARGS, DEFAULT_DOMU_BOOTARGS, type GuestFiles, type DirectPlan } from './direct-plan.js';
export { planConfigBoot, VIRT_DTB_NAME, FINAL_DTB_NAME, DIRECT_LAYOUT_BASE, type ConfigRoute, type ConfigBootOptions, type ConfigBootPlan } from './config-boot.js';
export { stageTreeConfig, type StagedTreeConfig } from './tree-config.js';
export {
  buildXenFromSource, cachedXenSourceBuild, xenBuildCacheDir, missingBuildTool, XEN_BUILD_PACKAGES,
  type XenSourceBuild, type XenSourceBuildOptions,
} from './xen-source-build.js';
export { type PackageSet, fetchPackageSet, cachedPackageSet } from './guest-packages.js';
export {
  fetchX86GuestBinaries, cachedX86GuestBinaries, XEN_X86_PACKAGE, KERNEL_X86_PACKAGE_PATTERN, XEN_TOOLS_PACKAGES, X86_SET_DIR,
  type X86GuestBinaries,
} from './guest-packages-x86.js';
export { elfDeps, libraryClosure, resolveInTree, X86_64_LIBRARY_DIRS, type ElfDeps, type LibraryFile } from './elf-needed.js';
export { lateEvent, LATE_CREATED_PREFIX, LATE_CONSOLE_PREFIX, type LateEvent } from './late-console.js';
export {
  buildX86Dom0Initramfs, x86Dom0InitramfsEntries, x86Dom0InitScript, XEN_TOOLS, XEN_TOOLS_DIR, LATE_LAUNCH_DIR, LATE_LAUNCH_SCRIPT as DOM0_LATE_LAUNCH_SCRIPT,
  type LateGuest, type Dom0File, type X86Dom0InitramfsInput,
} from './x86-dom0-initramfs.js';
export { QEMU_X86_BINARY, DEFAULT_X86_MACHINE, OVMF_CODE, OVMF_VARS, x86MachineArgs, x86BoardArgs, ovmfArgs, type X86Machine } from './x86-machine.js';
export {
  bootX86, qemuPlan, stageX86Images, dom0Initramfs, x86DirectArgs, buildGrubIso as buildQemuGrubIso, buildXenEfiDisk,
  type X86Route, type EfiLoader, type X86BootOptions, type X86QemuPlan, type X86Images, type X86BootReport,
} from './x86-boot.js';
export { debianX86Images } from './x86-image-supply.js';
