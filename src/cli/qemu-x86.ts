/**
 * `hyperlaunch qemu --arch x86_64 FILE` (or a tree that implies x86): plan
 * the x86 boot (src/artifacts/x86), run the x86 rules for the PC QEMU
 * emulates (errors stop the boot unless --force), then boot it under qemu-system-x86_64
 * with Debian's Xen 4.17 amd64 by the direct, GRUB or EFI route
 * (src/qemu/x86-boot.ts).
 */
import { Writable } from 'node:stream';
import { impliesX86 } from '../check/x86-target.js';
import type { BootReport } from '../qemu/boot.js';
import type { ExpectedDomain } from '../qemu/boot-verdict.js';
import { fetchX86GuestBinaries } from '../qemu/guest-packages-x86.js';
import { type EfiLoader, type X86Images, type X86Route, bootX86, qemuPlan, stageX86Images } from '../qemu/x86-boot.js';
import type { X86BootPlan } from '../artifacts/x86/boot-plan.js';
import { findingDiagnostic } from '../check/format.js';
import { hasErrors } from '../check/finding.js';
import type { X86Host } from '../check/x86-target.js';
import { DEFAULT_X86_MACHINE } from '../qemu/x86-machine.js';
import { type LoadedConfig, loadBootConfig } from './boot-config-input.js';
import { x86BuildFindings } from './x86-build-checks.js';
import { type Reporter, createReporter } from './report.js';
import { planForCli } from './x86-plan-input.js';

export const X86_ROUTES: readonly X86Route[] = ['direct', 'grub', 'efi'];
/** Seconds: the slowest measured x86 boot (late launch through OVMF and GRUB, ~25 MB of initrd read by GRUB's EFI disk I/O) took 230 s. */
export const X86_DEFAULT_TIMEOUT = 420;

export interface QemuX86Args {
  file: string;
  includeDirs: string[];
  route: X86Route;
  efiLoader: EfiLoader;
  allowLoss: boolean;
  force: boolean;
  /** undefined: an IOMMU for a PVH dom0 only. */
  iommu?: boolean;
  kernel?: string;
  timeoutSeconds: number;
  graceSeconds: number;
  serialLog?: string;
  withExpects: (expected: ExpectedDomain[]) => ExpectedDomain[];
}

const silent = (): Reporter => createReporter(false, new Writable({ write: (_c, _e, cb) => cb() }));

/** Whether a devicetree given without --arch is an x86 one (read quietly: the real read reports). */
export function treeImpliesX86(file: string, includeDirs: string[]): boolean {
  const loaded = loadBootConfig(file, { includeDirs, target: {}, reporter: silent() });
  return typeof loaded !== 'number' && impliesX86(loaded.model);
}

/** The PC QEMU will emulate, for the x86 rules: x86-machine.ts's board. */
function qemuHost(iommu: boolean): X86Host {
  return { memoryMiB: DEFAULT_X86_MACHINE.memoryMiB, cpus: DEFAULT_X86_MACHINE.cpus, iommu, hap: true };
}

/** The x86 rules for this boot (dom0's kernel probed from the file that boots, its generated ramdisk measured); true when the boot may go on. */
function x86ChecksAllow(loaded: LoadedConfig, plan: X86BootPlan, args: QemuX86Args, kernel: string, images: X86Images, reporter: Reporter): boolean {
  const host = qemuHost(args.iommu ?? plan.dom0.mode === 'pvh');
  // The kernel by its own path: Debian's config file beside it is the probe's fallback.
  const files = new Map([[`${plan.dom0.name}/kernel`, kernel], [`${plan.dom0.name}/ramdisk`, images.ramdisk]]);
  const findings = x86BuildFindings(loaded.model, loaded.tree, plan, files, args.file, host);
  for (const f of findings) reporter.report(findingDiagnostic(f));
  if (!hasErrors(findings)) return true;
  if (args.force) {
    reporter.note('hyperlaunch qemu: booting anyway (--force): expect Xen to refuse it');
    return true;
  }
  reporter.status('qemu', 'the checks found errors; not booted (use --force to boot anyway and see what Xen does)');
  return false;
}

export async function bootX86Tree(args: QemuX86Args, reporter: Reporter, work: string): Promise<BootReport | number> {
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target: { arch: 'x86_64', xenVersion: '4.17' }, reporter });
  if (typeof loaded === 'number') return loaded;
  const planned = planForCli(loaded.model, args.file, { allowLoss: args.allowLoss }, reporter, 'not booted');
  if (typeof planned === 'number') return planned;
  const q = qemuPlan(planned.plan);
  for (const m of q.notLoaded) reporter.note(`${args.file}: note: left out of the QEMU boot (booted without it): ${m}`);
  const guest = fetchX86GuestBinaries({ log: (l) => reporter.note(`hyperlaunch qemu: ${l}`) });
  const images = stageX86Images(q, guest, work, args.kernel);
  if (!x86ChecksAllow(loaded, planned.plan, args, args.kernel ?? guest.kernel, images, reporter)) return 1;
  return bootX86({ ...q, expected: args.withExpects(q.expected) }, guest, work, {
    images,
    route: args.route,
    efiLoader: args.efiLoader,
    iommu: args.iommu,
    kernel: args.kernel,
    timeoutSeconds: args.timeoutSeconds,
    graceSeconds: args.graceSeconds,
    serialLog: args.serialLog,
  });
}
