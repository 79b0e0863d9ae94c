/** `hyperlaunch xsm`: the two files, the label warning, usage and input errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpolicyMaxVersion } from '../../src/artifacts/xsm/index.js';
import { binaryPolicyVersion } from '../../src/check/xsm/policy-version.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';

function run(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, 'xsm', ...args], { encoding: 'utf8', cwd: repoRoot });
}

test('xsm writes policy.conf and xenpolicy.bin (version 30 for 4.22) and warns that the domUs share a label', (t) => {
  if (checkpolicyMaxVersion() === undefined) return skipNotice(t, 'hyperlaunch xsm', 'checkpolicy is not installed (apt-get install checkpolicy)');
  const dir = mkdtempSync(join(tmpdir(), 'hl-xsm-cli-'));
  try {
    const r = run('examples/true-dom0less.dts', '--xen', '4.22', '-o', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^domU1: boot_domu_t \(initial SID unlabeled\)$/m);
    assert.match(r.stderr, /xsm-label-shared/);
    assert.match(r.stderr, /domU1, domU2 share the label boot_domu_t/);
    assert.equal(binaryPolicyVersion(readFileSync(join(dir, 'xenpolicy.bin'))), 30);
    assert.match(readFileSync(join(dir, 'policy.conf'), 'utf8'), /^allow xenboot_t boot_domu_t:domain \{ [^}]*create/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xsm without -o is a usage error (2); an unreadable input is an input problem (1), nothing written', () => {
  assert.equal(run('examples/true-dom0less.dts').status, 2);
  const dir = join(mkdtempSync(join(tmpdir(), 'hl-xsm-cli-')), 'out');
  const r = run('no-such.dts', '-o', dir);
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  assert.equal(existsSync(join(dir, 'xenpolicy.bin')), false);
});
