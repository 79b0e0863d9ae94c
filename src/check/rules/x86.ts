/**
 * x86 rules: what Xen 4.17 on x86 does with a configuration. It builds one
 * domain at boot, dom0, from the first multiboot module (setup.c), as PV
 * or, with `dom0=pvh`, PVH (which needs an IOMMU and, in a build without
 * shadow paging such as Debian's, HAP); everything else is started later
 * from dom0 with xl. Rules run when the configuration is checked for x86
 * and a target release is given.
 */
import type { BootModel } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import { atDomain, type CheckContext } from '../context.js';
import type { Rule } from '../rule.js';
import { x86BuildHas } from '../target.js';
import { chooseDom0 } from '../x86-dom0.js';
import { type KernelProbe, type PvImageLayout, probeX86Kernel, supportsDom0, supportsPvhEntry } from '../x86-kernel-probe.js';
import { KIB } from '../../model/memory.js';
import { statSync } from 'node:fs';
import { pvDom0Fit, smallestDom0MiB } from '../x86-dom0-fit.js';

function dom0(ctx: CheckContext): Domain | undefined {
  return chooseDom0(ctx.model)?.domain;
}

function xenArgs(model: BootModel): string {
  return model.hypervisor.xenBootargs ?? model.hypervisor.bootargs ?? '';
}

/** PVH when the domain says so, or Xen's command line asks for it (`dom0=pvh`, `dom0=...,pvh`). */
function dom0IsPvh(ctx: CheckContext, d: Domain): boolean {
  return d.mode?.guest === 'pvh' || /(?:^|\s)dom0=(?:[^\s]*,)?pvh(?:,|\s|$)/.test(xenArgs(ctx.model));
}

function others(ctx: CheckContext): Domain[] {
  const d0 = dom0(ctx);
  return ctx.model.domains.filter((d) => d !== d0);
}

function mib(kib: bigint | undefined): number {
  return kib === undefined ? 0 : Number((kib + KIB - 1n) / KIB);
}

/** The probe of a domain's kernel file, once per check. */
const probes = new WeakMap<CheckContext, Map<string, KernelProbe>>();
function kernelProbe(ctx: CheckContext, domain: string): KernelProbe | undefined {
  const file = ctx.x86?.kernels?.get(domain);
  if (file === undefined) return undefined;
  let cache = probes.get(ctx);
  if (!cache) probes.set(ctx, (cache = new Map()));
  if (!cache.has(file)) cache.set(file, probeX86Kernel(file));
  return cache.get(file);
}

/** The size of dom0's ramdisk file when one is named and readable. */
function ramdiskBytes(ctx: CheckContext, domain: string): bigint | undefined {
  const file = ctx.x86?.ramdisks?.get(domain);
  if (file === undefined) return undefined;
  try {
    return BigInt(statSync(file).size);
  } catch {
    return undefined;
  }
}

/** The layout the PV builder computes with: a 64-bit ELF with loadable segments, no BSD symbol table appended. */
function pvLayout(ctx: CheckContext, d: Domain): PvImageLayout | undefined {
  const l = kernelProbe(ctx, d.name)?.notes?.layout;
  return l && l.elf64 && !l.bsdSymtab && l.pend > l.pstart ? l : undefined;
}

const mibOfBytes = (b: bigint): string => (Number(b) / 1048576).toFixed(1).replace(/\.0$/, '');

export const X86_RULES: Rule[] = [
  {
    id: 'x86-boot-domus', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/setup.c', needs: 'target',
    xenMessage: '(silent: Xen builds dom0 from the first module and ignores the other domains)',
    summary: 'a domain other than dom0, which Xen on x86 does not build at boot (no late launch asked for)',
    hint: 'start it from dom0 with xl: `hyperlaunch build --arch x86_64` writes its xl.cfg and the dom0 script (late launch, on unless --no-late-launch); `check --late-launch` accepts it',
    check(ctx, report) {
      if (!ctx.x86 || ctx.x86.lateLaunch) return;
      const d0 = dom0(ctx);
      for (const d of others(ctx)) {
        report(atDomain(ctx.model, d), `${d.name}: Xen ${ctx.build!.label} on x86 builds ${d0 ? `dom0 (${d0.name})` : 'dom0'} alone; ${d.name} is not built at boot`);
      }
    },
  },
  {
    id: 'x86-pvh-dom0-iommu', group: 'x86', severity: 'error', xenSource: 'xen/drivers/passthrough/x86/iommu.c', needs: 'target',
    xenMessage: 'Presently, iommu must be enabled for PVH hardware domain',
    summary: 'a PVH dom0 on a host without an IOMMU, or with `iommu=0` on Xen\'s command line (Xen panics)',
    hint: 'boot dom0 as PV (mode 64-bit PV), or enable VT-d / AMD-Vi (QEMU: -machine q35 -device intel-iommu,intremap=on)',
    check(ctx, report) {
      const d = dom0(ctx);
      if (!ctx.x86 || !d || !dom0IsPvh(ctx, d)) return;
      const off = /(?:^|\s)iommu=(?:0|no|off|false)(?:\s|,|$)/.test(xenArgs(ctx.model));
      if (off) report(atDomain(ctx.model, d, 'mode'), `${d.name}: a PVH dom0 with iommu=off on Xen's command line; Xen panics "Presently, iommu must be enabled for PVH hardware domain"`);
      else if (ctx.x86.host?.iommu === false) report(atDomain(ctx.model, d, 'mode'), `${d.name}: a PVH dom0 on a host without an IOMMU; Xen panics "Presently, iommu must be enabled for PVH hardware domain"`);
    },
  },
  {
    id: 'x86-pvh-hap', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/hvm/hvm.c', needs: 'target',
    xenMessage: 'HVM: Hardware Assisted Paging (HAP) not detected',
    summary: 'a PVH domain on a host without HAP (EPT/NPT) for a Xen built without shadow paging (Debian 4.17): it cannot run',
    hint: 'use PV, a CPU with EPT/NPT (QEMU: -cpu qemu64,+svm,+npt), or a Xen built with CONFIG_SHADOW_PAGING',
    check(ctx, report) {
      if (!ctx.x86 || ctx.x86.host?.hap !== false || x86BuildHas(ctx.build, 'SHADOW_PAGING')) return;
      const d0 = dom0(ctx);
      for (const d of ctx.model.domains) {
        const pvh = d === d0 ? dom0IsPvh(ctx, d) : d.mode?.guest === 'pvh';
        const outcome = d === d0 ? 'Xen panics "Error creating d0: -95"' : 'xl create fails';
        if (pvh) report(atDomain(ctx.model, d, 'mode'), `${d.name}: PVH needs HAP on Xen ${ctx.build!.label} (no shadow paging), and the host has none; ${outcome}`);
      }
    },
  },
  {
    id: 'x86-module-order', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/setup.c', needs: 'target',
    xenMessage: 'Could not construct domain 0',
    summary: 'dom0\'s kernel is not multiboot module 1, or its ramdisk not the first module nobody claimed: Xen 4.17 takes module 1 as the kernel ("Dom0 kernel is always first")',
    hint: '`hyperlaunch build --arch x86_64` writes the modules in 4.17\'s order: kernel, ramdisk, then the rest',
    check(ctx, report) {
      const d = dom0(ctx);
      if (!ctx.x86 || !d) return;
      const index = (kind: string) => {
        const loc = d.modules.find((m) => m.kind === kind)?.location;
        return loc?.type === 'multiboot-index' ? loc.index : undefined;
      };
      const kernel = index('kernel');
      const ramdisk = index('ramdisk');
      if (kernel !== undefined && kernel !== 1) report(atDomain(ctx.model, d), `${d.name}: the kernel is multiboot module ${kernel}; Xen ${ctx.build!.label} builds dom0 from module 1 (a blob there: "ELF: not an ELF binary", then the panic "Could not construct domain 0")`);
      const claimed = new Set([1, ...ctx.model.hypervisor.modules.filter((m) => m.kind === 'microcode').flatMap((m) => (m.location?.type === 'multiboot-index' ? [m.location.index] : []))]);
      let first = 2;
      while (claimed.has(first)) first++;
      if (ramdisk !== undefined && ramdisk !== first && kernel === 1) report(atDomain(ctx.model, d), `${d.name}: the ramdisk is multiboot module ${ramdisk}; Xen ${ctx.build!.label} takes module ${first} as dom0's initrd`);
    },
  },
  {
    id: 'x86-kernel-dom0', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/pv/dom0_build.c', needs: 'target',
    xenMessage: '(silent on 4.17.7: Xen builds dom0 and the kernel stops after "about to get started..."; the source\'s "Kernel does not support Dom0 operation" is not printed)',
    summary: 'dom0\'s kernel image lacks dom0 support (its Xen SUPPORTED_FEATURES note has no XENFEAT_dom0, e.g. Debian\'s cloud kernel), probed from the file',
    hint: 'use a kernel built with CONFIG_XEN_DOM0 (Debian: linux-image-amd64, not -cloud-amd64)',
    check(ctx, report) {
      const d = dom0(ctx);
      const p = d && kernelProbe(ctx, d.name);
      if (!p || supportsDom0(p) !== false) return;
      const why = p.notes ? 'its Xen SUPPORTED_FEATURES note lacks XENFEAT_dom0' : `${p.config!.file} has no CONFIG_XEN_DOM0`;
      const outcome = dom0IsPvh(ctx, d) ? 'the kernel cannot run as dom0' : 'Xen 4.17.7 builds dom0 anyway (the source\'s "Kernel does not support Dom0 operation" is not printed) and the kernel stops after "about to get started...": dom0 never reaches userspace';
      report(atDomain(ctx.model, d), `${d.name}: ${p.file}${p.version ? ` (${p.version.split(' ')[0]})` : ''}: ${why}; ${outcome}`);
    },
  },
  {
    id: 'x86-kernel-pvh', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/hvm/dom0_build.c', needs: 'target',
    xenMessage: 'Unable to find XEN_ELFNOTE_PHYS32_ENTRY address',
    summary: 'a PVH dom0 whose kernel has no PVH entry point (no PHYS32_ENTRY note: built without CONFIG_XEN_PVH)',
    hint: 'use a kernel built with CONFIG_XEN_PVH, or boot dom0 as PV',
    check(ctx, report) {
      const d = dom0(ctx);
      const p = d && kernelProbe(ctx, d.name);
      if (!p || !dom0IsPvh(ctx, d) || supportsPvhEntry(p) !== false) return;
      report(atDomain(ctx.model, d), `${d.name}: ${p.file} has no PVH entry point; Xen panics "Could not construct domain 0"`);
    },
  },
  {
    id: 'x86-dom0-kernel-fit', group: 'x86', severity: 'error', xenSource: 'xen/arch/x86/pv/dom0_build.c', needs: 'target',
    xenMessage: 'Domain 0 allocation is too small for kernel image',
    summary: 'a PV dom0 whose memory cannot hold the bootstrap block Xen allocates for its kernel: the span from the ELF\'s VIRT_BASE to the end of the image, a mapped initrd and p2m, start info, page tables and stack, padded to 4 MiB, rounded up to a power of two, plus the ramdisk\'s pages (kernel probed from the file; not for a PVH dom0)',
    hint: 'raise dom0\'s memory (KiB) to at least the size the message names; the power-of-two block makes the need jump (a 76 MiB span takes 128 MiB), and the size named is exact, not a margin',
    check(ctx, report) {
      const d = dom0(ctx);
      if (!ctx.x86 || !d || d.memoryKiB === undefined || dom0IsPvh(ctx, d) || /(?:^|\s)dom0_mem=/.test(xenArgs(ctx.model))) return;
      const layout = pvLayout(ctx, d);
      if (!layout) return;
      const known = ramdiskBytes(ctx, d.name);
      const hasRamdisk = d.modules.some((m) => m.kind === 'ramdisk');
      // An unnamed ramdisk file still has a size: check without it, a lower bound, and say so.
      const initrd = known ?? 0n;
      const pages = d.memoryKiB / 4n;
      const fit = pvDom0Fit(layout, initrd, pages);
      if (fit.neededPages <= pages) return;
      const least = smallestDom0MiB(layout, initrd);
      const block = `one block of ${mibOfBytes(4096n << BigInt(fit.order))} MiB (2^${fit.order} pages)`;
      const ramdisk = initrd > 0n ? ` + the ramdisk's ${(initrd + 4095n) / 4096n} pages = ${fit.neededPages} pages` : '';
      const unknown = hasRamdisk && known === undefined ? ' plus the ramdisk\'s size (its file was not given)' : '';
      report(atDomain(ctx.model, d, 'memory'), `${d.name}: ${mib(d.memoryKiB)} MiB (${pages} pages) cannot hold its kernel's bootstrap block: Xen ${ctx.build!.label} maps ${mibOfBytes(fit.spanBytes)} MiB from VIRT_BASE for the image and its tables and allocates it as ${block}${ramdisk}; it panics "Domain 0 allocation is too small for kernel image". The smallest dom0 that fits: ${least} MiB${unknown}`);
    },
  },
  {
    id: 'x86-kernel-unread', group: 'x86', severity: 'warning', xenSource: '-', needs: 'target',
    xenMessage: '(not a Xen message: the probe could not read the kernel image)',
    summary: 'a kernel image the probe cannot read, so its dom0 and PVH support is unknown (a note, not a verdict)',
    hint: 'install the decompressor (xz-utils, zstd), or check the kernel\'s config for CONFIG_XEN_DOM0 and CONFIG_XEN_PVH',
    check(ctx, report) {
      const d = dom0(ctx);
      const p = d && kernelProbe(ctx, d.name);
      if (p?.unreadable) report(atDomain(ctx.model, d!), `${d!.name}: ${p.file}: ${p.unreadable}; dom0 and PVH support not checked`);
    },
  },
  {
    id: 'x86-host-memory', group: 'x86', severity: 'error', xenSource: 'tools/xl/xl_vmcontrol.c', needs: 'target',
    xenMessage: 'failed to free memory for the domain',
    summary: 'dom0 and the late-launched domains together ask for more memory than the x86 host has',
    hint: 'make the domains smaller or give the host more memory (`--x86-host mem=...`)',
    check(ctx, report) {
      const host = ctx.x86?.host?.memoryMiB;
      if (host === undefined) return;
      const sized = ctx.model.domains.filter((d) => d.memoryKiB !== undefined);
      const total = sized.reduce((s, d) => s + mib(d.memoryKiB), 0);
      if (total <= host) return;
      const last = sized.at(-1)!;
      report(atDomain(ctx.model, last, 'memory'), `the domains ask for ${total} MiB (${sized.map((d) => `${d.name} ${mib(d.memoryKiB)}`).join(' + ')}); the host has ${host} MiB`);
    },
  },
  {
    id: 'x86-host-vcpus', group: 'x86', severity: 'warning', xenSource: 'xen/arch/x86/dom0_build.c', needs: 'target',
    xenMessage: '(silent: the extra vCPUs share the CPUs)',
    summary: 'a domain with more vCPUs than the x86 host has CPUs',
    hint: 'use at most as many vCPUs as the host has CPUs',
    check(ctx, report) {
      const n = ctx.x86?.host?.cpus;
      if (n === undefined) return;
      const d0 = dom0(ctx);
      for (const d of ctx.model.domains) {
        if (d.vcpus === undefined || d.vcpus <= n) continue;
        report(atDomain(ctx.model, d, 'cpus'), `${d.name}${d === d0 ? ' (dom0)' : ''}: ${d.vcpus} vCPUs on a host with ${n} CPUs; they share the CPUs`);
      }
    },
  },
];
