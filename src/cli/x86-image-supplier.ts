/**
 * The images `build --arch x86_64` takes when the user names none, as `qemu`
 * does: Debian's Xen 4.17 amd64 and generic kernel from the package cache
 * (downloaded once), dom0's late-launch initramfs and a marker initramfs per
 * late domain generated for the plan.
 */
import type { X86ImageSupplier } from '../artifacts/x86/x86-images.js';
import { fetchX86GuestBinaries } from '../qemu/guest-packages-x86.js';
import { debianX86Images } from '../qemu/x86-image-supply.js';

export const defaultX86ImageSupplier: X86ImageSupplier = async (plan, missing, workDir) => {
  const guest = fetchX86GuestBinaries({ log: (l) => process.stderr.write(`hyperlaunch build: ${l}\n`) });
  return debianX86Images(plan, missing.map((n) => n.key), guest, workDir);
};
