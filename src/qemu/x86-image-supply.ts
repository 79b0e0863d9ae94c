/**
 * Debian's images for an x86 build (`build --arch x86_64`) that names none:
 * Xen 4.17 (gzip for GRUB, xen.efi), the generic kernel for every domain,
 * dom0's initramfs with the late-launch toolstack and the guests inside
 * (x86-boot.ts's dom0Initramfs, as `qemu` boots it), and a marker
 * initramfs per late domain. The result maps the build's image keys
 * (`xen`, `xen.efi`, `DOMAIN/kernel`, `DOMAIN/ramdisk`) to files; a key it
 * cannot make (microcode, a policy) is left out.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { X86BootPlan } from '../artifacts/x86/boot-plan.js';
import type { X86GuestBinaries } from './guest-packages-x86.js';
import { buildInitramfs } from './initramfs.js';
import { dom0Initramfs } from './x86-boot.js';

/** Content-addressed, so a second build of the same plan reuses the files and two builds never race on one name. */
function writeGenerated(dir: string, name: string, data: Uint8Array): string {
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const sub = join(dir, hash);
  mkdirSync(sub, { recursive: true });
  const file = join(sub, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
  return file;
}

export function debianX86Images(plan: X86BootPlan, keys: readonly string[], guest: X86GuestBinaries, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const want = new Set(keys);
  const give = (key: string, file: () => string): void => {
    if (want.has(key)) out.set(key, file());
  };
  give('xen', () => guest.xenGz);
  give('xen.efi', () => guest.xenEfi);
  give(`${plan.dom0.name}/kernel`, () => guest.kernel);
  give(`${plan.dom0.name}/ramdisk`, () => writeGenerated(dir, 'initrd.img', dom0Initramfs(plan, guest, readFileSync(guest.kernel))));
  for (const d of plan.lateLaunch) {
    give(`${d.name}/kernel`, () => guest.kernel);
    give(`${d.name}/ramdisk`, () => writeGenerated(dir, 'initrd.img', buildInitramfs(readFileSync(guest.busybox), d.name)));
  }
  return out;
}
