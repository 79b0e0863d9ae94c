/**
 * An x86 build: every file of the boot directory — grub.cfg, xen.cfg, the
 * xl.cfg files and start-up script for late launch, and the images —
 * assembled first (so a caller can list or check it) and then written,
 * each through a temporary file and a rename, never over an input.
 */
import { chmodSync, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FdtError } from '../../fdt/errors.js';
import { copyFileAtomic, overwrittenInput, refusalMessage, writeFileAtomic } from '../output-write.js';
import type { X86BootPlan } from './boot-plan.js';
import { writeGrubCfg } from './grub-cfg.js';
import { writeLateLaunchScript } from './late-launch-script.js';
import { XEN_IMAGE } from './x86-images.js';
import { GRUB_CFG, LATE_LAUNCH_SCRIPT, XEN_CFG, type X86Layout, x86Layout } from './x86-layout.js';
import { writeXenEfiCfg } from './xen-efi-cfg.js';
import { writeXlConfig } from './xl-config.js';

export interface X86BuildFile {
  /** Relative to the build directory. */
  path: string;
  /** Text or bytes to write, or the image file to copy. */
  data?: string | Uint8Array;
  copyFrom?: string;
  mode?: number;
}

export interface X86Build {
  plan: X86BootPlan;
  layout: X86Layout;
  files: X86BuildFile[];
}

const textEncoder = new TextEncoder();

/** GRUB's gzio reads both; the name tells a reader which one it is. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The files of the build, in a fixed order; `images` maps image keys (x86-images.ts) to files. */
export function assembleX86Build(plan: X86BootPlan, images: ReadonlyMap<string, string>, nativeDtb?: Uint8Array): X86Build {
  const xen = images.get(XEN_IMAGE);
  const layout = x86Layout(plan, xen !== undefined && isGzipFile(xen));
  const files: X86BuildFile[] = [
    { path: GRUB_CFG, data: writeGrubCfg(plan, layout.grub) },
    { path: XEN_CFG, data: writeXenEfiCfg(plan, layout.efi) },
  ];
  if (plan.lateLaunch.length) {
    files.push({ path: LATE_LAUNCH_SCRIPT, data: writeLateLaunchScript(plan), mode: 0o755 });
    plan.lateLaunch.forEach((d, i) => files.push({ path: layout.xlConfigs[i]!.file, data: writeXlConfig(d) }));
  }
  for (const img of layout.images) {
    const from = images.get(img.key);
    if (from !== undefined) files.push({ path: img.file, copyFrom: from });
  }
  if (plan.native && nativeDtb) files.push({ path: 'boot/hyperlaunch.dtb', data: nativeDtb });
  return { plan, layout, files };
}

/** Write the build under `dir`; `inputs` are files that must not be overwritten. Returns the paths written. */
export function writeX86Build(build: X86Build, dir: string, inputs: readonly string[] = []): string[] {
  const sources = [...inputs, ...build.files.flatMap((f) => (f.copyFrom ? [f.copyFrom] : []))];
  for (const f of build.files) {
    const hit = overwrittenInput(join(dir, f.path), sources);
    if (hit) throw new FdtError('OUTPUT', refusalMessage(hit), { hint: 'build into another directory than the one the images come from' });
  }
  for (const f of build.files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    if (f.copyFrom !== undefined) copyFileAtomic(f.copyFrom, target);
    else writeFileAtomic(target, typeof f.data === 'string' ? textEncoder.encode(f.data) : f.data!);
    if (f.mode !== undefined) chmodSync(target, f.mode);
  }
  return build.files.map((f) => f.path);
}
