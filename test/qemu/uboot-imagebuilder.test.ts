/**
 * The firmware route end to end, as a user runs it: `hyperlaunch qemu -c`
 * with an ImageBuilder config naming Debian's Xen and Linux and our
 * initramfs, built into boot.scr by src/artifacts in a temp dir, fetched over
 * TFTP and run by real U-Boot (Debian's u-boot-qemu).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UBOOT_QEMU_ARM64 } from '../../src/qemu/boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { bootPrerequisites, smokeConfig, withTmpDir } from './support.js';
import { resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { imageBuilderToModel } from '../../src/bindings/imagebuilder/model.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { predictDomids } from '../../src/report/domid.js';
import { dom0Console, domidsSeen } from './domids-seen.js';

const prereq = bootPrerequisites();

// XEN_CMD keeps ImageBuilder's dtuart=serial0: it works only with the alias virt-dtb.ts adds.
// No DEVICE_TREE: the harness gives QEMU virt's own DTB.
const CONFIG = smokeConfig(2, { extra: ['UBOOT_SOURCE="boot.source"', 'UBOOT_SCRIPT="boot.scr"'] });

/** The predicted domids of the config's boot.scr build next to the ones a boot's serial log shows. */
function domidsAgainst(model: BootModel, serial: string): { predicted: unknown[]; seen: unknown[] } {
  const seen = domidsSeen(serial);
  return {
    predicted: predictDomids(model, 'uboot-script').map((p) => [p.domain, p.domid]),
    seen: model.domains.map((d) => [d.name, seen.get(d.name)]),
  };
}

/** Every name in dir with its kind and size: the harness may only read the user's directory. */
function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((f) => {
    const st = lstatSync(join(dir, f));
    return `${f} ${st.isSymbolicLink() ? 'link' : st.size}`;
  });
}

test('qemu -c: an ImageBuilder config (dom0 + 2 domUs, no DEVICE_TREE) built by us, booted by real U-Boot over TFTP, then directly', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  if (!existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    symlinkSync(g.xen, join(dir, 'xen'));
    symlinkSync(g.kernel, join(dir, 'Image'));
    const busybox = readFileSync(g.busybox);
    for (const name of ['dom0', 'domU0', 'domU1']) writeFileSync(join(dir, `${name}.cpio.gz`), buildInitramfs(busybox, name));
    writeFileSync(join(dir, 'config'), CONFIG);
    const before = snapshot(dir);
    const log = join(tmpdir(), `hl-uboot-test-${process.pid}.log`);
    const directLog = join(tmpdir(), `hl-uboot-test-direct-${process.pid}.log`);
    const { model } = imageBuilderToModel(resolveImageBuilder(readImageBuilderConfig(parseShellConfig(CONFIG, 'config'))));
    try {
      const r = spawnSync(process.execPath, [cliPath, 'qemu', '-c', join(dir, 'config'), '-d', dir, '--timeout', '120', '--serial-log', log], { cwd: repoRoot, encoding: 'utf8' });
      console.log(r.stdout.split('\n')[0]);
      const serial = existsSync(log) ? readFileSync(log, 'latin1') : '';
      assert.equal(r.status, 0, r.stdout + r.stderr + serial.slice(-3000));
      assert.match(r.stdout, /uboot route/);
      assert.match(r.stderr, /no DEVICE_TREE: using QEMU virt's own DTB/);
      // U-Boot's `fdt mknod` puts domU1 first: Xen makes it d1 and domU0 d2; the kernel addresses tell them apart.
      assert.match(r.stdout, /^ {2}dom0 +0 +PASS +alive: line \d+: HYPERLAUNCH-MARKER dom0 up/m);
      assert.match(r.stdout, /^ {2}domU0 +2 +PASS +alive: line \d+: .*\(XEN\) DOM2: HYPERLAUNCH-MARKER domU0 up/m);
      assert.match(r.stdout, /^ {2}domU1 +1 +PASS +alive: line \d+: .*\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/m);
      // The log itself, read independently of the parser.
      assert.match(serial, /U-Boot 20\d\d/);
      assert.match(serial, /Loading d1 kernel from boot module/);
      assert.match(dom0Console(serial), /^HYPERLAUNCH-MARKER dom0 up/m);
      assert.match(serial, /\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/);
      assert.match(serial, /\(XEN\) DOM2: HYPERLAUNCH-MARKER domU0 up/);
      // The report's predicted domids (boot.scr: U-Boot's fdt mknod reverses the domUs) are the ones Xen gave.
      const viaUboot = domidsAgainst(model, serial);
      assert.deepEqual(viaUboot.predicted, viaUboot.seen);
      // Built in a temp dir: the user's directory is as it was.
      assert.deepEqual(snapshot(dir), before);
      // The same config loaded directly: the final DTB is the host DTB with the script's
      // fdt edits applied by us, so Xen must number the domains as it did after U-Boot.
      const direct = spawnSync(process.execPath, [cliPath, 'qemu', '-c', join(dir, 'config'), '-d', dir, '--route', 'direct', '--timeout', '240', '--serial-log', directLog], { cwd: repoRoot, encoding: 'utf8' });
      console.log(direct.stdout.split('\n')[0]);
      assert.equal(direct.status, 0, direct.stdout + direct.stderr);
      assert.match(direct.stdout, /direct route/);
      assert.match(direct.stdout, /^ {2}domU0 +2 +PASS +alive: line \d+: .*\(XEN\) DOM2: HYPERLAUNCH-MARKER domU0 up/m);
      assert.match(direct.stdout, /^ {2}domU1 +1 +PASS +alive: line \d+: .*\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/m);
      const direct2 = domidsAgainst(model, readFileSync(directLog, 'latin1'));
      assert.deepEqual(direct2.predicted, direct2.seen);
      assert.deepEqual(snapshot(dir), before);
    } finally {
      rmSync(log, { force: true });
      rmSync(directLog, { force: true });
    }
  });
});
