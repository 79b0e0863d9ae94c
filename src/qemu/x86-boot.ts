/**
 * Boot an x86 plan (src/artifacts/x86) under qemu-system-x86_64 with
 * Debian's Xen 4.17, its generic kernel for every domain, a marker
 * initramfs per late domain and a late-launch dom0 initramfs:
 * - direct: QEMU's own multiboot loader (-kernel Xen's ELF, -initrd the
 *   modules, each with its command line);
 * - grub: a BIOS ISO made by grub-mkrescue from our grub.cfg;
 * - efi: OVMF, booting that ISO's EFI GRUB (loader grub) or xen.efi with our
 *   xen.cfg from a FAT image (loader xen).
 * The plan's own modules are replaced by these images (as the Arm direct
 * route does); its xl.cfg files, start-up script, GRUB and xen.cfg text are
 * used as written.
 */
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { LateDomain, X86BootPaths, X86BootPlan, X86Module } from '../artifacts/x86/boot-plan.js';
import { writeGrubCfg } from '../artifacts/x86/grub-cfg.js';
import { writeLateLaunchScript } from '../artifacts/x86/late-launch-script.js';
import { writeXenEfiCfg } from '../artifacts/x86/xen-efi-cfg.js';
import { DEFAULT_EXTRA, writeXlConfig } from '../artifacts/x86/xl-config.js';
import { type BootOptions, type BootReport, type BootRoute, boot } from './boot.js';
import type { ExpectedDomain } from './boot-verdict.js';
import { QemuError } from './errors.js';
import type { CommandRunner } from './guest-packages.js';
import { runCommand } from './guest-packages.js';
import type { X86GuestBinaries } from './guest-packages-x86.js';
import { buildInitramfs } from './initramfs.js';
import { type LateGuest, buildX86Dom0Initramfs } from './x86-dom0-initramfs.js';
import { DEFAULT_X86_MACHINE, OVMF_CODE, OVMF_VARS, QEMU_X86_BINARY, ovmfArgs, x86MachineArgs } from './x86-machine.js';

export type X86Route = 'direct' | 'grub' | 'efi';
export type EfiLoader = 'grub' | 'xen';

export interface X86BootOptions extends BootOptions {
  route: X86Route;
  /** Under efi: GRUB from the ISO (default) or xen.efi reading xen.cfg. */
  efiLoader?: EfiLoader;
  /** Default: only for a PVH dom0 (which panics without one); false shows that panic. */
  iommu?: boolean;
  /** Replaces Debian's generic kernel for every domain (e.g. the cloud kernel, to show it cannot be dom0). */
  kernel?: string;
  /** Images already staged in work (stageX86Images), e.g. so that checks could read dom0's ramdisk first. */
  images?: X86Images;
}

/** The plan as QEMU boots it: dom0's kernel and our ramdisk only (the rest of the plan's modules stay out). */
export interface X86QemuPlan {
  plan: X86BootPlan;
  /** What was left out, for a note. */
  notLoaded: string[];
  expected: ExpectedDomain[];
}

function describeModule(m: X86Module): string {
  return `${m.kind}${m.domain ? ` of ${m.domain}` : ''}`;
}

/** dom0's kernel (with its command line) and a ramdisk, whatever the plan's modules were. */
export function qemuPlan(plan: X86BootPlan): X86QemuPlan {
  const dom0 = plan.dom0.name;
  const kernel = plan.modules.find((m) => m.kind === 'kernel' && m.domain === dom0);
  const modules: X86Module[] = [
    kernel ?? { domain: dom0, kind: 'kernel', source: { type: 'unresolved' }, cmdline: plan.dom0.cmdline },
    { domain: dom0, kind: 'ramdisk', source: { type: 'unresolved' } },
  ];
  const notLoaded = plan.modules.filter((m) => !(m.domain === dom0 && (m.kind === 'kernel' || m.kind === 'ramdisk'))).map(describeModule);
  const expected: ExpectedDomain[] = [
    { name: dom0, domid: 0, isDom0: true, consoleOnSerial: true },
    ...plan.lateLaunch.map((d): ExpectedDomain => ({ name: d.name, isDom0: false, consoleOnSerial: true, lateLaunch: true })),
  ];
  return { plan: { ...plan, modules, lateLaunch: plan.lateLaunch.map(withRamdisk) }, notLoaded, expected };
}

/** Our marker initramfs goes to every late domain, with a console the relay reads. */
function withRamdisk(d: LateDomain): LateDomain {
  return { ...d, ramdiskPath: d.ramdiskPath ?? `/boot/${d.name}/initrd.img`, extra: d.extra ?? DEFAULT_EXTRA };
}

export interface X86Images {
  /** Xen's ELF (for -kernel), gzip (for GRUB) and EFI forms. */
  xenElf: string;
  xenGz: string;
  xenEfi: string;
  kernel: string;
  ramdisk: string;
}

/**
 * dom0's initramfs for a plan: with late domains, the toolstack, the plan's
 * start-up script and xl.cfg files, and every late domain's kernel (one copy,
 * linked) and marker initramfs at the paths its xl.cfg names; else only
 * dom0's marker.
 */
export function dom0Initramfs(plan: X86BootPlan, guest: X86GuestBinaries, kernel: Uint8Array): Uint8Array {
  const busybox = readFileSync(guest.busybox);
  if (plan.lateLaunch.length === 0) return buildInitramfs(busybox, plan.dom0.name);
  const first = plan.lateLaunch[0]!.kernelPath;
  const late: LateGuest[] = plan.lateLaunch.map((d) => ({
    name: d.name,
    xlConfig: writeXlConfig(d),
    files: [
      // One copy of the kernel in dom0's initramfs, whatever the number of guests.
      d.kernelPath === first ? { path: d.kernelPath, data: kernel } : { path: d.kernelPath, target: first },
      ...(d.ramdiskPath === undefined ? [] : [{ path: d.ramdiskPath, data: buildInitramfs(busybox, d.name) }]),
    ],
  }));
  return buildX86Dom0Initramfs({ guest, dom0Name: plan.dom0.name, late, lateLaunchScript: writeLateLaunchScript(plan) });
}

/** Xen, dom0's kernel and dom0's initramfs (with the late domains inside) in work. */
export function stageX86Images(q: X86QemuPlan, guest: X86GuestBinaries, work: string, kernelFile = guest.kernel): X86Images {
  const kernel = readFileSync(kernelFile);
  const ramdisk = dom0Initramfs(q.plan, guest, kernel);
  const out: X86Images = { xenElf: join(work, 'xen.elf'), xenGz: join(work, 'xen.gz'), xenEfi: join(work, 'xen.efi'), kernel: join(work, 'vmlinuz'), ramdisk: join(work, 'initrd.img') };
  const gz = readFileSync(guest.xenGz);
  writeFileSync(out.xenGz, gz);
  // QEMU's multiboot loader reads an ELF, not gzip.
  writeFileSync(out.xenElf, gunzipSync(gz));
  copyFileSync(guest.xenEfi, out.xenEfi);
  writeFileSync(out.kernel, kernel);
  writeFileSync(out.ramdisk, ramdisk);
  return out;
}

/** QEMU's -initrd list: commas separate modules, so one inside a command line is doubled (QEMU's escape). */
function multibootModule(file: string, cmdline: string | undefined): string {
  if (file.includes(',')) throw new QemuError('BAD_GUEST_PATH', `QEMU's multiboot loader cannot take a path with a comma: ${file}`, { path: file });
  return [file, cmdline ?? ''].join(' ').trim().replace(/,/g, ',,');
}

export function x86DirectArgs(q: X86QemuPlan, images: X86Images, iommu: boolean): string[] {
  const kernel = q.plan.modules[0]!;
  return [
    ...x86MachineArgs({ ...DEFAULT_X86_MACHINE, iommu }),
    '-kernel', images.xenElf,
    '-append', q.plan.xenCmdline,
    '-initrd', `${multibootModule(images.kernel, kernel.cmdline)},${multibootModule(images.ramdisk, undefined)}`,
  ];
}

function checked(run: CommandRunner, cmd: string, args: string[], what: string): void {
  const r = run(cmd, args);
  if (r.error?.includes('ENOENT')) throw new QemuError('BOOT_TOOL_MISSING', `${cmd} is not installed (${what})`, { path: cmd, hint: 'run scripts/install-test-deps.sh, or `hyperlaunch doctor` for the packages' });
  if (r.status !== 0) throw new QemuError('COMMAND_FAILED', `${what} failed: ${(r.stderr || r.error || `exit ${r.status}`).trim().split('\n').slice(-1)[0]}`, { path: cmd });
}

/** grub-mkrescue's ISO (BIOS and EFI GRUB both) holding Xen, dom0's images and our grub.cfg. */
export function buildGrubIso(q: X86QemuPlan, images: X86Images, work: string, run: CommandRunner = runCommand): { iso: string; grubCfg: string } {
  const tree = join(work, 'iso');
  mkdirSync(join(tree, 'boot', 'grub'), { recursive: true });
  copyFileSync(images.xenGz, join(tree, 'boot', 'xen.gz'));
  copyFileSync(images.kernel, join(tree, 'boot', 'vmlinuz'));
  copyFileSync(images.ramdisk, join(tree, 'boot', 'initrd.img'));
  const paths: X86BootPaths = { xen: '/boot/xen.gz', modules: ['/boot/vmlinuz', '/boot/initrd.img'] };
  const grubCfg = writeGrubCfg(q.plan, paths);
  writeFileSync(join(tree, 'boot', 'grub', 'grub.cfg'), grubCfg);
  const iso = join(work, 'boot.iso');
  checked(run, 'grub-mkrescue', ['-o', iso, tree], 'grub-mkrescue');
  return { iso, grubCfg };
}

/** A FAT image as OVMF's removable-media path wants it: \EFI\BOOT\BOOTX64.EFI (xen.efi), BOOTX64.cfg (xen.cfg) beside it. */
export function buildXenEfiDisk(q: X86QemuPlan, images: X86Images, work: string, run: CommandRunner = runCommand): { disk: string; xenCfg: string } {
  const disk = join(work, 'efi.img');
  const xenCfg = writeXenEfiCfg(q.plan, { xen: 'BOOTX64.EFI', modules: ['vmlinuz', 'initrd.img'] });
  const cfg = join(work, 'BOOTX64.cfg');
  writeFileSync(cfg, xenCfg);
  const bytes = [images.xenEfi, images.kernel, images.ramdisk].reduce((n, f) => n + readFileSync(f).length, 0);
  // FAT32 (what UEFI reads for sure) needs 65525 clusters: 64 MiB at least.
  const mib = Math.max(64, Math.ceil(bytes / 2 ** 20) + 16);
  writeFileSync(disk, Buffer.alloc(0));
  truncateSync(disk, mib * 2 ** 20);
  checked(run, 'mformat', ['-i', disk, '-F', '::'], 'mformat');
  checked(run, 'mmd', ['-i', disk, '::/EFI', '::/EFI/BOOT'], 'mmd');
  for (const [src, name] of [[images.xenEfi, 'BOOTX64.EFI'], [cfg, 'BOOTX64.cfg'], [images.kernel, 'vmlinuz'], [images.ramdisk, 'initrd.img']] as const) {
    checked(run, 'mcopy', ['-i', disk, src, `::/EFI/BOOT/${name}`], `mcopy ${name}`);
  }
  return { disk, xenCfg };
}

/** Seconds until Xen's first line: firmware and a boot loader go first. */
const SILENCE: Record<Exclude<BootRoute, 'direct' | 'uboot'>, number> = { 'x86-direct': 30, grub: 90, 'efi-grub': 180, 'efi-xen': 120 };

export interface X86BootReport extends BootReport {
  /** The grub.cfg or xen.cfg that booted, as written. */
  loaderConfig?: string;
}

export async function bootX86(q: X86QemuPlan, guest: X86GuestBinaries, work: string, opts: X86BootOptions): Promise<X86BootReport> {
  const iommu = opts.iommu ?? q.plan.dom0.mode === 'pvh';
  const images = opts.images ?? stageX86Images(q, guest, work, opts.kernel);
  const machine = x86MachineArgs({ ...DEFAULT_X86_MACHINE, iommu });
  const qemu = opts.qemu ?? QEMU_X86_BINARY;
  if (opts.route === 'direct') return boot('x86-direct', x86DirectArgs(q, images, iommu), q.expected, SILENCE['x86-direct'], { ...opts, qemu });
  if (opts.route === 'grub') {
    const { iso, grubCfg } = buildGrubIso(q, images, work);
    return { ...(await boot('grub', [...machine, '-cdrom', iso], q.expected, SILENCE.grub, { ...opts, qemu })), loaderConfig: grubCfg };
  }
  const vars = join(work, 'OVMF_VARS.fd');
  copyFileSync(OVMF_VARS, vars);
  const firmware = ovmfArgs(vars, OVMF_CODE);
  if ((opts.efiLoader ?? 'grub') === 'grub') {
    const { iso, grubCfg } = buildGrubIso(q, images, work);
    return { ...(await boot('efi-grub', [...machine, ...firmware, '-cdrom', iso], q.expected, SILENCE['efi-grub'], { ...opts, qemu })), loaderConfig: grubCfg };
  }
  const { disk, xenCfg } = buildXenEfiDisk(q, images, work);
  const drive = ['-drive', `if=ide,format=raw,file=${disk}`];
  return { ...(await boot('efi-xen', [...machine, ...firmware, ...drive], q.expected, SILENCE['efi-xen'], { ...opts, qemu })), loaderConfig: xenCfg };
}
