/**
 * Which domain becomes dom0 on x86 Xen 4.17, which builds exactly one
 * domain at boot and gives it every role. A classic dom0 (dom0less dom0,
 * Hyperlaunch domid 0 or LEGACY_DOM0) is the obvious choice; in a split
 * system the hardware domain is, because it drives the devices and Xen
 * 4.17 gives the hardware to dom0 alone.
 */
import type { BootModel } from '../model/boot-model.js';
import { effectiveCapabilities } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';

export type Dom0Reason = 'dom0' | 'domid-0' | 'legacy-dom0' | 'hardware' | 'control' | 'only-domain' | 'first-domain';

export interface Dom0Choice {
  domain: Domain;
  reason: Dom0Reason;
}

function hasKernel(d: Domain): boolean {
  return d.modules.some((m) => m.kind === 'kernel');
}

/** The domain to boot as dom0, or undefined when the model has no domain with a kernel. */
export function chooseDom0(model: BootModel): Dom0Choice | undefined {
  const candidates = model.domains.filter(hasKernel);
  const pick = (reason: Dom0Reason, test: (d: Domain) => boolean): Dom0Choice | undefined => {
    const domain = candidates.find(test);
    return domain ? { domain, reason } : undefined;
  };
  return pick('dom0', (d) => d.isDom0 && d.domid === undefined && !d.functions?.legacyDom0)
    ?? pick('domid-0', (d) => d.domid === 0)
    ?? pick('legacy-dom0', (d) => d.functions?.legacyDom0 === true)
    ?? pick('dom0', (d) => d.isDom0)
    ?? pick('hardware', (d) => d.capabilities !== undefined && effectiveCapabilities(d).hardware)
    ?? pick('control', (d) => d.capabilities !== undefined && effectiveCapabilities(d).control)
    ?? (candidates.length === 1 ? { domain: candidates[0]!, reason: 'only-domain' } : undefined)
    ?? (candidates.length ? { domain: candidates[0]!, reason: 'first-domain' } : undefined);
}

export function dom0ReasonText(r: Dom0Reason): string {
  switch (r) {
    case 'dom0': return 'it is the configuration\'s dom0';
    case 'domid-0': return 'it has domid 0';
    case 'legacy-dom0': return 'its functions include LEGACY_DOM0';
    case 'hardware': return 'it is the hardware domain (Xen 4.17 x86 gives the hardware to dom0 alone)';
    case 'control': return 'it is the control domain and no domain holds the hardware';
    case 'only-domain': return 'it is the only domain';
    case 'first-domain': return 'no domain is marked as dom0, so the first one with a kernel is';
  }
}
