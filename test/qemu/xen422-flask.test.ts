/**
 * FLASK enforcing on upstream Xen 4.22's release build (CONFIG_XSM_FLASK
 * with the built-in policy) by the direct route: the built-in policy panics
 * creating the first dom0less domU; the policy `hyperlaunch xsm` writes,
 * loaded as the xen,xsm-policy module, boots every domain; a policy
 * generated without the static event channels is denied exactly as the
 * xsm-permission-missing check says; build --xsm's output boots through
 * real U-Boot; a policy of a version 4.22 does not read is refused (with
 * the check saying so first). Eleven boots of 1-30 s. Skipped with SKIP:
 * without the Xen source, the cross compiler, QEMU, checkpolicy or the guest packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RuleRole, checkpolicyMaxVersion, generatePolicy } from '../../src/artifacts/xsm/index.js';
import type { XsmMode } from '../../src/check/xsm/flask-cmdline.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { checkModel } from '../../src/check/engine.js';
import { XSM_RULES } from '../../src/check/rules/xsm.js';
import { UBOOT_QEMU_ARM64, bootDirect } from '../../src/qemu/boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice, skipReason } from '../support/skip.js';
import { bootPrerequisites, modelFromDts, smokeConfig, withTmpDir } from './support.js';
import { xen422Builds } from './xen-source-support.js';

const xen = xen422Builds();
const boot = bootPrerequisites();
const noCheckpolicy = checkpolicyMaxVersion() === undefined ? skipReason('FLASK policy compile', 'checkpolicy is not installed (apt-get install checkpolicy)') : undefined;

interface FlaskBoot {
  log: string;
  passed: boolean;
  domains: [string, boolean][];
  denials: string[];
}

/** Boot an example under FLASK; `policy: 'built-in'` loads no module, else ours (without the given roles' rules). */
async function bootFlask(example: string, mode: XsmMode, policy: 'built-in' | { without?: RuleRole[]; version?: number }): Promise<FlaskBoot> {
  const g = boot.guest!;
  return withTmpDir(async (dir) => {
    const model = modelFromDts(join(repoRoot, 'examples', example));
    let file: string | undefined;
    if (policy !== 'built-in') {
      file = join(dir, 'policy.bin');
      const generated = generatePolicy(model, { xenVersion: '4.22', without: policy.without });
      writeFileSync(file, policy.version === undefined ? generated.binary : withPolicyVersion(generated.binary, policy.version));
    }
    const spec = planDirectBoot(model, virtHostTree(), { xen: xen.release!.image, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir, { xsm: { mode, policy: file } });
    const report = await bootDirect(spec, { timeoutSeconds: 400, serialLog: join(dir, 'serial.log') });
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    const denials = log.split('\n').filter((l) => /avc: +denied/.test(l));
    const label = policy === 'built-in' ? 'built-in policy' : `our policy${policy.without ? ` without ${policy.without.join(',')}` : ''}`;
    console.log(`xen 4.22 flask=${mode} ${example}, ${label}: ${report.seconds.toFixed(1)} s, ${report.end}, ${denials.length} avc denials`);
    if (policy === 'built-in' || policy.version === undefined) assert.match(log, new RegExp(`Flask: +Starting in ${mode} mode`), log.slice(-3000));
    if (file && policy !== 'built-in' && policy.version === undefined) assert.match(log, /xsm: Policy len = /, 'Xen read our policy module');
    return { log, passed: report.passed, domains: report.domains.map((d) => [d.name, d.passed]), denials };
  });
}

/**
 * The binary policy with another version in its header (after the magic, the
 * length and the "XenFlask" string): checkpolicy writes Xen policies only up
 * to version 30, so a policy Xen cannot read has to be made this way.
 */
function withPolicyVersion(binary: Uint8Array, version: number): Buffer {
  const b = Buffer.from(binary);
  const at = b.indexOf('XenFlask');
  assert.ok(at > 0, 'a Xen binary policy names itself XenFlask');
  assert.equal(b.readUInt32LE(at + 8), 30);
  b.writeUInt32LE(version, at + 8);
  return b;
}

function prerequisite(): string | undefined {
  return xen.missing ?? boot.missing ?? noCheckpolicy;
}

test('xen 4.22 flask=enforcing with the built-in policy panics creating the first dom0less domU (why a generated policy is needed)', async (t) => {
  const missing = prerequisite();
  if (missing) return skipNotice(t, missing);
  const r = await bootFlask('true-dom0less.dts', 'enforcing', 'built-in');
  assert.match(r.log, /avc: +denied +\{ create \} .*scontext=system_u:system_r:xenboot_t tcontext=system_u:system_r:unlabeled_t tclass=domain/);
  assert.match(r.log, /Error creating domain domU1 \(rc = -13\)/);
  assert.equal(r.passed, false);
});

const alive = [
  ['true-dom0less.dts', ['domU1', 'domU2']],
  ['qemu-dom0less.dts', ['dom0', 'domU1', 'domU2']],
  ['static-shm-evtchn.dts', ['domU1', 'domU2']],
] as const;

for (const [example, names] of alive) {
  test(`xen 4.22 flask=enforcing with our generated policy boots examples/${example}: every domain alive, no denial`, async (t) => {
    const missing = prerequisite();
    if (missing) return skipNotice(t, missing);
    const r = await bootFlask(example, 'enforcing', {});
    assert.deepEqual(r.denials, [], r.log.slice(-3000));
    assert.deepEqual(r.domains, names.map((n) => [n, true]), r.log.slice(-3000));
    assert.equal(r.passed, true);
  });
  // Permissive logs every check that would fail and goes on, so a denial enforcing hides behind an earlier stop shows here.
  test(`xen 4.22 flask=permissive with our generated policy boots examples/${example}: every domain alive, zero avc denials`, async (t) => {
    const missing = prerequisite();
    if (missing) return skipNotice(t, missing);
    const r = await bootFlask(example, 'permissive', {});
    assert.deepEqual(r.denials, [], r.log.slice(-3000));
    assert.deepEqual(r.domains, names.map((n) => [n, true]), r.log.slice(-3000));
  });
}

test('build --xsm flask --xsm-mode permissive, booted by real U-Boot on 4.22 (dom0 + 2 domUs: the most hypercalls): every domain alive, zero avc denials', async (t) => {
  const missing = prerequisite();
  if (missing) return skipNotice(t, missing);
  if (!existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
  const g = boot.guest!;
  await withTmpDir(async (dir) => {
    symlinkSync(xen.release!.image, join(dir, 'xen'));
    symlinkSync(g.kernel, join(dir, 'Image'));
    const busybox = readFileSync(g.busybox);
    for (const name of ['dom0', 'domU0', 'domU1']) writeFileSync(join(dir, `${name}.cpio.gz`), buildInitramfs(busybox, name));
    writeFileSync(join(dir, 'config'), smokeConfig(2, { extra: ['UBOOT_SOURCE="boot.source"', 'UBOOT_SCRIPT="boot.scr"'] }));
    // No DEVICE_TREE in a qemu config: give build QEMU virt's DTB to edit.
    writeFileSync(join(dir, 'virt.dtb'), writeDtb(virtHostTree()));
    writeFileSync(join(dir, 'build.config'), `${readFileSync(join(dir, 'config'), 'utf8')}DEVICE_TREE="virt.dtb"\n`);
    const built = spawnSync(process.execPath, [cliPath, 'build', '-c', join(dir, 'build.config'), '-d', dir, '--xsm', 'flask', '--xsm-mode', 'permissive', '--xen-config', xen.release!.config], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    // What build wrote, booted as the user's config: XEN_POLICY and Xen's line as build put them in the script.
    const xenLine = /fdt set \/chosen xen,xen-bootargs "([^"]*)"/.exec(readFileSync(join(dir, 'boot.source'), 'utf8'))![1]!;
    assert.match(xenLine, / xsm=flask flask=permissive$/);
    const config = readFileSync(join(dir, 'config'), 'utf8').replace(/^XEN_CMD=.*$/m, `XEN_CMD="${xenLine}"`);
    writeFileSync(join(dir, 'config'), `${config}XEN_POLICY="xenpolicy.bin"\n`);
    const log = join(dir, 'serial.log');
    const r = spawnSync(process.execPath, [cliPath, 'qemu', '-c', join(dir, 'config'), '-d', dir, '--xen-config', xen.release!.config, '--timeout', '300', '--serial-log', log], { cwd: repoRoot, encoding: 'utf8' });
    const serial = existsSync(log) ? readFileSync(log, 'latin1') : '';
    const denials = serial.split('\n').filter((l) => /avc: +denied/.test(l));
    console.log(`xen 4.22 flask=permissive qemu -c (U-Boot) with build --xsm's policy: ${r.stdout.split('\n')[0]}, ${denials.length} avc denials`);
    assert.equal(r.status, 0, r.stdout + r.stderr + serial.slice(-3000));
    assert.match(serial, /xsm: Policy len = /);
    assert.match(serial, /Flask: +Starting in permissive mode/);
    assert.deepEqual(denials, []);
    assert.match(r.stdout, /all 3 domain\(s\) passed/);
  });
});

test('xen 4.22 flask=enforcing with our policy generated without the static event channels: Xen denies binding them', async (t) => {
  const missing = prerequisite();
  if (missing) return skipNotice(t, missing);
  // Before the boot: check --xsm-policy on that policy flags the permission...
  const model = modelFromDts(join(repoRoot, 'examples', 'static-shm-evtchn.dts'));
  const source = generatePolicy(model, { xenVersion: '4.22', without: ['event-channel'] }).source;
  const findings = checkModel(model, { rules: XSM_RULES, xsmPolicy: { file: 'policy.conf', source } });
  assert.deepEqual([...new Set(findings.map((f) => f.ruleId))], ['xsm-permission-missing']);
  const typeOf = (context: string): string => context.split(':')[2]!;
  const said = findings.map((f) => /Xen: avc: denied \{ (\w+) \} scontext=(\S+) tcontext=(\S+) tclass=(\w+)/.exec(f.message)!.slice(1));
  // ...and every permission Xen denies (it stops at the first) is one the check named, by types.
  const r = await bootFlask('static-shm-evtchn.dts', 'enforcing', { without: ['event-channel'] });
  assert.ok(r.denials.length > 0, r.log.slice(-3000));
  for (const line of r.denials) {
    const [, perm, scontext, tcontext, cls] = /\{ (\w+) \} .*scontext=(\S+) tcontext=(\S+) tclass=(\w+)/.exec(line)!;
    const named = said.some(([p, s, t, c]) => p === perm && typeOf(s!) === typeOf(scontext!) && typeOf(t!) === typeOf(tcontext!) && c === cls);
    assert.ok(named, `${line} was not flagged by check: ${findings.map((f) => f.message).join('; ')}`);
  }
  assert.match(r.log, /avc: +denied +\{ create \} .*scontext=system_u:system_r:xenboot_t tcontext=system_u:object_r:boot_domu_t tclass=event/);
  assert.equal(r.passed, false);
});

test('xen 4.22 flask=enforcing with our policy compiled as version 31: check says xsm-policy-version, and Xen refuses the policy', async (t) => {
  const missing = prerequisite();
  if (missing) return skipNotice(t, missing);
  // One past what 4.22 reads (15-30).
  const version = 31;
  // Before the boot: check --xsm-policy reads the binary's header and refuses it for 4.22.
  await withTmpDir(async (dir) => {
    const bin = join(dir, 'policy.bin');
    writeFileSync(bin, withPolicyVersion(generatePolicy(modelFromDts(join(repoRoot, 'examples', 'true-dom0less.dts')), { xenVersion: '4.22' }).binary, version));
    const c = spawnSync(process.execPath, [cliPath, 'check', '--xen', '4.22', '--xsm-policy', bin, 'examples/true-dom0less.dts'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(c.status, 1, c.stderr);
    assert.match(c.stderr, /error\[xsm-policy-version\]/);
  });
  const r = await bootFlask('true-dom0less.dts', 'enforcing', { version });
  assert.match(r.log, /Flask: +policydb version 31 does not match my version range 15-30/);
  assert.match(r.log, /Panic on CPU 0:\s*\n\(XEN\) Unable to load FLASK policy/);
  assert.equal(r.passed, false);
});
