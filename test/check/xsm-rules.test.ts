/**
 * The xsm rule that reads a Hyperlaunch-only property (security-id), and
 * check --xsm-policy on the CLI with the fixture policies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModel } from '../../src/check/engine.js';
import { XSM_RULES } from '../../src/check/rules/xsm.js';
import { modelFromDts } from '../qemu/support.js';
import { cliPath, repoRoot } from '../support/paths.js';

const fixtures = join(repoRoot, 'test', 'check', 'fixtures');
const policy = (name: string) => ({ file: name, source: readFileSync(join(fixtures, name), 'utf8') });

test('xsm-security-id-unused: a security-id naming a type the policy never mentions', () => {
  const model = modelFromDts(join(fixtures, 'xsm-permission-missing.ok.dts'));
  model.domains[0]!.securityId = 'system_u:system_r:web_t';
  const rules = XSM_RULES.filter((r) => r.id === 'xsm-security-id-unused');
  const f = checkModel(model, { rules, xsmPolicy: policy('xsm-permission-missing.ok.conf') });
  assert.deepEqual(f.map((x) => x.ruleId), ['xsm-security-id-unused']);
  assert.match(f[0]!.message, /web_t/);
  model.domains[0]!.securityId = 'boot_domu_t';
  assert.deepEqual(checkModel(model, { rules, xsmPolicy: policy('xsm-permission-missing.ok.conf') }), []);
});

test("check --xsm-policy names the permission Xen 4.22 denies (the boot test's avc line) and exits 1", () => {
  const r = spawnSync(process.execPath, [cliPath, 'check', '--xsm-policy', join(fixtures, 'xsm-permission-missing.conf'), '-i', fixtures, join(fixtures, 'xsm-permission-missing.dts')], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /xsm-permission-missing/);
  assert.match(r.stderr, /avc: denied \{ create \} scontext=system_u:system_r:xenboot_t tcontext=system_u:object_r:boot_domu_t tclass=event/);
});
