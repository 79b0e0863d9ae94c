/**
 * A dom0less or Hyperlaunch devicetree as an ImageBuilder config for the
 * firmware route: Hyperlaunch is converted to dom0less (what Xen 4.17 on Arm
 * boots), every domain with a kernel gets Debian's Linux and its own marker
 * initramfs, and the files are staged in a directory the config is relative
 * to. planConfigBoot then builds boot.scr from it, as for `qemu -c`.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBootConfig } from '../bindings/boot-config.js';
import type { ImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { configFromDeviceTree } from '../artifacts/from-devicetree.js';
import { writeDtb } from '../fdt/dtb/write.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { Loss } from '../model/loss.js';
import { VIRT_DTB_NAME } from './config-boot.js';
import { DEFAULT_DOM0_BOOTARGS, DEFAULT_DOMU_BOOTARGS, DEFAULT_XEN_BOOTARGS, type GuestFiles } from './direct-plan.js';
import { buildInitramfs, markerToken } from './initramfs.js';

export interface StagedTreeConfig {
  config: ImageBuilderConfig;
  /** What the config does not carry (a Hyperlaunch-only setting, a module without a file here). */
  losses: Loss[];
  /** ImageBuilder's domain names (`domU0`...) → the tree's. */
  domainNames: Map<string, string>;
}

/**
 * Stage Xen, the kernel, one initramfs per domain and QEMU virt's DTB in
 * stageDir, and return the config naming them. The tree's own host nodes and
 * module addresses are not used: the build lays the images out again.
 */
export function stageTreeConfig(tree: DeviceTree, host: DeviceTree, guest: GuestFiles, stageDir: string): StagedTreeConfig {
  symlinkSync(guest.xen, join(stageDir, 'xen'));
  symlinkSync(guest.kernel, join(stageDir, 'Image'));
  const hostDtb = writeDtb(host);
  writeFileSync(join(stageDir, VIRT_DTB_NAME), hostDtb);
  const files = new Map<string, string>();
  const byRamdisk = new Map<string, string>();
  for (const d of readBootConfig(tree).domains) {
    if (!d.modules.some((m) => m.kind === 'kernel')) continue;
    const ramdisk = `${markerToken(d.name)}-${d.isDom0 ? 'dom0' : 'domU'}.cpio.gz`;
    byRamdisk.set(ramdisk, d.name);
    writeFileSync(join(stageDir, ramdisk), buildInitramfs(guest.busybox, d.name));
    files.set(`${d.name}/kernel`, 'Image');
    files.set(`${d.name}/ramdisk`, ramdisk);
  }
  const { config, losses } = configFromDeviceTree(tree, { hostFile: VIRT_DTB_NAME, hostDtb, xen: 'xen', files, loadCmd: 'tftp' });
  // Command lines that reach the serial line where the tree gives none (as the direct route does).
  config.xenCmd ??= DEFAULT_XEN_BOOTARGS;
  if (config.dom0Kernel) config.dom0Cmd ??= DEFAULT_DOM0_BOOTARGS;
  for (const d of config.domus) if (d.kernel) d.cmd ??= DEFAULT_DOMU_BOOTARGS;
  // Each domain's own initramfs says which tree domain became which DOMU_* index.
  const domainNames = new Map<string, string>();
  if (config.dom0Ramdisk && byRamdisk.has(config.dom0Ramdisk)) domainNames.set('dom0', byRamdisk.get(config.dom0Ramdisk)!);
  config.domus.forEach((d, i) => {
    const name = d.ramdisk && byRamdisk.get(d.ramdisk);
    if (name) domainNames.set(`domU${i}`, name);
  });
  return { config, losses, domainNames };
}
