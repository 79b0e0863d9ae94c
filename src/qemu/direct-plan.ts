/**
 * The direct route's inputs from a boot model: every domain gets the given
 * Linux Image as kernel and its own marker initramfs as ramdisk, placed from
 * 0x50000000 up (clear of Xen at 0x40200000 and of the DTB QEMU puts at
 * 0x48000000) and around every static range of the configuration and every
 * reserved range of the board (Xen 4.18+ drops a module that overlaps one,
 * and a static bank on a module fails the domain), and the model is written
 * as dom0less into QEMU virt's host DTB.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextSlot, placeImage } from '../artifacts/layout.js';
import { convert } from '../bindings/boot-config.js';
import { checkModel } from '../check/engine.js';
import { hasErrors } from '../check/finding.js';
import { hostFacts } from '../check/host-facts.js';
import { LAYOUT_RULES, staticRegions } from '../check/rules/layout.js';
import { writeDtb } from '../fdt/dtb/write.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import { type BootModel, commandLines } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { Loss } from '../model/loss.js';
import type { MemoryBank } from '../model/memory.js';
import { type BootModule, newModule } from '../model/module.js';
import { type XsmMode, withFlask } from '../check/xsm/flask-cmdline.js';
import { placeOnBoard } from './board-placement.js';
import type { DirectBootSpec, LoadImage } from './boot.js';
import { QemuError } from './errors.js';
import { buildInitramfs, markerToken } from './initramfs.js';
import type { ExpectedDomain } from './boot-verdict.js';

export const MODULE_BASE = 0x5000_0000n;
export const DEFAULT_XEN_BOOTARGS = 'console=dtuart dtuart=serial0 bootscrub=0';
export const DEFAULT_DOM0_BOOTARGS = 'console=hvc0 earlycon=xen rdinit=/init';
export const DEFAULT_DOMU_BOOTARGS = 'console=ttyAMA0 rdinit=/init';

/** The layout rules about where modules lie, run over the placed model: the placer's own layout must pass them. */
const PLACEMENT_RULES = LAYOUT_RULES.filter((r) => ['mod-overlap', 'mod-overlap-reserved', 'mod-outside-ram'].includes(r.id));

export interface GuestFiles {
  xen: string;
  kernel: string;
  busybox: Uint8Array;
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

/** Loads from MODULE_BASE up, each at the next 2 MiB slot clear of the ranges to avoid and inside RAM. */
class Placer {
  private next = MODULE_BASE;
  readonly loads: LoadImage[] = [];

  constructor(
    private readonly avoid: readonly MemoryBank[],
    private readonly ram: readonly MemoryBank[],
  ) {}

  place(file: string, what: string): { address: bigint; size: bigint } {
    const size = BigInt(statSync(file).size);
    const address = placeImage(this.next, size, this.avoid);
    if (this.ram.length > 0 && !this.ram.some((b) => address >= b.address && address + size <= b.address + b.size)) {
      const avoided = this.avoid.map((r) => `[${hex(r.address)}, ${hex(r.address + r.size)})`).join(', ');
      throw new QemuError('NO_ROOM_FOR_MODULES', `${what} (${size} bytes) does not fit in the board's RAM at ${hex(address)}, past the static and reserved ranges ${avoided || '(none)'}`, {
        hint: 'leave RAM free above 0x50000000 for the modules, or give QEMU more memory',
      });
    }
    this.next = nextSlot(address, size);
    this.loads.push({ file, address, what });
    return { address, size };
  }
}

/** The node name with the unit address of where the module now lies (dtc warns when they differ). */
function atAddress(name: string, address: bigint): string {
  return `${name.replace(/@.*$/, '')}@${address.toString(16)}`;
}

function hasKernel(d: Domain): boolean {
  return d.modules.some((m) => m.kind === 'kernel');
}

/** Kernel + ramdisk at their new places; the kernel keeps its bootargs (or gets one that reaches the serial line). */
function relocate(d: Domain, guest: GuestFiles, placer: Placer, workDir: string): BootModule[] {
  const oldKernel = d.modules.find((m) => m.kind === 'kernel');
  const ramdiskFile = join(workDir, `${markerToken(d.name)}-${d.isDom0 ? 'dom0' : 'domU'}.cpio.gz`);
  writeFileSync(ramdiskFile, buildInitramfs(guest.busybox, d.name));
  const k = placer.place(guest.kernel, `${d.name} kernel`);
  const r = placer.place(ramdiskFile, `${d.name} ramdisk`);
  const bootargs = oldKernel?.bootargs ?? (d.isDom0 ? undefined : DEFAULT_DOMU_BOOTARGS);
  return [
    newModule('kernel', { name: oldKernel?.name && atAddress(oldKernel.name, k.address), bootargs, location: { type: 'range', ...k } }),
    newModule('ramdisk', { location: { type: 'range', ...r } }),
  ];
}

function expectations(domains: readonly Domain[]): ExpectedDomain[] {
  let next = 1;
  return domains
    .filter(hasKernel)
    .map((d) => ({
      name: d.name,
      domid: d.isDom0 ? 0 : next++,
      kernelAddress: kernelAddressOf(d),
      isDom0: d.isDom0,
      consoleOnSerial: d.isDom0 || d.vpl011 === true,
    }));
}

function kernelAddressOf(d: Domain): bigint | undefined {
  const loc = d.modules.find((m) => m.kind === 'kernel')?.location;
  return loc?.type === 'range' ? loc.address : undefined;
}

/**
 * Xen 4.17 reads only dom0less, so a Hyperlaunch model boots as its dom0less
 * equivalent ("compatibility mode"). Write the initramfs files and the final DTB into workDir; return what
 * bootDirect needs. Domains without a kernel are left as they are (a dom0
 * entry without one means true dom0less).
 */
export interface DirectPlan extends DirectBootSpec {
  /** The model as written into the board's DTB: modules at their load addresses, references in the board's numbering. */
  placed: BootModel;
  /** What the dom0less tree could not say (a Hyperlaunch-only setting): the boot would not be the configured system. */
  losses: Loss[];
  /**
   * What of the configuration this route leaves out: modules other than
   * kernels and ramdisks (partial device trees, XSM policy, ...) and the
   * config's own host tree, QEMU's being used instead (so its `xen,passthrough` marks too).
   */
  notLoaded: string[];
}

function placeXsmPolicy(file: string, placer: Placer): BootModule {
  const at = placer.place(file, 'XSM policy');
  return newModule('xsm-policy', { name: atAddress('xsm-policy', at.address), location: { type: 'range', ...at } });
}

/** Everything but the kernels and ramdisks this route replaces. */
function modulesLeftOut(model: BootModel): string[] {
  const out: string[] = [];
  const describe = (owner: string, m: BootModule): string => `${owner}: ${m.kind} module${m.name ? ` ${m.name}` : ''}`;
  for (const m of model.hypervisor.modules) out.push(describe('xen', m));
  for (const p of model.hostPassthrough) out.push(`host device ${p}: xen,passthrough (QEMU's own host DTB is used)`);
  for (const d of model.domains) {
    if (!hasKernel(d)) continue;
    for (const m of d.modules) if (m.kind !== 'kernel' && m.kind !== 'ramdisk') out.push(describe(d.name, m));
  }
  return out;
}

/** What the placer must keep clear of: the configuration's static ranges and the board's reserved ones. */
function rangesToAvoid(model: BootModel, facts: ReturnType<typeof hostFacts>): MemoryBank[] {
  return [...staticRegions(model), ...facts.reserved].map((r) => ({ address: r.address, size: r.size }));
}

/**
 * The layout rules over the modules this route placed (a domain without a
 * kernel keeps the configuration's own, which the user's check judged) and
 * the board: a finding is a placement this route must not boot.
 */
function checkPlacement(placed: BootModel, board: DeviceTree): void {
  const ours = { ...placed, domains: placed.domains.map((d) => (hasKernel(d) ? d : { ...d, modules: [] })) };
  const findings = checkModel(ours, { host: board, hostName: 'QEMU virt', rules: PLACEMENT_RULES });
  if (!hasErrors(findings)) return;
  throw new QemuError('NO_ROOM_FOR_MODULES', `the direct route's module layout fails the layout checks: ${findings.map((f) => `${f.ruleId}: ${f.message}`).join('; ')}`, {
    hint: 'leave RAM free above 0x50000000 for the modules',
  });
}

/** FLASK on the direct route: Xen's command line asks for it; `policy` (a binary policy file) is loaded as the XSM module, else Xen uses its built-in policy. */
export interface DirectXsm {
  mode: XsmMode;
  policy?: string;
}

export interface DirectOptions {
  xsm?: DirectXsm;
}

export function planDirectBoot(model: BootModel, host: DeviceTree, guest: GuestFiles, workDir: string, options: DirectOptions = {}): DirectPlan {
  const facts = hostFacts(host, 'QEMU virt');
  const placer = new Placer(rangesToAvoid(model, facts), facts.memory);
  // The policy first: Xen reads it before any domain, and it stays clear of the kernels.
  const xsmModules = options.xsm?.policy === undefined ? [] : [placeXsmPolicy(options.xsm.policy, placer)];
  const domains = model.domains.map((d) => (hasKernel(d) ? { ...d, modules: relocate(d, guest, placer, workDir) } : d));
  const lines = commandLines(model);
  const xenLine = lines.xen === undefined ? DEFAULT_XEN_BOOTARGS : model.hypervisor.xenBootargs;
  const hypervisor = {
    ...model.hypervisor,
    // Xen's other modules (microcode) would point at blobs this route does not load.
    modules: xsmModules,
    xenBootargs: options.xsm ? withFlask(xenLine, options.xsm.mode) : xenLine,
    dom0Bootargs: lines.dom0 === undefined && domains.some((d) => d.isDom0 && hasKernel(d)) ? DEFAULT_DOM0_BOOTARGS : model.hypervisor.dom0Bootargs,
  };
  const placed = placeOnBoard({ ...model, interface: 'dom0less', domains, hypervisor }, host);
  checkPlacement(placed, host);
  const { tree, losses } = convert(placed, 'dom0less', { base: host });
  const dtb = join(workDir, 'xen.dtb');
  writeFileSync(dtb, writeDtb(tree));
  const notLoaded = modulesLeftOut(model).filter((m) => !(xsmModules.length > 0 && / xsm-policy module/.test(m)));
  return { xen: guest.xen, dtb, loads: placer.loads, placed, expected: expectations(domains), losses, notLoaded };
}
