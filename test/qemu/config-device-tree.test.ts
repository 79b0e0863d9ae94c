/**
 * `hyperlaunch qemu -c` with a config that names its own DEVICE_TREE: the
 * board's DTB is the user's, not the one the harness makes from QEMU virt.
 * The DTB here is virt's own with a `model` no generated DTB has; Xen copies
 * the root's properties into dom0's tree, and dom0's Linux prints the model
 * it booted with — so the serial log shows whose DTB went all the way
 * through, by both routes. The config sets no LOAD_CMD: the U-Boot route
 * fetches over TFTP whatever it says, and the direct route runs no script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { UBOOT_QEMU_ARM64 } from '../../src/qemu/boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { bootPrerequisites, smokeConfig, withTmpDir } from './support.js';

const prereq = bootPrerequisites();
const MODEL = 'hyperlaunch named DEVICE_TREE board';

// No LOAD_CMD: the direct route must not need one.
const CONFIG = smokeConfig(1, { loadCmd: false, extra: ['DEVICE_TREE="board.dtb"'] });

/** QEMU virt's DTB (prepared for Xen, as the harness's own) with our model: the only difference. */
function boardDtb(): Uint8Array {
  const r = runDtc(new TextEncoder().encode(`${printDts(virtHostTree())}\n/ { model = "${MODEL}"; };\n`), { file: 'board.dts' });
  assert.ok(r.tree, r.error?.message);
  return writeDtb(r.tree);
}

for (const route of ['uboot', 'direct'] as const) {
  test(`qemu -c, ${route} route: the config's DEVICE_TREE is the DTB Xen and dom0 boot with`, async (t) => {
    if (!prereq.guest) return skipNotice(t, prereq.missing!);
    if (route === 'uboot' && !existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
    const g = prereq.guest;
    await withTmpDir(async (dir) => {
      symlinkSync(g.xen, join(dir, 'xen'));
      symlinkSync(g.kernel, join(dir, 'Image'));
      const busybox = readFileSync(g.busybox);
      for (const name of ['dom0', 'domU0']) writeFileSync(join(dir, `${name}.cpio.gz`), buildInitramfs(busybox, name));
      writeFileSync(join(dir, 'board.dtb'), boardDtb());
      writeFileSync(join(dir, 'config'), CONFIG);
      const log = join(dir, '..', `${route}-named-dtb.log`);
      try {
        const r = spawnSync(process.execPath, [cliPath, 'qemu', '-c', join(dir, 'config'), '-d', dir, '--route', route, '--timeout', '120', '--serial-log', log], { cwd: repoRoot, encoding: 'utf8' });
        console.log(r.stdout.split('\n')[0]);
        const serial = existsSync(log) ? readFileSync(log, 'latin1') : '';
        assert.equal(r.status, 0, r.stdout + r.stderr + serial.slice(-3000));
        assert.doesNotMatch(r.stderr, /no DEVICE_TREE/);
        assert.match(r.stdout, /^ {2}dom0 +0 +PASS /m);
        assert.match(r.stdout, /^ {2}domU0 +1 +PASS /m);
        // virt's generated DTB says "linux,dummy-virt": only the named DTB carries this model.
        assert.match(serial, new RegExp(`Machine model: ${MODEL}`));
        assert.doesNotMatch(serial, /Machine model: linux,dummy-virt/);
      } finally {
        rmSync(log, { force: true });
      }
    });
  });
}
