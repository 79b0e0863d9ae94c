/**
 * A bootable ISO from a build directory with grub-mkrescue (BIOS and EFI:
 * it embeds i386-pc and x86_64-efi GRUB when grub-pc-bin and
 * grub-efi-amd64-bin are installed, and needs xorriso, plus mtools for the
 * EFI system partition). The directory's /boot/grub/grub.cfg is the menu.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const GRUB_PLATFORM_DIRS = { bios: '/usr/lib/grub/i386-pc', efi: '/usr/lib/grub/x86_64-efi' } as const;

export interface IsoResult {
  ok: boolean;
  /** grub-mkrescue's own output, for the error message. */
  output: string;
  /** Platforms the ISO boots on, from the GRUB directories installed. */
  platforms: ('bios' | 'efi')[];
}

export function grubPlatforms(): ('bios' | 'efi')[] {
  return (Object.keys(GRUB_PLATFORM_DIRS) as ('bios' | 'efi')[]).filter((p) => existsSync(GRUB_PLATFORM_DIRS[p]));
}

/**
 * Run grub-mkrescue on the build's `boot/` directory (grafted as /boot, so
 * the ISO holds what GRUB loads and not dom0's late-launch files) into `iso`
 * through a temporary file. `tool` overrides the command (tests). The ISO is
 * not byte-reproducible: grub-mkrescue stamps times into its EFI image.
 */
export function buildGrubIso(buildDir: string, iso: string, tool = 'grub-mkrescue'): IsoResult {
  const tmp = join(dirname(iso), `.${basename(iso)}.${process.pid}.tmp`);
  const r = spawnSync(tool, ['-o', tmp, `boot=${join(buildDir, 'boot')}`], { encoding: 'utf8' });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error.message) : ''}`.trim();
  if (r.status !== 0 || !existsSync(tmp)) {
    try {
      unlinkSync(tmp);
    } catch {
      // grub-mkrescue left nothing
    }
    return { ok: false, output, platforms: [] };
  }
  renameSync(tmp, iso);
  return { ok: true, output, platforms: grubPlatforms() };
}
