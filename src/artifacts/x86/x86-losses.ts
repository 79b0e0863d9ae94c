/**
 * What the configuration says that x86 Xen 4.17 (GRUB/EFI with dom0 on the
 * command line, the rest by `xl`) cannot do. Each item is a Loss in the
 * form `convert` reports, at the DT path it was read from.
 */
import type { BootModel } from '../../model/boot-model.js';
import { effectiveCapabilities } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import type { Loss } from '../../model/loss.js';
import type { BootModule } from '../../model/module.js';
import type { NodeOrigin } from '../../model/origin.js';
import { domainPath } from '../../check/context.js';

function locate(origin: NodeOrigin | undefined, fallback: string, prop?: string): Pick<Loss, 'path' | 'position'> {
  const base = origin?.path ?? fallback;
  const p = prop ? origin?.properties.find((x) => x.name === prop) : undefined;
  return { path: prop ? `${base}:${prop}` : base, position: p?.position ?? origin?.position };
}

/** A domain's DT path (the checker's rule, so findings and losses name the same place). */
export const domainPathOf: (model: BootModel, d: Domain) => string = domainPath;

export class LossList {
  readonly items: Loss[] = [];

  constructor(readonly model: BootModel) {}

  domain(d: Domain, prop: string, item: string, reason: string): void {
    this.items.push({ code: 'NOT_EXPRESSIBLE', ...locate(d.origin, domainPathOf(this.model, d), prop), item, reason, to: 'xen-x86' });
  }

  module(m: BootModule, fallback: string, item: string, reason: string): void {
    this.items.push({ code: 'NOT_EXPRESSIBLE', ...locate(m.origin, fallback), item, reason, to: 'xen-x86' });
  }

  node(origin: NodeOrigin | undefined, fallback: string, item: string, reason: string): void {
    this.items.push({ code: 'NOT_EXPRESSIBLE', ...locate(origin, fallback), item, reason, to: 'xen-x86' });
  }
}

const ARM_ONLY: readonly [keyof Domain, string][] = [
  ['staticMemory', 'xen,static-mem'], ['directMap', 'direct-map'], ['vpl011', 'vpl011'], ['nrSpis', 'nr_spis'], ['sve', 'sve'],
  ['llcColors', 'llc-colors'], ['trapUnmappedAccesses', 'trap-unmapped-accesses'], ['sciType', 'xen,sci_type'], ['v8rEl1Msa', 'v8r_el1_msa'],
  ['p2mPoolMiB', 'xen,domain-p2m-mem-mb'],
];

/** What any domain may say that x86 cannot: Arm-only settings, static sharing, passthrough, XSM labels. */
export function commonLosses(list: LossList, d: Domain): void {
  for (const [field, prop] of ARM_ONLY) {
    if (d[field] !== undefined && d[field] !== false) list.domain(d, prop, prop, 'an Arm-only setting; Xen on x86 has no such option');
  }
  if (d.mode?.guest === 'hvm') list.domain(d, 'mode', 'mode', 'an HVM guest needs a device model (QEMU in dom0); only PV and PVH are planned');
  if (d.securityId !== undefined) list.domain(d, 'security-id', 'security-id', 'Debian\'s Xen 4.17 for x86 is built without XSM (# CONFIG_XSM is not set), so no label applies');
  for (const s of d.sharedMemory) list.node(s.origin, `${domainPathOf(list.model, d)}/${s.name}`, 'xen,shared-mem', 'static shared memory is Arm-only; neither Xen 4.17 x86 nor xl sets it up');
  for (const c of d.eventChannels) list.node(c.origin, `${domainPathOf(list.model, d)}/${c.name}`, 'xen,evtchn', 'static event channels are Arm-only; the guests must bind their channel at run time (xenstore)');
  if (d.passthrough === 'enabled') list.domain(d, 'passthrough', 'passthrough', 'device passthrough from the boot configuration is Arm-only; use xl pci= at run time');
  if (d.enhanced === 'disabled' || d.enhanced === 'no-xenstore') list.domain(d, 'xen,enhanced', 'xen,enhanced', 'a domain started by xl always has xenstore');
  for (const m of d.modules) {
    if (m.kind === 'device-tree') list.module(m, `${domainPathOf(list.model, d)}/${m.name ?? 'device-tree'}`, 'partial device tree', 'x86 guests take no device tree');
  }
}

/** dom0 on Xen 4.17 x86: every role, no uuid, no per-domain grant limits, no pinning by node. */
export function dom0Losses(list: LossList, d: Domain): void {
  // dom0 is Xen 4.17's crash and console domain anyway; only a separate boot domain has no form.
  if (d.functions?.boot) list.domain(d, 'functions', 'functions', 'Xen 4.17 has no boot domain (FUNCTION_BOOT); dom0 is built by Xen itself');
  const c = effectiveCapabilities(d);
  if (!c.control || !c.hardware || !c.xenstore) {
    const prop = d.origin?.properties.some((p) => p.name === 'permissions') ? 'permissions' : 'capabilities';
    list.domain(d, prop, prop, 'Xen 4.17 x86 gives dom0 control, hardware and xenstore together; a split system cannot be built');
  }
  if (d.uuid !== undefined) list.domain(d, 'domain-uuid', 'domain-uuid', 'dom0\'s UUID is fixed (all zeros) on Xen 4.17');
  if (d.vcpuPins.length) list.domain(d, 'xen,vcpu', 'xen,vcpu', 'dom0\'s vCPUs cannot be pinned one by one (only dom0_vcpus_pin, all to the same numbers)');
  if (d.cpupool !== undefined) list.domain(d, 'domain-cpupool', 'domain-cpupool', 'boot-time cpupools are Arm-only in Xen 4.17; dom0 stays in Pool-0');
  for (const [v, prop] of [[d.maxGrantFrames, 'max_grant_frames'], [d.maxMaptrackFrames, 'max_maptrack_frames'], [d.maxGrantVersion, 'max_grant_version']] as const) {
    if (v !== undefined) list.domain(d, prop, prop, 'dom0\'s grant limits follow the Xen command line (gnttab_max_frames=...), not a per-domain setting');
  }
}

/** A domain started by xl: no roles (dom0 holds them all), no boot-time cpupool. */
export function lateLosses(list: LossList, d: Domain): void {
  const f = d.functions;
  if (f && (f.boot || f.crash || f.console || f.legacyDom0)) list.domain(d, 'functions', 'functions', 'Xen 4.17 gives the boot, crash and console functions to dom0 alone');
  const c = effectiveCapabilities(d);
  if (c.control || c.hardware || c.xenstore) {
    const prop = d.origin?.properties.some((p) => p.name === 'permissions') ? 'permissions' : 'capabilities';
    const roles = [c.control && 'control', c.hardware && 'hardware', c.xenstore && 'xenstore'].filter(Boolean).join(', ');
    list.domain(d, prop, prop, `Xen 4.17 x86 gives ${roles} to dom0 alone; this domain is started by xl without ${roles.includes(',') ? 'them' : 'it'}`);
  }
  if (d.cpupool !== undefined) list.domain(d, 'domain-cpupool', 'domain-cpupool', 'boot-time cpupools are Arm-only in Xen 4.17; the domain runs in Pool-0');
}

/** A domain Xen 4.17 cannot build at boot, when late launch is off. */
export function notBuiltLoss(list: LossList, d: Domain): void {
  list.node(d.origin, domainPathOf(list.model, d), d.name, 'Xen 4.17 x86 builds dom0 alone at boot; start it from dom0 with xl (late launch, on by default)');
}

/** Xen's own settings with no x86 form: XSM policy (no XSM in Debian's build), Arm static heap, cpupools, passthrough. */
export function hypervisorLosses(list: LossList): void {
  const { model } = list;
  const base = model.interface === 'hyperlaunch' ? '/chosen/hypervisor' : '/chosen';
  for (const m of model.hypervisor.modules) {
    if (m.kind === 'xsm-policy') list.module(m, `${base}/${m.name ?? 'policy'}`, 'XSM policy', 'Debian\'s Xen 4.17 for x86 is built without XSM (# CONFIG_XSM is not set)');
  }
  if (model.hypervisor.staticHeap) list.node(model.hypervisor.origin, '/chosen', 'xen,static-heap', 'an Arm-only setting');
  for (const p of model.cpupools) list.node(p.origin, `/chosen/${p.name}`, p.name, 'boot-time cpupools are Arm-only in Xen 4.17');
  for (const path of model.hostPassthrough) list.node(undefined, path, 'xen,passthrough', 'devicetree passthrough is Arm-only; on x86 use pci-passthrough / xl pci=');
}
