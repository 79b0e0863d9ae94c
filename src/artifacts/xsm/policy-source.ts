/**
 * FLASK policy language source (checkpolicy's monolithic policy.conf, no
 * MLS) for a boot-time system: Xen's classes and initial SIDs, one type per
 * label Xen assigns, the allow rules with their reasons, and the initial SID
 * contexts that tie Xen's boot labels to those types.
 */
import { FLASK_CLASSES, FLASK_INITIAL_SIDS, flaskPermissions } from '../../check/xsm/flask-abi.js';
import type { LabelPlan } from '../../check/xsm/labels.js';
import { type PolicyRule, XEN_TYPES } from '../../check/xsm/policy-needs.js';

export const POLICY_USER = 'system_u';
export const POLICY_ROLE = 'system_r';

/** The type behind each of Xen's initial SIDs. */
export function initialSidTypes(plan: LabelPlan): Record<string, string> {
  const X = XEN_TYPES;
  return {
    xenboot: X.xenboot,
    xen: X.xen,
    dom0: plan.privilegedType,
    domio: X.domio,
    domxen: X.domxen,
    unlabeled: plan.unprivilegedType,
    security: X.security,
    ioport: X.ioport,
    iomem: X.iomem,
    irq: X.irq,
    device: X.device,
    domU: plan.unprivilegedType,
    domDM: X.domdm,
  };
}

function inXenOrder(cls: string, perms: readonly string[]): string[] {
  const all = flaskPermissions(cls);
  if (!all) throw new RangeError(`no FLASK class ${cls}`);
  for (const p of perms) if (!all.includes(p)) throw new RangeError(`no permission ${p} in FLASK class ${cls}`);
  return all.filter((p) => perms.includes(p));
}

function header(plan: LabelPlan, notes: readonly string[]): string[] {
  const out = ['# FLASK policy for a boot-time Xen system, written by hyperlaunch xsm.', '# Labels Xen gives the boot domains:'];
  for (const l of plan.labels) {
    const asked = l.requested === undefined ? '' : l.honoured ? ` (security-id ${l.requested})` : ` (security-id ${l.requested} is not applied by Xen)`;
    out.push(`#   ${l.domain}: ${l.type}, initial SID ${l.sid}${asked}`);
  }
  for (const n of notes) out.push(`# NOTE: ${n}`);
  return [...out, ''];
}

function declarations(): string[] {
  const out = FLASK_CLASSES.map(([c]) => `class ${c}`);
  out.push('', ...FLASK_INITIAL_SIDS.map((s) => `sid ${s}`), '');
  for (const [c, perms] of FLASK_CLASSES) out.push(`class ${c}`, '{', ...perms.map((p) => `\t${p}`), '}');
  return [...out, ''];
}

function ruleText(r: PolicyRule): string[] {
  return [`# ${r.role}: ${r.why}`, `allow ${r.source} ${r.target}:${r.cls} { ${inXenOrder(r.cls, r.perms).join(' ')} };`];
}

export function policySource(plan: LabelPlan, rules: readonly PolicyRule[], notes: readonly string[] = []): string {
  const sids = initialSidTypes(plan);
  const types = [...new Set([...Object.values(XEN_TYPES), ...Object.values(sids)])];
  const out = [...header(plan, notes), ...declarations()];
  out.push(...types.map((t) => `type ${t};`), '');
  out.push(`role ${POLICY_ROLE};`, `role ${POLICY_ROLE} types { ${types.join(' ')} };`, '');
  for (const r of rules) out.push(...ruleText(r));
  out.push('', `user ${POLICY_USER} roles { ${POLICY_ROLE} };`, '');
  for (const s of FLASK_INITIAL_SIDS) out.push(`sid ${s} ${POLICY_USER}:${POLICY_ROLE}:${sids[s]}`);
  return `${out.join('\n')}\n`;
}
