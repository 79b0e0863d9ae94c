/**
 * The emulated board: QEMU's arm64 `virt` with EL2 (virtualization=true, so
 * Xen runs as the hypervisor) and a GICv3. The host DTB must be dumped with
 * exactly the options used to boot, since QEMU generates it from them.
 */
export interface VirtMachine {
  /** RAM in MiB (the reference's 2048 MiB). */
  memoryMiB: number;
  /** Emulated physical CPUs. */
  cpus: number;
  cpu: string;
  gicVersion: 2 | 3;
}

export const DEFAULT_MACHINE: VirtMachine = { memoryMiB: 2048, cpus: 2, cpu: 'cortex-a57', gicVersion: 3 };

/** Where RAM starts on virt. */
export const VIRT_RAM_BASE = 0x4000_0000n;

export const QEMU_BINARY = 'qemu-system-aarch64';

/** `-machine ... -cpu ... -m ... -smp ...`, plus extra `-machine` sub-options (dumpdtb=...). */
export function machineArgs(m: VirtMachine, extraMachine: string[] = []): string[] {
  const machine = ['virt', 'virtualization=true', `gic-version=${m.gicVersion}`, ...extraMachine].join(',');
  // -nic none: virt's default NIC wants iPXE's efi-virtio.rom (ipxe-qemu, only a
  // recommended package); a route that needs a network adds its own device.
  return ['-machine', machine, '-cpu', m.cpu, '-m', String(m.memoryMiB), '-smp', String(m.cpus), '-display', 'none', '-monitor', 'none', '-nic', 'none'];
}
