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
import { isBuilt, planLabels } from '../xsm/labels.js';
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
];
