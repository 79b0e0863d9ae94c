/**
 * Whether a configuration is meant for x86 without `--arch`: the target says
 * so, the Hyperlaunch container names x86, or its modules are multiboot
 * indexes (GRUB loads them; Arm boots place modules by address).
 */
import type { BootModel } from '../model/boot-model.js';

export function impliesX86(model: BootModel): boolean {
  if (model.target.arch) return model.target.arch === 'x86_64';
  if (model.interface !== 'hyperlaunch') return false;
  if (model.hypervisor.container?.compatible?.some((c) => /x86/.test(c))) return true;
  const modules = [...model.hypervisor.modules, ...model.domains.flatMap((d) => d.modules)];
  return modules.length > 0 && modules.every((m) => m.location?.type === 'multiboot-index');
}

/**
 * The x86 machine Xen boots on, as far as the user tells (there is no host
 * devicetree on x86): RAM, CPUs, an IOMMU (VT-d / AMD-Vi), hardware-assisted
 * paging (EPT / NPT). Unknown facts skip the rules that need them.
 */
export interface X86Host {
  memoryMiB?: number;
  cpus?: number;
  iommu?: boolean;
  hap?: boolean;
}

/**
 * Named machines: QEMU as the x86 boots here run it (-m 2G -smp 2,
 * -cpu qemu64,+svm,+npt; `q35-iommu` adds -machine q35 -device intel-iommu).
 */
export const X86_HOST_PRESETS: Readonly<Record<string, X86Host>> = {
  qemu: { memoryMiB: 2048, cpus: 2, iommu: false, hap: true },
  'qemu-iommu': { memoryMiB: 2048, cpus: 2, iommu: true, hap: true },
};

function sizeMiB(v: string): number | undefined {
  const m = /^(\d+)([MG]?)$/i.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.toUpperCase() === 'G' ? 1024 : 1);
}

function flag(v: string): boolean | undefined {
  return ({ on: true, yes: true, '1': true, off: false, no: false, '0': false } as Record<string, boolean>)[v.toLowerCase()];
}

/** `qemu`, `qemu-iommu`, or `mem=2G,cpus=4,iommu=on,hap=on` (a preset may lead: `qemu,cpus=4`). Throws RangeError on anything else. */
export function parseX86Host(spec: string): X86Host {
  const host: X86Host = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const preset = X86_HOST_PRESETS[part];
    if (preset) {
      Object.assign(host, preset);
      continue;
    }
    const [key, value = ''] = part.split('=', 2) as [string, string?];
    const bad = (): never => {
      throw new RangeError(`bad x86 host fact '${part}' (expected ${Object.keys(X86_HOST_PRESETS).join(', ')}, mem=SIZE[M|G], cpus=N, iommu=on|off, hap=on|off)`);
    };
    if (key === 'mem') host.memoryMiB = sizeMiB(value) ?? bad();
    else if (key === 'cpus' && /^\d+$/.test(value) && Number(value) > 0) host.cpus = Number(value);
    else if (key === 'iommu') host.iommu = flag(value) ?? bad();
    else if (key === 'hap') host.hap = flag(value) ?? bad();
    else bad();
  }
  return host;
}

/** What the x86 rules know beyond the model. */
export interface X86CheckFacts {
  host?: X86Host;
  /** Domains other than dom0 will be started from dom0 with xl (the x86 build does this by default). */
  lateLaunch?: boolean;
  /** Kernel image files by domain name, to probe (x86-kernel-probe.ts). */
  kernels?: ReadonlyMap<string, string>;
  /** Ramdisk files by domain name, for their size (x86-dom0-kernel-fit). */
  ramdisks?: ReadonlyMap<string, string>;
}
