/** What the x86 boot tests share: the x86 guest set or a printed skip reason. */
import { existsSync } from 'node:fs';
import { isQemuError } from '../../src/qemu/errors.js';
import { type X86GuestBinaries, fetchX86GuestBinaries } from '../../src/qemu/guest-packages-x86.js';
import { OVMF_CODE, OVMF_VARS } from '../../src/qemu/x86-machine.js';
import { toolMissing } from '../support/paths.js';
import { skipReason } from '../support/skip.js';

const WHAT = 'real Xen boot under QEMU x86';

/** Why an x86 boot test cannot run here, or the binaries (downloaded once, then cached). */
export function x86BootPrerequisites(opts: { grub?: boolean; efi?: boolean } = {}): { guest?: X86GuestBinaries; missing?: string } {
  if (process.env.HYPERLAUNCH_SKIP_BOOT) return { missing: skipReason(WHAT, 'HYPERLAUNCH_SKIP_BOOT is set') };
  if (toolMissing('qemu-system-x86_64')) return { missing: skipReason(WHAT, 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)') };
  if (opts.grub && toolMissing('grub-mkrescue')) return { missing: skipReason(WHAT, 'grub-mkrescue is not installed (apt-get install grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools)') };
  if (opts.efi && !(existsSync(OVMF_CODE) && existsSync(OVMF_VARS))) return { missing: skipReason(WHAT, `${OVMF_CODE} is missing (apt-get install ovmf)`) };
  if (opts.efi && toolMissing('mformat')) return { missing: skipReason(WHAT, 'mformat is not installed (apt-get install mtools)') };
  try {
    return { guest: fetchX86GuestBinaries() };
  } catch (e) {
    if (!isQemuError(e)) throw e;
    return { missing: skipReason(WHAT, `Debian's amd64 guest packages are unavailable: ${e.message}${e.hint ? ` (${e.hint})` : ''}`) };
  }
}
