/**
 * The emulated x86 PC, as measured for Debian's Xen 4.17 under TCG
 * (../shared/reference/x86-xen-boot.md): q35, a qemu64 CPU with SVM and
 * nested paging (without +npt Xen finds no HAP, and Debian's Xen has no
 * shadow paging, so nothing PVH could run), 2 GiB, 2 CPUs, no NIC (no iPXE
 * ROM needed). A PVH dom0 needs an IOMMU: Intel's, with interrupt remapping.
 */
export const QEMU_X86_BINARY = 'qemu-system-x86_64';

export interface X86Machine {
  memoryMiB: number;
  cpus: number;
  /** Add `-device intel-iommu,intremap=on` (a PVH dom0 panics without an IOMMU). */
  iommu: boolean;
}

export const DEFAULT_X86_MACHINE: X86Machine = { memoryMiB: 2048, cpus: 2, iommu: false };

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';

/** The PC with its serial line on stdout (as the boots read it). */
export function x86MachineArgs(m: X86Machine): string[] {
  return [...x86BoardArgs(m), '-serial', 'stdio', '-no-reboot'];
}

/** The PC alone, without a serial backend (what `doctor` starts, paused, to prove QEMU runs). */
export function x86BoardArgs(m: X86Machine): string[] {
  return [
    '-machine', 'q35',
    '-cpu', 'qemu64,+svm,+npt',
    '-m', String(m.memoryMiB),
    '-smp', String(m.cpus),
    ...(m.iommu ? ['-device', 'intel-iommu,intremap=on'] : []),
    // The serial line is a pipe, not a terminal: -display none and stdio, rather than -nographic's mon:stdio.
    '-display', 'none', '-monitor', 'none', '-nic', 'none',
  ];
}

/** OVMF as two pflash drives: its code read-only, a private copy of its variable store. */
export function ovmfArgs(varsCopy: string, code = OVMF_CODE): string[] {
  return ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${code}`, '-drive', `if=pflash,format=raw,unit=1,file=${varsCopy}`];
}
