/**
 * Where an x86 build puts each file, relative to its directory. The
 * directory is the ISO's root as grub-mkrescue takes it: GRUB reads
 * /boot/grub/grub.cfg, Xen and dom0's modules sit in /boot, and xen.cfg
 * sits beside them (and beside xen.efi) because Xen's EFI loader opens
 * files relative to its own directory. What dom0 needs for late launch
 * (xl.cfg files, the start-up script, the guests' images) is under xl/
 * and domains/, with the path each has inside dom0.
 */
import type { X86BootPaths, X86BootPlan, X86Module } from './boot-plan.js';
import { moduleImageKey, lateImageKeys, XEN_EFI_IMAGE, XEN_IMAGE } from './x86-images.js';
import { LATE_LAUNCH_DEFAULTS, xlConfigName } from './late-launch-script.js';

export const GRUB_CFG = 'boot/grub/grub.cfg';
export const XEN_CFG = 'boot/xen.cfg';
export const LATE_LAUNCH_SCRIPT = 'xl/late-launch.sh';
export const LATE_LAUNCH_IN_DOM0 = `${LATE_LAUNCH_DEFAULTS.xlDir}/late-launch.sh`;

function moduleFile(m: X86Module, i: number, plan: X86BootPlan): string {
  const dom0 = m.domain === plan.dom0.name;
  if (dom0 && m.kind === 'kernel') return 'vmlinuz';
  if (dom0 && m.kind === 'ramdisk') return 'initrd.img';
  if (m.kind === 'microcode') return 'ucode.bin';
  if (m.kind === 'hyperlaunch-dtb') return 'hyperlaunch.dtb';
  return `module${i}-${m.domain ?? 'xen'}-${m.kind}`;
}

/** An image copied into the build: build-relative path, and its path in dom0 for late-launch files. */
export interface LaidOutImage {
  key: string;
  file: string;
  inDom0?: string;
}

export interface X86Layout {
  /** The names GRUB uses (absolute on the ISO). */
  grub: X86BootPaths;
  /** The names xen.cfg uses (relative to xen.efi's directory). */
  efi: X86BootPaths;
  images: LaidOutImage[];
  xlConfigs: { domain: string; file: string; inDom0: string }[];
}

export function x86Layout(plan: X86BootPlan, xenCompressed: boolean): X86Layout {
  const names = plan.modules.map((m, i) => moduleFile(m, i, plan));
  const xen = xenCompressed ? 'xen.gz' : 'xen';
  const images: LaidOutImage[] = [{ key: XEN_IMAGE, file: `boot/${xen}` }, { key: XEN_EFI_IMAGE, file: 'boot/xen.efi' }];
  plan.modules.forEach((m, i) => {
    if (m.kind !== 'hyperlaunch-dtb') images.push({ key: moduleImageKey(m), file: `boot/${names[i]}` });
  });
  for (const d of plan.lateLaunch) {
    const k = lateImageKeys(d);
    images.push({ key: k.kernel, file: `domains/${d.name}/vmlinuz`, inDom0: d.kernelPath });
    if (k.ramdisk && d.ramdiskPath) images.push({ key: k.ramdisk, file: `domains/${d.name}/initrd.img`, inDom0: d.ramdiskPath });
  }
  return {
    grub: { xen: `/boot/${xen}`, modules: names.map((n) => `/boot/${n}`) },
    efi: { xen: 'xen.efi', modules: names },
    images,
    xlConfigs: plan.lateLaunch.map((d) => ({ domain: d.name, file: `xl/${xlConfigName(d.name)}`, inDom0: `${LATE_LAUNCH_DEFAULTS.xlDir}/${xlConfigName(d.name)}` })),
  };
}

/** Files dom0's root file system needs for late launch: build-relative path → path in dom0. */
export function dom0LateFiles(plan: X86BootPlan, layout: X86Layout): { file: string; inDom0: string; mode: number }[] {
  if (!plan.lateLaunch.length) return [];
  return [
    { file: LATE_LAUNCH_SCRIPT, inDom0: LATE_LAUNCH_IN_DOM0, mode: 0o755 },
    ...layout.xlConfigs.map((x) => ({ file: x.file, inDom0: x.inDom0, mode: 0o644 })),
    ...layout.images.filter((i) => i.inDom0).map((i) => ({ file: i.file, inDom0: i.inDom0!, mode: 0o644 })),
  ];
}
