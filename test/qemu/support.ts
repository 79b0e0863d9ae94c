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
