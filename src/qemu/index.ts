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
  bootDirect, bootUboot, directQemuArgs, ubootQemuArgs, UBOOT_QEMU_ARM64, UBOOT_DHCP_SCRIPT,
  type BootOptions, type BootReport, type DirectBootSpec, type UbootBootSpec, type LoadImage,
} from './boot.js';
export { planDirectBoot, MODULE_BASE, DEFAULT_XEN_BOOTARGS, DEFAULT_DOM0_BOOTARGS, DEFAULT_DOMU_BOOTARGS, type GuestFiles, type DirectPlan } from './direct-plan.js';
export { planConfigBoot, VIRT_DTB_NAME, FINAL_DTB_NAME, DIRECT_LAYOUT_BASE, type ConfigRoute, type ConfigBootOptions, type ConfigBootPlan } from './config-boot.js';
export { stageTreeConfig, type StagedTreeConfig } from './tree-config.js';
export {
  buildXenFromSource, cachedXenSourceBuild, xenBuildCacheDir, missingBuildTool, XEN_BUILD_PACKAGES,
  type XenSourceBuild, type XenSourceBuildOptions,
} from './xen-source-build.js';
