/**
 * The allow rules a boot-time system needs, each from the role or the
 * configured link that needs it. Labels are those Xen really assigns
 * (labels.ts), so a rule between two domains that share a label becomes a
 * rule of that label on itself.
 */
import { type BootModel, effectiveCapabilities } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import { type LabelPlan, isBuilt, labelOf } from './labels.js';

/** Where a rule comes from; docs/xsm.md explains each. */
/**
 * Static shared memory has none: Xen 4.22 maps the region at build without
 * a FLASK check (a permissive boot without any rule for it logs no denial).
 */
export type RuleRole = 'boot' | 'self' | 'control' | 'hardware' | 'xenstore' | 'console' | 'event-channel';

export interface PolicyRule {
  source: string;
  target: string;
  cls: string;
  perms: string[];
  role: RuleRole;
  /** One line for the comment above the rule. */
  why: string;
}

/** Types of Xen's own objects (initial SIDs other than the domains'). */
export const XEN_TYPES = {
  xenboot: 'xenboot_t',
  xen: 'xen_t',
  domio: 'domio_t',
  domxen: 'domxen_t',
  security: 'security_t',
  ioport: 'ioport_t',
  iomem: 'iomem_t',
  irq: 'irq_t',
  device: 'device_t',
  domdm: 'domdm_t',
} as const;

export interface RuleOptions {
  /** Leave these roles' rules out (to show what a boot without them is denied). */
  without?: readonly RuleRole[];
}

const X = XEN_TYPES;

/**
 * Measured on 4.22 (a permissive boot with no boot rule): building a domain
 * is checked once, `{ create }` by xenboot_t on the new domain's label.
 */
function bootRules(model: BootModel, plan: LabelPlan): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const t of new Set(plan.labels.map((l) => l.type))) {
    out.push({ source: X.xenboot, target: t, cls: 'domain', perms: ['create'], role: 'boot', why: `Xen's boot code creates the ${t} domains` });
    const coloured = plan.labels.some((l) => l.type === t && model.domains.find((d) => d.name === l.domain)?.llcColors !== undefined);
    // Not booted here (QEMU virt has no cache colouring): flask's set_llc_colors hook, on the domain being built.
    if (coloured) out.push({ source: X.xenboot, target: t, cls: 'domain2', perms: ['set_llc_colors'], role: 'boot', why: `llc-colors of ${t} domains, set at build` });
  }
  return out;
}

/**
 * What a Linux kernel checks against its own label while it boots, measured
 * on 4.22 (a permissive boot of dom0 + 2 domUs with no self rule denied
 * exactly these, all from dom0; Xen's version queries are not checked).
 */
function selfRules(t: string): PolicyRule[] {
  return [
    { source: t, target: t, cls: 'hvm', perms: ['getparam'], role: 'self', why: `a ${t} kernel reads its own parameters (console, xenstore ring)` },
    { source: t, target: t, cls: 'mmu', perms: ['physmap'], role: 'self', why: `a ${t} kernel maps its shared info and grant frames` },
    { source: t, target: t, cls: 'grant', perms: ['query'], role: 'self', why: `a ${t} kernel asks for its grant table size` },
  ];
}

function controlRules(t: string, others: readonly string[]): PolicyRule[] {
  const out: PolicyRule[] = [
    { source: t, target: X.xen, cls: 'xen', perms: ['physinfo', 'getcpuinfo', 'getscheduler', 'setscheduler', 'cpupool_op', 'readconsole', 'getidle', 'heap', 'tbufcontrol'], role: 'control', why: `control (${t}): host-wide queries and settings` },
    { source: t, target: X.xen, cls: 'xen2', perms: ['get_dom0_console', 'resource_op'], role: 'control', why: `control (${t}): host-wide resources` },
  ];
  for (const o of others) {
    out.push(
      { source: t, target: o, cls: 'domain', perms: ['create', 'pause', 'unpause', 'destroy', 'setvcpucontext', 'getvcpucontext', 'max_vcpus', 'setaffinity', 'getaffinity', 'getscheduler', 'getdomaininfo', 'getvcpuinfo', 'setdomainmaxmem', 'setdomainhandle', 'shutdown'], role: 'control', why: `control (${t}) over ${o}` },
      { source: t, target: o, cls: 'domain2', perms: ['setscheduler', 'get_domain_state'], role: 'control', why: `control (${t}) over ${o}` },
      { source: t, target: o, cls: 'mmu', perms: ['map_read', 'map_write', 'pageinfo', 'adjust', 'physmap', 'memorymap'], role: 'control', why: `control (${t}) maps memory of ${o}` },
    );
  }
  return out;
}

function hardwareRules(t: string): PolicyRule[] {
  return [
    { source: t, target: X.xen, cls: 'xen', perms: ['settime'], role: 'hardware', why: `hardware (${t}): the domain with the clock sets Xen's wallclock` },
    { source: t, target: X.domio, cls: 'mmu', perms: ['map_read', 'map_write'], role: 'hardware', why: `hardware (${t}): device memory` },
    { source: t, target: X.irq, cls: 'resource', perms: ['use'], role: 'hardware', why: `hardware (${t}): interrupts` },
    { source: t, target: X.iomem, cls: 'resource', perms: ['use'], role: 'hardware', why: `hardware (${t}): MMIO` },
    { source: t, target: X.device, cls: 'resource', perms: ['use'], role: 'hardware', why: `hardware (${t}): devices` },
    { source: t, target: X.xen, cls: 'resource', perms: ['add', 'remove', 'add_irq', 'remove_irq', 'add_iomem', 'remove_iomem'], role: 'hardware', why: `hardware (${t}): hands devices on` },
  ];
}

/** A domain Xen gives a xenstore page and event channel at build (`xen,enhanced` with xenstore). */
function usesXenstore(d: Domain): boolean {
  return !d.isDom0 && (d.enhanced === 'enabled' || d.enhanced === 'legacy');
}

function xenstoreRules(t: string, others: readonly string[], enhanced: boolean): PolicyRule[] {
  const self: PolicyRule = { source: t, target: t, cls: 'event', perms: ['create', 'bind', 'send', 'status'], role: 'xenstore', why: `xenstore (${t}): the kernel binds the channel to its own xenstore` };
  // Measured on 4.22 (U-Boot boot of dom0 + 2 enhanced domUs, permissive): the new channel carries the xenstore domain's type.
  const boot: PolicyRule[] = enhanced ? [{ source: X.xenboot, target: t, cls: 'event', perms: ['create'], role: 'xenstore', why: `Xen allocates the xenstore event channel (to ${t}) of each xen,enhanced domain at build` }] : [];
  return [self, ...boot, ...others.flatMap((o): PolicyRule[] => [
    { source: t, target: o, cls: 'event', perms: ['create', 'bind', 'send', 'status'], role: 'xenstore', why: `xenstore (${t}) talks to ${o}` },
    { source: o, target: t, cls: 'event', perms: ['create', 'bind', 'send', 'status'], role: 'xenstore', why: `${o} talks to xenstore (${t})` },
    { source: t, target: o, cls: 'grant', perms: ['map_read', 'map_write', 'unmap'], role: 'xenstore', why: `xenstore (${t}) maps the ring of ${o}` },
  ])];
}

function consoleRules(t: string): PolicyRule[] {
  return [{ source: t, target: X.xen, cls: 'xen', perms: ['writeconsole', 'readconsole'], role: 'console', why: `console (${t}): Xen's console (hvc0)` }];
}

/** Static event channels: Xen binds them at build, as the boot domain, between exactly these labels. */
function eventChannelRules(model: BootModel, plan: LabelPlan): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const d of model.domains.filter(isBuilt)) {
    const from = labelOf(plan, d.name)!;
    for (const c of d.eventChannels) {
      const to = labelOf(plan, c.remote.domain);
      if (to === undefined) continue;
      const why = `static event channel ${d.name}/${c.name} -> ${c.remote.domain}`;
      // Xen allocates each end as the boot domain, then binds one end's channel to the other domain.
      out.push(
        { source: X.xenboot, target: from, cls: 'event', perms: ['create'], role: 'event-channel', why },
        { source: from, target: to, cls: 'event', perms: ['bind', 'send', 'status'], role: 'event-channel', why },
      );
    }
  }
  return out;
}

function hasConsole(d: Domain): boolean {
  return d.isDom0 || d.functions?.console === true;
}

export function policyRules(model: BootModel, plan: LabelPlan, options: RuleOptions = {}): PolicyRule[] {
  const built = model.domains.filter(isBuilt);
  const types = [...new Set(plan.labels.map((l) => l.type))];
  const rules: PolicyRule[] = [...bootRules(model, plan), ...types.flatMap(selfRules)];
  const seen = new Set<string>();
  for (const d of built) {
    const t = labelOf(plan, d.name)!;
    const caps = effectiveCapabilities(d);
    const others = types.filter((o) => o !== t);
    const key = (r: string): boolean => (seen.has(`${r}:${t}`) ? false : (seen.add(`${r}:${t}`), true));
    if (caps.control && key('control')) rules.push(...controlRules(t, others));
    if (caps.hardware && key('hardware')) rules.push(...hardwareRules(t));
    if (caps.xenstore && key('xenstore')) rules.push(...xenstoreRules(t, others, built.some(usesXenstore)));
    if (hasConsole(d) && key('console')) rules.push(...consoleRules(t));
  }
  rules.push(...eventChannelRules(model, plan));
  const without = new Set(options.without ?? []);
  return mergeRules(rules.filter((r) => !without.has(r.role)));
}

/** One rule per (source, target, class, role): the permissions joined in Xen's order, the first reason kept. */
function mergeRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const r of rules) {
    const key = `${r.role}|${r.source}|${r.target}|${r.cls}`;
    const had = byKey.get(key);
    if (had) had.perms = [...new Set([...had.perms, ...r.perms])];
    else byKey.set(key, { ...r, perms: [...r.perms] });
  }
  return [...byKey.values()];
}
