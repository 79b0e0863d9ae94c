/** Rules across domains: one hardware and one xenstore domain, domain IDs. */
import type { BootModel } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import { atDomain, hex } from '../context.js';
import type { Report, Rule } from '../rule.js';
import { builtDom0, isHardware, isXenstore } from './support.js';

const DOMID_FIRST_RESERVED = 0x7ff0;

/** Domains holding a role, in the order Xen meets them: dom0 first, then DT order. */
function holders(model: BootModel, has: (d: Domain) => boolean): Domain[] {
  const dom0 = builtDom0(model);
  const rest = model.domains.filter((d) => !d.isDom0 && has(d));
  return dom0 && has(dom0) ? [dom0, ...rest] : rest;
}

function unique(model: BootModel, report: Report, has: (d: Domain) => boolean, role: string): void {
  const hs = holders(model, has);
  for (const d of hs.slice(1)) report(atDomain(model, d, 'capabilities'), `${d.name} is a second ${role} domain (the first is ${hs[0]!.name}${hs[0]!.isDom0 ? ', dom0 has every role' : ''})`);
}

export const CROSS_DOMAIN_RULES: Rule[] = [
  {
    id: 'caps-hw-unique', group: 'cross-domain', severity: 'error', xenSource: 'xen/common/device-tree/dom0less-build.c', since: '4.21',
    xenMessage: 'Only 1 hardware domain can be specified! (%pd)', summary: 'more than one domain with the hardware capability (dom0 counts)',
    hint: 'give capabilities 0x2 to one domain only (dom0, when there is one, has it)',
    check: (ctx, report) => unique(ctx.model, report, isHardware, 'hardware'),
  },
  {
    id: 'caps-xs-unique', group: 'cross-domain', severity: 'error', xenSource: 'xen/common/device-tree/dom0less-build.c', since: '4.21',
    xenMessage: 'Only 1 xenstore domain can be specified! (%u)', summary: 'more than one domain with the xenstore capability (dom0 counts)',
    hint: 'give capabilities 0x4 to one domain only (dom0, when there is one, has it)',
    check: (ctx, report) => unique(ctx.model, report, isXenstore, 'xenstore'),
  },
  {
    id: 'domid-unique', group: 'cross-domain', severity: 'error', xenSource: 'xen/common/domain-builder/fdt.c', since: 'unreleased',
    xenMessage: 'domid %u already in use', summary: 'two Hyperlaunch domains with the same `domid`',
    hint: 'give each domain its own domid', readerCodes: ['DOMID_DUPLICATE'],
    check(ctx, report) {
      const seen = new Map<number, string>();
      for (const d of ctx.model.domains) {
        if (d.domid === undefined) continue;
        const prev = seen.get(d.domid);
        if (prev !== undefined) report(atDomain(ctx.model, d, 'domid'), `${d.name}: domid ${d.domid} is also ${prev}'s`);
        else seen.set(d.domid, d.name);
      }
    },
  },
  {
    id: 'domid-range', group: 'cross-domain', severity: 'error', xenSource: 'xen/common/domain-builder/fdt.c', since: 'unreleased',
    xenMessage: 'domid %u is reserved', summary: `a \`domid\` of ${hex(DOMID_FIRST_RESERVED)} (DOMID_FIRST_RESERVED) or above`,
    hint: `use a domid below ${hex(DOMID_FIRST_RESERVED)}`, readerCodes: ['DOMID_INVALID', 'DOMID_RESERVED'],
    check(ctx, report) {
      for (const d of ctx.model.domains) if (d.domid !== undefined && d.domid >= DOMID_FIRST_RESERVED) report(atDomain(ctx.model, d, 'domid'), `${d.name}: domid ${hex(d.domid)} is reserved`);
    },
  },
];
