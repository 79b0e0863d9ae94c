/**
 * The FLASK label Xen really gives each boot-time domain. Up to 4.22 no
 * release reads `security-id`: flask_domain_alloc_security labels a domain
 * the idle domain creates with the `dom0` initial SID when it is privileged
 * (dom0, or a dom0less domain with the control capability) and leaves every
 * other one `unlabeled` (the dom0less builder passes no ssidref to
 * domain_create). So all unprivileged boot domains share one label, and the
 * policy names the type behind that initial SID after them.
 */
import { type BootModel, effectiveCapabilities } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';

/** The initial SIDs a boot-time domain can end up with. */
export type BootSid = 'dom0' | 'unlabeled';

export interface DomainLabel {
  domain: string;
  /** The FLASK type the policy gives the domain's initial SID. */
  type: string;
  sid: BootSid;
  /** The type `security-id` asked for, when it did. */
  requested?: string;
  /** False when Xen cannot apply `requested` (it gets `type` instead). */
  honoured: boolean;
}

/** Two or more domains under one label: the policy cannot tell them apart. */
export interface SharedLabel {
  type: string;
  domains: string[];
}

export interface LabelPlan {
  labels: DomainLabel[];
  /** Type of the `dom0` initial SID. */
  privilegedType: string;
  /** Type of the `unlabeled` initial SID: every unprivileged boot domain. */
  unprivilegedType: string;
  shared: SharedLabel[];
}

export const DEFAULT_PRIVILEGED_TYPE = 'dom0_t';
export const DEFAULT_UNPRIVILEGED_TYPE = 'boot_domu_t';

/** A domain Xen builds: dom0 only with a kernel (without one the system is true dom0less). */
export function isBuilt(d: Domain): boolean {
  return d.modules.some((m) => m.kind === 'kernel');
}

/** `system_u:system_r:dom0_t` or `dom0_t` → `dom0_t`. */
export function typeOfSecurityId(id: string): string {
  const parts = id.split(':');
  return parts.length >= 3 ? parts[2]! : id;
}

function isPrivileged(d: Domain): boolean {
  return d.isDom0 || effectiveCapabilities(d).control;
}

/** The one type every domain in the group asked for, else the fallback. */
function groupType(group: readonly Domain[], fallback: string): string {
  const asked = new Set(group.map((d) => (d.securityId === undefined ? undefined : typeOfSecurityId(d.securityId))));
  const [only] = [...asked];
  return asked.size === 1 && only !== undefined ? only : fallback;
}

export function planLabels(model: BootModel): LabelPlan {
  const built = model.domains.filter(isBuilt);
  const privileged = built.filter(isPrivileged);
  const unprivileged = built.filter((d) => !isPrivileged(d));
  const privilegedType = groupType(privileged, DEFAULT_PRIVILEGED_TYPE);
  const unprivilegedType = groupType(unprivileged, DEFAULT_UNPRIVILEGED_TYPE);
  const labels = built.map((d): DomainLabel => {
    const sid: BootSid = isPrivileged(d) ? 'dom0' : 'unlabeled';
    const type = sid === 'dom0' ? privilegedType : unprivilegedType;
    const requested = d.securityId === undefined ? undefined : typeOfSecurityId(d.securityId);
    return { domain: d.name, type, sid, requested, honoured: requested === undefined || requested === type };
  });
  const shared = unprivileged.length > 1 ? [{ type: unprivilegedType, domains: unprivileged.map((d) => d.name) }] : [];
  return { labels, privilegedType, unprivilegedType, shared };
}

export function labelOf(plan: LabelPlan, domain: string): string | undefined {
  return plan.labels.find((l) => l.domain === domain)?.type;
}
