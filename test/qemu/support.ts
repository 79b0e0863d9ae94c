/** What the boot tests share: the guest binaries or a printed skip, a temp dir, a model from a DTS. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBootConfig } from '../../src/bindings/boot-config.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { isQemuError } from '../../src/qemu/errors.js';
import { type GuestBinaries, fetchGuestBinaries } from '../../src/qemu/guest-packages.js';
import { toolMissing } from '../support/paths.js';
import { skipReason } from '../support/skip.js';

/** Why a boot test cannot run here, or undefined with the binaries fetched (downloaded once, then cached). */
export function bootPrerequisites(): { guest?: GuestBinaries; missing?: string } {
  // Real boots cost tens of seconds of a shared 2-core machine: let a quick local run leave them out, visibly.
  if (process.env.HYPERLAUNCH_SKIP_BOOT) return { missing: skipReason('real Xen boot under QEMU', 'HYPERLAUNCH_SKIP_BOOT is set') };
  const qemu = toolMissing('qemu-system-aarch64');
  if (qemu) return { missing: skipReason('real Xen boot under QEMU', 'qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)') };
  try {
    return { guest: fetchGuestBinaries() };
  } catch (e) {
    if (!isQemuError(e)) throw e;
    return { missing: skipReason('real Xen boot under QEMU', `Debian's arm64 guest packages are unavailable: ${e.message}${e.hint ? ` (${e.hint})` : ''}`) };
  }
}

export function modelFromDts(file: string): BootModel {
  const r = runDtc(readFileSync(file), { file });
  if (!r.tree) throw new Error(`${file}: ${r.error?.message}`);
  return readBootConfig(r.tree);
}

export async function withTmpDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hl-boot-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The ImageBuilder config the `-c` boot tests share: Xen CI's smoke test
 * adapted (dtuart=serial0 needs the alias virt-dtb.ts adds), dom0 and `domUs`
 * domUs of 128 MiB from the staged `xen`, `Image` and `<name>.cpio.gz` files.
 * `loadCmd: false` leaves LOAD_CMD out; `extra` lines are appended.
 */
export function smokeConfig(domUs: number, opts: { loadCmd?: boolean; extra?: string[] } = {}): string {
  const lines = [
    'MEMORY_START="0x40000000"',
    'MEMORY_END="0xC0000000"',
    ...(opts.loadCmd === false ? [] : ['LOAD_CMD="tftpb"']),
    'XEN="xen"',
    'XEN_CMD="console=dtuart dtuart=serial0 dom0_mem=512M dom0_max_vcpus=1 bootscrub=0"',
    'DOM0_KERNEL="Image"',
    'DOM0_RAMDISK="dom0.cpio.gz"',
    'DOM0_CMD="console=hvc0 earlycon=xen rdinit=/init"',
    `NUM_DOMUS=${domUs}`,
  ];
  for (let i = 0; i < domUs; i++) {
    lines.push(`DOMU_KERNEL[${i}]="Image"`, `DOMU_RAMDISK[${i}]="domU${i}.cpio.gz"`, `DOMU_CMD[${i}]="console=ttyAMA0 rdinit=/init"`, `DOMU_MEM[${i}]=128`);
  }
  return `${[...lines, ...(opts.extra ?? [])].join('\n')}\n`;
}
