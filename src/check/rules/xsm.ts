/**
 * XSM/FLASK (xen/xsm/flask): what a boot-time system needs from the policy
 * when Xen's command line asks for `xsm=flask`. Measured on Xen 4.22 built
 * with FLASK (test/qemu/xen422-flask.test.ts): the built-in policy denies
 * creating the first dom0less domU; every unprivileged boot domain gets the
 * one `unlabeled` initial SID.
 */
import { commandLines } from '../../model/boot-model.js';
import { atDomain } from '../context.js';
import type { Rule } from '../rule.js';
import { flaskModeOf } from '../xsm/flask-cmdline.js';
import { isBuilt, planLabels, typeOfSecurityId } from '../xsm/labels.js';
import { POLICY_VERSION_MIN, policyVersionFor } from '../xsm/policy-version.js';
import { readPolicyAllows } from '../xsm/policy-allows.js';
import { policyRules } from '../xsm/policy-needs.js';
import { initialSidContext } from '../xsm/sid-contexts.js';

const HOOKS = 'xen/xsm/flask/hooks.c';
const BUILDER = 'xen/common/device-tree/dom0less-build.c';

function flaskEnforcing(line: string | undefined): boolean {
  return flaskModeOf(line) === 'enforcing';
}

export const XSM_RULES: Rule[] = [
  {
    id: 'xsm-policy-missing', group: 'xsm', severity: 'error', xenSource: BUILDER,
    xenMessage: 'Error creating domain %s (rc = %d)',
    summary: '`xsm=flask` enforcing with no `xen,xsm-policy` module: the built-in policy denies `{ create }` of an unprivileged boot domain (`unlabeled_t`) and Xen panics',
    hint: 'write the policy with `hyperlaunch xsm` and load it as a xen,xsm-policy module (build --xsm flask does both)',
    check: ({ model }, report) => {
      if (!flaskEnforcing(commandLines(model).xen)) return;
      if (model.hypervisor.modules.some((m) => m.kind === 'xsm-policy')) return;
      const first = planLabels(model).labels.find((l) => l.sid === 'unlabeled');
      const d = first && model.domains.find((x) => x.name === first.domain);
      if (!d) return;
      report(atDomain(model, d), `Xen's built-in FLASK policy does not let xenboot_t create ${d.name} (unlabeled_t): avc: denied { create }, then Error creating domain ${d.name} (rc = -13)`);
    },
  },
  {
    id: 'xsm-label-shared', group: 'xsm', severity: 'warning', xenSource: HOOKS,
    xenMessage: '(silent)',
    summary: 'under FLASK, Xen gives every unprivileged boot-time domain the same `unlabeled` initial SID: the policy cannot tell them apart (and their `security-id` is not applied)',
    hint: 'accept one label for these domains, or start the ones that need their own label later with xl (which passes a label)',
    check: ({ model }, report) => {
      if (flaskModeOf(commandLines(model).xen) === undefined) return;
      for (const s of planLabels(model).shared) {
        const d = model.domains.find((x) => x.name === s.domains[0])!;
        report(atDomain(model, d), `${s.domains.join(', ')} share the FLASK label ${s.type} (the unlabeled initial SID): Xen cannot give a boot-time domU its own label`);
      }
    },
  },
  {
    id: 'xsm-permission-missing', group: 'xsm', severity: 'error', xenSource: 'xen/xsm/flask/avc.c', needs: 'xsm-policy',
    xenMessage: 'avc:  denied  { %s } for ... scontext=%s tcontext=%s tclass=%s',
    summary: 'the FLASK policy (`--xsm-policy`) lacks a permission a domain\'s role or a static event channel needs at boot',
    hint: 'regenerate the policy with `hyperlaunch xsm` for this configuration',
    check: ({ model, xsmPolicy }, report) => {
      if (xsmPolicy!.source === undefined) return;
      const allows = readPolicyAllows(xsmPolicy!.source);
      const labels = planLabels(model);
      for (const rule of policyRules(model, labels)) {
        const missing = rule.perms.filter((p) => !allows.has(rule.source, rule.target, rule.cls, p));
        if (missing.length === 0) continue;
        const d = model.domains.find((x) => isBuilt(x) && labels.labels.some((l) => l.domain === x.name && (l.type === rule.target || l.type === rule.source)));
        const where = d ? atDomain(model, d) : { path: '/chosen' };
        report(where, `${xsmPolicy!.file} does not allow ${rule.source} ${rule.target}:${rule.cls} { ${missing.join(' ')} } (${rule.role}: ${rule.why}); Xen: avc: denied { ${missing[0]} } scontext=${initialSidContext(rule.source, 'system_r')} tcontext=${initialSidContext(rule.target, rule.cls === 'event' ? 'object_r' : 'system_r')} tclass=${rule.cls}`);
      }
    },
  },

  {
    id: 'xsm-policy-version', group: 'xsm', severity: 'error', xenSource: 'xen/xsm/flask/ss/policydb.c', needs: 'xsm-policy',
    xenMessage: 'Flask:  policydb version %d does not match my version range %d-%d',
    summary: 'the binary policy (`--xsm-policy`) has a version the target Xen does not read (4.5–4.22: 15–30); Xen refuses it',
    hint: 'compile with checkpolicy -c 30 (hyperlaunch xsm does)',
    check: ({ model, build, xsmPolicy }, report) => {
      const v = xsmPolicy!.binaryVersion;
      if (v === undefined) return;
      const max = policyVersionFor(build?.version ?? model.target.xenVersion);
      if (v >= POLICY_VERSION_MIN && v <= max) return;
      report({ path: '/chosen', file: xsmPolicy!.file }, `${xsmPolicy!.file} is policy version ${v}; Xen ${build?.version ?? model.target.xenVersion ?? '4.22'} reads ${POLICY_VERSION_MIN}-${max}: Flask:  policydb version ${v} does not match my version range ${POLICY_VERSION_MIN}-${max}`);
    },
  },
  {
    id: 'xsm-security-id-unused', group: 'xsm', severity: 'warning', xenSource: HOOKS, needs: 'xsm-policy',
    xenMessage: '(silent)',
    summary: 'a `security-id` names a type the policy source (`--xsm-policy`) neither declares nor mentions in a rule: the label allows nothing',
    hint: 'use a type the policy declares, or regenerate the policy with `hyperlaunch xsm`',
    check: ({ model, xsmPolicy }, report) => {
      if (xsmPolicy!.source === undefined) return;
      const allows = readPolicyAllows(xsmPolicy!.source);
      for (const d of model.domains) {
        if (d.securityId === undefined) continue;
        const type = typeOfSecurityId(d.securityId);
        if (!allows.mentions(type)) report(atDomain(model, d, 'security-id'), `${d.name}: security-id ${d.securityId} names ${type}, which ${xsmPolicy!.file} never mentions`);
      }
    },
  },
];
