/** Domain construction (dom0less-build.c, domain-build.c, static-memory.c, kernel.c). */
import { type BootModel, isTrueDom0less } from '../../model/boot-model.js';
import { totalSize } from '../../model/memory.js';
import { compareXenVersions } from '../../model/version.js';
import { atDomain, hex } from '../context.js';
import type { Rule } from '../rule.js';
import { builtDom0, domUs, isXenstore } from './support.js';

const BUILD = 'xen/common/device-tree/dom0less-build.c';
/** GUEST_RAM0 (3 GiB) + GUEST_RAM1 (1016 GiB), in KiB. */
const GUEST_RAM_KIB = (0xc0000000n + 0xfe00000000n) / 1024n;
const DOMID_FIRST_RESERVED = 0x7ff0;

function xenstoreDomainExists(model: BootModel): boolean {
  return model.domains.some((d) => (d.isDom0 ? builtDom0(model) === d : isXenstore(d)));
}

export const DOMAIN_CONSTRUCT_RULES: Rule[] = [
  {
    id: 'memory-u64', group: 'domain-construct', severity: 'error', xenSource: BUILD, since: '4.12',
    xenMessage: 'Error building DomU: cannot read "memory" property', summary: '`memory` missing, or not a 64-bit (2-cell) value',
    hint: 'write memory = <0x0 N>; (KiB, two cells)', readerCodes: ['PROP_NOT_U64'], readerProperty: 'memory',
    check(ctx, report) {
      if (ctx.model.interface !== 'dom0less') return;
      for (const d of domUs(ctx.model)) if (d.memoryKiB === undefined) report(atDomain(ctx.model, d), `${d.name} has no memory property; Xen panics "Could not set up domain ${d.name} (rc = -22)"`);
    },
  },
  {
    id: 'memory-guest-max', group: 'domain-construct', severity: 'error', xenSource: BUILD, since: '4.12',
    xenMessage: 'Failed to allocate requested domain memory. %ldKB unallocated. Fix the VMs configurations.', summary: '`memory` above the guest RAM banks (1019 GiB)',
    hint: 'use at most 1019 GiB',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.memoryKiB !== undefined && d.memoryKiB > GUEST_RAM_KIB) report(atDomain(ctx.model, d, 'memory'), `${d.name}: ${d.memoryKiB} KiB exceed the guest RAM banks (${GUEST_RAM_KIB} KiB)`);
    },
  },
  {
    id: 'memory-zero', group: 'domain-construct', severity: 'error', xenSource: BUILD, since: '4.12',
    xenMessage: 'Could not set up domain %s (rc = %d)', summary: '`memory = <0 0>`: the kernel cannot be placed',
    hint: 'give the domain memory (KiB)',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.memoryKiB === 0n && !d.staticMemory?.length) report(atDomain(ctx.model, d, 'memory'), `${d.name}: memory is 0`);
    },
  },
  {
    id: 'staticmem-sum', group: 'domain-construct', severity: 'error', xenSource: 'xen/common/device-tree/static-memory.c', since: '4.16',
    xenMessage: 'Size of "memory" property doesn\'t match up with the sum-up of "xen,static-mem". Unsupported configuration.', summary: 'Σ `xen,static-mem` sizes ≠ `memory` × 1024',
    hint: 'set memory to the static memory total in KiB',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        if (!d.staticMemory?.length || d.memoryKiB === undefined) continue;
        const total = totalSize(d.staticMemory);
        if (total !== d.memoryKiB * 1024n) report(atDomain(ctx.model, d, 'memory'), `${d.name}: memory = ${d.memoryKiB} KiB but xen,static-mem totals ${hex(total)} bytes (${total / 1024n} KiB)`, `set memory = <0x0 ${hex(total / 1024n)}>`);
      }
    },
  },
  {
    id: 'kernel-missing', group: 'domain-construct', severity: 'error', xenSource: 'xen/common/device-tree/kernel.c', since: '4.12',
    xenMessage: 'Missing kernel boot module?', summary: 'a domain without a `multiboot,kernel` module (legacy `xen,linux-zimage` is not found for domUs)',
    hint: 'add a module with compatible = "multiboot,kernel", "multiboot,module"',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        const k = d.modules.find((m) => m.kind === 'kernel');
        if (!k) report(atDomain(ctx.model, d), `${d.name} has no kernel module; Xen panics "Could not set up domain ${d.name} (rc = -2)"`);
        else if (ctx.model.interface === 'dom0less' && k.compatible && !k.compatible.includes('multiboot,kernel')) report(atDomain(ctx.model, d), `${d.name}'s kernel uses the legacy compatible "${k.compatible[0]}", which the domU kernel lookup does not find`);
      }
    },
  },
  {
    id: 'xenstore-needed', group: 'domain-construct', severity: 'error', xenSource: BUILD, since: '4.17',
    xenMessage: 'xenstore requested, but xenstore domain not present',
    olderMessages: [{ until: '4.20', text: 'At the moment, Xenstore support requires dom0 to be present', xenSource: 'xen/arch/arm/domain_build.c' }],
    summary: '`xen,enhanced` "enabled"/"legacy" with no xenstore domain (4.17–4.20: without dom0)',
    hint: 'boot a dom0 (or, Xen 4.21+, a domain with capabilities 0x4), or use xen,enhanced = "no-xenstore"',
    check(ctx, report) {
      const v = ctx.build?.version;
      const old = v !== undefined && compareXenVersions(v, '4.21') < 0;
      const present = old ? builtDom0(ctx.model) !== undefined : xenstoreDomainExists(ctx.model);
      if (present) return;
      for (const d of domUs(ctx.model)) {
        if (d.enhanced !== 'enabled' && d.enhanced !== 'legacy') continue;
        const msg = old
          ? `${d.name} asks for xenstore (xen,enhanced) but there is no dom0; Xen ${v} panics "At the moment, Xenstore support requires dom0 to be present"`
          : `${d.name} asks for xenstore (xen,enhanced) but no domain provides it${isTrueDom0less(ctx.model) ? ' (no dom0)' : ''}`;
        report(atDomain(ctx.model, d, 'xen,enhanced'), msg);
      }
    },
  },
  {
    id: 'vcpu-node', group: 'domain-construct', severity: 'error', xenSource: BUILD, since: '4.21',
    xenMessage: 'Invalid vcpu_id %u for domain %s, max_vcpus=%u', summary: '`xen,vcpu` without `id`, or `id` ≥ `cpus`',
    hint: 'number xen,vcpu nodes 0 .. cpus-1', readerCodes: ['VCPU_ID_MISSING'],
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        const max = d.vcpus ?? 1;
        for (const v of d.vcpuPins) if (v.id >= max) report(atDomain(ctx.model, d), `${d.name}/${v.name}: vCPU id ${v.id} but the domain has ${max} vCPU(s)`);
      }
    },
  },
  {
    id: 'vcpu-id-unique', group: 'domain-construct', severity: 'warning', xenSource: BUILD, since: '4.21',
    xenMessage: '(silent: the later xen,vcpu node wins)', summary: 'two `xen,vcpu` nodes with the same `id`',
    hint: 'give each xen,vcpu node its own id',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        const seen = new Set<number>();
        for (const v of d.vcpuPins) {
          if (seen.has(v.id)) report(atDomain(ctx.model, d), `${d.name}/${v.name}: vCPU ${v.id} is pinned twice; the later node wins`);
          seen.add(v.id);
        }
      }
    },
  },
  {
    id: 'domid-exhausted', group: 'domain-construct', severity: 'error', xenSource: 'xen/common/domid.c', since: '4.12',
    xenMessage: 'No more domain IDs available', summary: `more domains than domain IDs below ${hex(DOMID_FIRST_RESERVED)}`,
    hint: 'boot fewer domains',
    check(ctx, report) {
      if (ctx.model.domains.length > DOMID_FIRST_RESERVED) report({ path: '/chosen' }, `${ctx.model.domains.length} domains; Xen has ${DOMID_FIRST_RESERVED} domain IDs`);
    },
  },
];
