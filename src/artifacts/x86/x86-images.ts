/**
 * The image files an x86 build needs, by key: `xen`, `xen.efi`, and
 * `DOMAIN/KIND` for each module (`xen/microcode` for Xen's own). They come
 * from `--xen` / `--module`, from file names in the model (relative to the
 * configuration file), and for the rest from a supplier: the seam through
 * which the QEMU layer's cache of Debian's Xen, kernel and generated
 * initramfs images fills in what the user did not name.
 */
import { isAbsolute, join } from 'node:path';
import type { LateDomain, ModuleSource, X86BootPlan, X86Module } from './boot-plan.js';

export const XEN_IMAGE = 'xen';
export const XEN_EFI_IMAGE = 'xen.efi';

export interface X86ImageNeed {
  key: string;
  /** Without it the build cannot be written (xen.efi is optional: only the EFI route uses it). */
  required: boolean;
  /** What the model says about the file. */
  source?: ModuleSource;
  /** The domain the image belongs to, and whether dom0 starts it (late) or Xen boots it. */
  domain?: string;
  late: boolean;
}

/** `dom0/kernel`, `xen/microcode`; a module Xen ignores by its node name (`dom0/blob`). */
export function moduleImageKey(m: X86Module): string {
  return `${m.domain ?? 'xen'}/${m.kind === 'other' && m.name ? m.name : m.kind}`;
}

export function lateImageKeys(d: LateDomain): { kernel: string; ramdisk?: string } {
  return { kernel: `${d.name}/kernel`, ramdisk: d.ramdiskPath === undefined ? undefined : `${d.name}/ramdisk` };
}

/** Every image the plan needs; the native DTB is not among them (the build compiles it from the input). */
export function imageNeeds(plan: X86BootPlan): X86ImageNeed[] {
  const needs: X86ImageNeed[] = [{ key: XEN_IMAGE, required: true, late: false }, { key: XEN_EFI_IMAGE, required: false, late: false }];
  for (const m of plan.modules) {
    if (m.kind === 'hyperlaunch-dtb') continue;
    needs.push({ key: moduleImageKey(m), required: true, source: m.source, domain: m.domain, late: false });
  }
  for (const d of plan.lateLaunch) {
    const k = lateImageKeys(d);
    needs.push({ key: k.kernel, required: true, source: d.kernel, domain: d.name, late: true });
    if (k.ramdisk) needs.push({ key: k.ramdisk, required: true, source: d.ramdisk, domain: d.name, late: true });
  }
  return needs;
}

/**
 * Images supplied for keys still missing (e.g. from a package cache); keys it
 * cannot supply are left out. `workDir` is a scratch directory for images it
 * generates (an initramfs); the build copies them out before removing it.
 */
export type X86ImageSupplier = (plan: X86BootPlan, missing: readonly X86ImageNeed[], workDir: string) => Promise<ReadonlyMap<string, string>>;

export interface ImageResolution {
  files: Map<string, string>;
  missing: X86ImageNeed[];
}

/** `given` (command line) first, then file names in the model, relative to `baseDir`. */
export function resolveImages(plan: X86BootPlan, given: ReadonlyMap<string, string>, baseDir: string): ImageResolution {
  const files = new Map<string, string>();
  const missing: X86ImageNeed[] = [];
  for (const n of imageNeeds(plan)) {
    const file = given.get(n.key) ?? (n.source?.type === 'file' ? (isAbsolute(n.source.path) ? n.source.path : join(baseDir, n.source.path)) : undefined);
    if (file !== undefined) files.set(n.key, file);
    else missing.push(n);
  }
  return { files, missing };
}

/** Fill `r` from a supplier; what it cannot give stays missing. */
export async function supplyImages(plan: X86BootPlan, r: ImageResolution, supplier: X86ImageSupplier | undefined, workDir: string): Promise<ImageResolution> {
  if (!supplier || r.missing.length === 0) return r;
  const got = await supplier(plan, r.missing, workDir);
  const files = new Map(r.files);
  for (const [k, v] of got) files.set(k, v);
  return { files, missing: r.missing.filter((n) => !files.has(n.key)) };
}
