/**
 * planX86Boot: from any boot model (dom0less, Hyperlaunch on x86 or Arm,
 * ImageBuilder) to what Xen 4.17 on x86 can boot — dom0 from the multiboot
 * modules, every other domain by `xl` from dom0 — with each thing that does
 * not carry over listed as a loss.
 */
import { lossError } from '../../bindings/loss-error.js';
import { type BootModel, commandLines } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import { BootConfigError } from '../../model/errors.js';
import { KIB } from '../../model/memory.js';
import type { BootModule } from '../../model/module.js';
import type { XenVersion } from '../../model/version.js';
import type { LateDomain, X86BootPlan, X86Dom0, X86GuestType, X86Module } from './boot-plan.js';
import { chooseDom0, dom0ReasonText } from '../../check/x86-dom0.js';
import { orderLateDomains, lateDependencies } from './late-order.js';
import { moduleSource } from './module-source.js';
import { nativeWarning } from './native-gate.js';
import { LossList, commonLosses, dom0Losses, domainPathOf, hypervisorLosses, lateLosses, notBuiltLoss } from './x86-losses.js';
import { dom0ModeFromArgs, userOverrides, xenCommandLine } from './xen-cmdline.js';

export interface PlanX86Options {
  /** The Xen release that boots (default 4.17, Debian's). */
  xenVersion?: XenVersion;
  /** Start the domains Xen cannot build at boot from dom0 with xl (default true). */
  lateLaunch?: boolean;
  /** Return a plan despite losses (default: a loss is a BootConfigError). */
  allowLoss?: boolean;
  /** Put the compiled Hyperlaunch DTB first (for a Xen that reads it; none released does). */
  native?: boolean;
  /** Files of modules an ImageBuilder config names. */
  files?: ReadonlyMap<BootModule, string>;
}

export const DEFAULT_X86_XEN: XenVersion = '4.17';
/** dom0's size when the configuration leaves it open but other domains need room (the reference's 512 MiB). */
export const DEFAULT_DOM0_MIB = 512;
/** A late domain's size when the configuration gives none (xl's own default, 32 MiB, is too small for a Linux initramfs). */
export const DEFAULT_LATE_MIB = 128;
export const DEFAULT_DOM0_CMDLINE = 'console=hvc0';

function mib(kib: bigint): number {
  return Number((kib + KIB - 1n) / KIB);
}

function guestType(d: Domain): X86GuestType {
  return d.mode?.guest === 'pvh' ? 'pvh' : 'pv';
}

function kernelOf(d: Domain): BootModule | undefined {
  return d.modules.find((m) => m.kind === 'kernel');
}

function ramdiskOf(d: Domain): BootModule | undefined {
  return d.modules.find((m) => m.kind === 'ramdisk');
}

interface Dom0Part {
  dom0: X86Dom0;
  memoryKiB?: bigint;
  modules: X86Module[];
}

function planDom0(model: BootModel, d: Domain, hasLate: boolean, opts: PlanX86Options, notes: string[]): Dom0Part {
  // The chosen domain's own kernel line first: in a split system it is not the model's dom0.
  const given = kernelOf(d)?.bootargs ?? (d.isDom0 ? commandLines(model).dom0 : undefined);
  const cmdline = given ?? DEFAULT_DOM0_CMDLINE;
  if (given === undefined) notes.push(`dom0 has no command line; using '${DEFAULT_DOM0_CMDLINE}' (Xen's console for dom0 on x86)`);
  let memoryKiB = d.memoryKiB;
  // The configuration's own dom0_mem= decides then; no default beside it.
  const userSized = userOverrides(commandLines(model).xen).includes('dom0_mem');
  if (memoryKiB === undefined && hasLate && !userSized) {
    memoryKiB = BigInt(DEFAULT_DOM0_MIB) * KIB;
    notes.push(`dom0 has no memory size; using ${DEFAULT_DOM0_MIB} MiB so that the other domains have room`);
  }
  const userMode = dom0ModeFromArgs(commandLines(model).xen);
  if (userMode && userMode !== guestType(d)) notes.push(`Xen's command line says dom0=${userMode}, which beats ${d.name}'s mode`);
  const dom0: X86Dom0 = {
    name: d.name,
    mode: userMode ?? guestType(d),
    cmdline,
    memoryMiB: memoryKiB === undefined ? undefined : mib(memoryKiB),
    memoryMaxMiB: d.memoryMaxKiB === undefined ? undefined : mib(d.memoryMaxKiB),
    vcpus: d.vcpus,
  };
  const kernel = kernelOf(d)!;
  const ramdisk = ramdiskOf(d);
  const modules: X86Module[] = [{ domain: d.name, kind: 'kernel', source: moduleSource(kernel, opts.files), cmdline }];
  if (ramdisk) modules.push({ domain: d.name, kind: 'ramdisk', source: moduleSource(ramdisk, opts.files) });
  return { dom0, memoryKiB, modules };
}

/** The modules after dom0's kernel and ramdisk: microcode (claimed by `ucode=N`), then the rest, which Xen ignores. */
function extraModules(model: BootModel, d0: Domain, dom0HasRamdisk: boolean, list: LossList, opts: PlanX86Options): X86Module[] {
  const out: X86Module[] = [];
  const base = model.interface === 'hyperlaunch' ? '/chosen/hypervisor' : '/chosen';
  const dom0Rest = d0.modules.filter((m) => m !== kernelOf(d0) && m !== ramdiskOf(d0) && m.kind !== 'device-tree');
  const placed = [
    ...model.hypervisor.modules.map((m) => ({ m, domain: undefined as string | undefined, at: `${base}/${m.name ?? 'module'}` })),
    ...dom0Rest.map((m) => ({ m, domain: d0.name, at: `${domainPathOf(model, d0)}/${m.name ?? 'module'}` })),
  ];
  for (const { m, domain, at } of placed) {
    if (m.kind === 'xsm-policy' && domain === undefined) continue; // a loss (hypervisorLosses)
    const kind = m.kind === 'microcode' ? 'microcode' : 'other';
    // Without a ramdisk Xen 4.17 takes the first unclaimed module as dom0's initrd.
    if (kind === 'other' && !dom0HasRamdisk) {
      list.module(m, at, m.name ?? m.kind, 'dom0 has no ramdisk, so Xen 4.17 would take this module as its initrd');
      continue;
    }
    out.push({ domain, kind, name: m.name, source: moduleSource(m, opts.files) });
  }
  return out;
}

/**
 * The most vCPUs Xen on x86 lets a domain have (arch_sanitise_domain_config:
 * HVM_MAX_VCPUS for PVH/HVM, MAX_VIRT_CPUS for PV); xl create fails above
 * them with Xen's "Requested vCPUs (%u) exceeds max (%u)".
 */
const X86_MAX_VCPUS: Record<X86GuestType, number> = { pvh: 128, pv: 8192 };

/** The vCPU count xl's positional `cpus` list must cover: every vCPU, and every pinned one. */
function vcpuSlots(model: BootModel, d: Domain): number {
  const slots = Math.max(d.vcpus ?? 1, ...d.vcpuPins.map((p) => p.id + 1));
  const type = guestType(d);
  const max = X86_MAX_VCPUS[type];
  if (slots > max) {
    throw new BootConfigError('VCPUS_TOO_MANY', `${d.name}: ${slots} vCPUs, and Xen on x86 gives a ${type} guest at most ${max} ("Requested vCPUs (${slots}) exceeds max (${max})" at xl create)`, {
      path: domainPathOf(model, d),
      hint: `give ${d.name} at most ${max} vCPUs (cpus, and the ids of its xen,vcpu nodes)`,
    });
  }
  return slots;
}

function lateDomain(model: BootModel, d: Domain, after: string[], opts: PlanX86Options, notes: string[]): LateDomain {
  const kernel = kernelOf(d);
  const ramdisk = ramdiskOf(d);
  if (d.memoryKiB === undefined) notes.push(`${d.name} has no memory size; using ${DEFAULT_LATE_MIB} MiB`);
  if (d.mode === undefined) notes.push(`${d.name} has no mode; starting it as a PV guest (xl's default type)`);
  // xl's list form is positional (element i is vCPU i), so unpinned vCPUs in between get "all".
  const slots = vcpuSlots(model, d);
  const affinity = d.vcpuPins.length ? Array.from({ length: slots }, (_, i) => d.vcpuPins.find((p) => p.id === i)?.hardAffinity ?? 'all') : undefined;
  const dir = `/boot/${d.name}`;
  return {
    name: d.name,
    type: guestType(d),
    memoryMiB: d.memoryKiB === undefined ? DEFAULT_LATE_MIB : mib(d.memoryKiB),
    maxMemoryMiB: d.memoryMaxKiB === undefined ? undefined : mib(d.memoryMaxKiB),
    vcpus: d.vcpus ?? 1,
    kernel: kernel ? moduleSource(kernel, opts.files) : { type: 'unresolved' },
    ramdisk: ramdisk ? moduleSource(ramdisk, opts.files) : undefined,
    extra: kernel?.bootargs,
    kernelPath: `${dir}/vmlinuz`,
    ramdiskPath: ramdisk ? `${dir}/initrd.img` : undefined,
    uuid: d.uuid,
    cpuAffinity: affinity,
    maxGrantFrames: d.maxGrantFrames,
    maxMaptrackFrames: d.maxMaptrackFrames,
    maxGrantVersion: d.maxGrantVersion,
    after: after.filter((n) => n !== model.domains.find((x) => x.isDom0)?.name),
  };
}

function noDom0(model: BootModel): BootConfigError {
  return new BootConfigError('NO_DOM0_KERNEL', 'no domain has a kernel module, so there is no dom0 for Xen on x86 to build', {
    path: model.interface === 'hyperlaunch' ? '/chosen/hypervisor' : '/chosen',
    hint: 'give dom0 (or the hardware domain) a kernel module',
  });
}

export function planX86Boot(model: BootModel, options: PlanX86Options = {}): X86BootPlan {
  const opts = { lateLaunch: true, ...options };
  const xenVersion = opts.xenVersion ?? DEFAULT_X86_XEN;
  const choice = chooseDom0(model);
  if (!choice) throw noDom0(model);
  const d0 = choice.domain;
  const notes: string[] = [`${d0.name} is dom0: ${dom0ReasonText(choice.reason)}`];
  const list = new LossList(model);
  hypervisorLosses(list);
  commonLosses(list, d0);
  dom0Losses(list, d0);
  const others = orderLateDomains(model.domains.filter((d) => d !== d0));
  const late: LateDomain[] = [];
  const deps = lateDependencies(others);
  for (const d of others) {
    commonLosses(list, d);
    if (!opts.lateLaunch) {
      notBuiltLoss(list, d);
      continue;
    }
    lateLosses(list, d);
    for (const m of d.modules.filter((x) => x !== kernelOf(d) && x !== ramdiskOf(d) && x.kind !== 'device-tree')) {
      list.module(m, `${domainPathOf(model, d)}/${m.name ?? 'module'}`, m.name ?? m.kind, 'xl starts a guest from one kernel and one ramdisk; other modules have no xl.cfg key');
    }
    if (!kernelOf(d)) {
      list.node(d.origin, domainPathOf(model, d), d.name, 'a domain without a kernel cannot be started');
      continue;
    }
    late.push(lateDomain(model, d, deps.get(d.name) ?? [], opts, notes));
  }
  const part = planDom0(model, d0, late.length > 0, opts, notes);
  const modules = [...part.modules, ...extraModules(model, d0, part.modules.length > 1, list, opts)];
  const ucode = modules.findIndex((m) => m.kind === 'microcode');
  let native: X86BootPlan['native'];
  if (opts.native) {
    native = { warning: nativeWarning(xenVersion) };
    modules.unshift({ kind: 'hyperlaunch-dtb', source: { type: 'unresolved' } });
  }
  const sizes = { memoryKiB: part.memoryKiB, minKiB: d0.memoryMinKiB, maxKiB: d0.memoryMaxKiB };
  const userArgs = commandLines(model).xen;
  if (/(?:^|\s)console=[^\s]*dtuart/.test(userArgs ?? '')) notes.push('Xen\'s command line names console=dtuart, an Arm console: Xen on x86 prints to com1 or vga');
  const overridden = userOverrides(userArgs).filter((o) => o !== 'console');
  if (overridden.length) notes.push(`Xen's command line from the configuration sets ${overridden.join(', ')}: it is used as written, not derived from ${d0.name}`);
  // ucode=N counts modules from 0 after Xen (xen-command-line.pandoc), the native DTB included.
  const xenCmdline = xenCommandLine(part.dom0, sizes, { ucodeIndex: ucode < 0 ? undefined : ucode + (native ? 1 : 0), userArgs });
  const plan: X86BootPlan = { xenVersion, xenCmdline, dom0: part.dom0, modules, lateLaunch: late, losses: list.items, notes, native };
  if (plan.losses.length && !opts.allowLoss) throw lossError(plan.losses);
  return plan;
}
