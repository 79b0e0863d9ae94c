/**
 * The generated FLASK policy: the labels Xen 4.22 assigns, the rules from
 * roles and static event channels, and checkpolicy accepting the source
 * (the compiler is the oracle of the language; the boots in
 * test/qemu/xen422-flask.test.ts are the oracle of the rules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { XsmError, checkpolicyMaxVersion, generatePolicy, planLabels } from '../../../src/artifacts/xsm/index.js';
import { binaryPolicyVersion } from '../../../src/check/xsm/policy-version.js';
import { modelFromDts } from '../../qemu/support.js';
import { repoRoot } from '../../support/paths.js';
import { skipNotice } from '../../support/skip.js';

const example = (name: string) => modelFromDts(join(repoRoot, 'examples', name));
const noCheckpolicy = checkpolicyMaxVersion() === undefined;

test('Xen 4.22 labels: dom0 gets the dom0 initial SID, every unprivileged domU the one unlabeled SID (shared)', () => {
  const plan = planLabels(example('qemu-dom0less.dts'));
  assert.deepEqual(plan.labels.map((l) => [l.domain, l.type, l.sid]), [['dom0', 'dom0_t', 'dom0'], ['domU1', 'boot_domu_t', 'unlabeled'], ['domU2', 'boot_domu_t', 'unlabeled']]);
  assert.deepEqual(plan.shared, [{ type: 'boot_domu_t', domains: ['domU1', 'domU2'] }]);
});

test('a dom0less domU with the control capability is privileged: the dom0 initial SID (as a 4.22 boot showed)', () => {
  const model = example('true-dom0less.dts');
  model.domains[0]!.capabilities = { control: true, hardware: false, xenstore: false };
  assert.deepEqual(planLabels(model).labels.map((l) => [l.domain, l.type, l.sid]), [['domU1', 'dom0_t', 'dom0'], ['domU2', 'boot_domu_t', 'unlabeled']]);
});

test('a security-id Xen cannot apply is reported, and names the shared type only when every sharer asks for it', () => {
  const model = example('true-dom0less.dts');
  model.domains[0]!.securityId = 'system_u:system_r:web_t';
  let plan = planLabels(model);
  assert.equal(plan.unprivilegedType, 'boot_domu_t');
  assert.deepEqual(plan.labels.map((l) => [l.domain, l.honoured]), [['domU1', false], ['domU2', true]]);
  model.domains[1]!.securityId = 'web_t';
  plan = planLabels(model);
  assert.equal(plan.unprivilegedType, 'web_t');
  assert.ok(plan.labels.every((l) => l.honoured));
});

test('a security-id that is not a type name is an XsmError with the domain named', (t) => {
  if (noCheckpolicy) return skipNotice(t, 'FLASK policy compile', 'checkpolicy is not installed (apt-get install checkpolicy)');
  const model = example('true-dom0less.dts');
  model.domains[0]!.securityId = 'web t;';
  assert.throws(() => generatePolicy(model), (e: unknown) => e instanceof XsmError && e.code === 'BAD_SECURITY_ID' && /domU1/.test(e.message));
});

test('static event channels give the boot domain { create } and the ends { bind send status }; leaving them out removes exactly those', (t) => {
  if (noCheckpolicy) return skipNotice(t, 'FLASK policy compile', 'checkpolicy is not installed (apt-get install checkpolicy)');
  const model = example('static-shm-evtchn.dts');
  const full = generatePolicy(model, { xenVersion: '4.22' });
  assert.match(full.source, /^allow xenboot_t boot_domu_t:event \{ create \};$/m);
  assert.match(full.source, /^allow boot_domu_t boot_domu_t:event \{ bind send status \};$/m);
  const without = generatePolicy(model, { xenVersion: '4.22', without: ['event-channel'] });
  assert.doesNotMatch(without.source, /:event /);
  assert.equal(full.rules.length - without.rules.length, 2);
});

test('checkpolicy compiles the source for policy version 30 (what Xen 4.5-4.22 read), the same bytes each time', (t) => {
  if (noCheckpolicy) return skipNotice(t, 'FLASK policy compile', 'checkpolicy is not installed (apt-get install checkpolicy)');
  const a = generatePolicy(example('qemu-dom0less.dts'), { xenVersion: '4.22' });
  assert.equal(binaryPolicyVersion(a.binary), 30);
  assert.equal(a.version, 30);
  assert.deepEqual(generatePolicy(example('qemu-dom0less.dts'), { xenVersion: '4.22' }).binary, a.binary);
  assert.match(a.source, /^sid unlabeled system_u:system_r:boot_domu_t$/m);
  assert.match(a.source, /^sid dom0 system_u:system_r:dom0_t$/m);
  assert.match(a.source, /^# NOTE: Xen 4\.22 gives every unprivileged boot-time domain .*domU1, domU2 share the label boot_domu_t/m);
});

test('control, hardware, xenstore and console roles each bring their rules (Hyperlaunch disaggregated example)', (t) => {
  if (noCheckpolicy) return skipNotice(t, 'FLASK policy compile', 'checkpolicy is not installed (apt-get install checkpolicy)');
  const p = generatePolicy(example('hyperlaunch-disaggregated.dts'), { xenVersion: '4.22' });
  const roles = new Set(p.rules.map((r) => r.role));
  for (const r of ['boot', 'self', 'control', 'hardware', 'xenstore']) assert.ok(roles.has(r as never), r);
  // control is privileged (dom0 SID); hardware and xenstore share the unlabeled one.
  assert.deepEqual(p.labels.labels.map((l) => [l.domain, l.type]), [['control', 'dom0_t'], ['hardware', 'boot_domu_t'], ['xenstore', 'boot_domu_t']]);
  assert.match(p.source, /^allow dom0_t boot_domu_t:domain \{/m);
});
