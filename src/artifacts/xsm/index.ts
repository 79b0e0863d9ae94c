/**
 * `hyperlaunch xsm`: a FLASK policy for a boot-time system, from the
 * domains' roles, `security-id`s and static links, for the labels the
 * target Xen really assigns.
 */
import type { BootModel } from '../../model/boot-model.js';
import { policyVersionFor } from '../../check/xsm/policy-version.js';
import { compilePolicy } from './compile.js';
import { type LabelPlan, planLabels } from '../../check/xsm/labels.js';
import { policySource } from './policy-source.js';
import { type PolicyRule, type RuleOptions, policyRules } from '../../check/xsm/policy-needs.js';
import { XsmError } from './xsm-error.js';

export { FLASK_CLASSES, FLASK_INITIAL_SIDS } from '../../check/xsm/flask-abi.js';
export { type DomainLabel, type LabelPlan, type SharedLabel, planLabels } from '../../check/xsm/labels.js';
export { type PolicyRule, type RuleRole, type RuleOptions, policyRules } from '../../check/xsm/policy-needs.js';
export { policySource } from './policy-source.js';
export { compilePolicy, policyVersionFor, checkpolicyMaxVersion } from './compile.js';
export { XsmError } from './xsm-error.js';
export { XSM_CODES, type XsmCode } from './codes.js';

export interface XsmPolicy {
  labels: LabelPlan;
  rules: PolicyRule[];
  /** policy.conf text. */
  source: string;
  /** Binary policy (the XSM module), for `version`. */
  binary: Buffer;
  version: number;
  /** What the target Xen cannot do as configured (shared labels, ignored security-ids). */
  notes: string[];
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function checkSecurityIds(model: BootModel): void {
  for (const d of model.domains) {
    if (d.securityId === undefined) continue;
    const parts = d.securityId.split(':');
    if ((parts.length === 1 || parts.length === 3) && parts.every((p) => TYPE_NAME.test(p))) continue;
    throw new XsmError('BAD_SECURITY_ID', `domain ${d.name}: security-id "${d.securityId}" is not a FLASK type or user:role:type`, { path: d.origin?.path });
  }
}

/** The notes written at the top of the policy and printed by the CLI. */
export function labelNotes(labels: LabelPlan, xenVersion: string | undefined): string[] {
  const xen = xenVersion ?? 'up to 4.22';
  const notes: string[] = [];
  for (const s of labels.shared) {
    notes.push(`Xen ${xen} gives every unprivileged boot-time domain the one "unlabeled" initial SID: ${s.domains.join(', ')} share the label ${s.type}, so the policy cannot tell them apart`);
  }
  for (const l of labels.labels) {
    if (!l.honoured) notes.push(`Xen ${xen} does not apply security-id: ${l.domain} runs as ${l.type}, not ${l.requested}`);
  }
  return notes;
}

export function generatePolicy(model: BootModel, options: RuleOptions & { xenVersion?: string } = {}): XsmPolicy {
  checkSecurityIds(model);
  const labels = planLabels(model);
  if (labels.labels.length === 0) throw new XsmError('NO_DOMAINS', 'the configuration builds no domain (no domain has a kernel)');
  const xenVersion = options.xenVersion ?? model.target.xenVersion;
  const rules = policyRules(model, labels, options);
  const notes = labelNotes(labels, xenVersion);
  const source = policySource(labels, rules, notes);
  const version = policyVersionFor(xenVersion);
  return { labels, rules, source, binary: compilePolicy(source, version), version, notes };
}
