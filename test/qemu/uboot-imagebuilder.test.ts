/**
 * The firmware route end to end: an ImageBuilder config naming Debian's Xen
 * and Linux and our initramfs, built into boot.scr by `hyperlaunch build`,
 * fetched over TFTP and run by real U-Boot (Debian's u-boot-qemu).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDtb } from '../../src/fdt/flattree-write.js';
import { UBOOT_QEMU_ARM64, bootUboot } from '../../src/qemu/boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { bootPrerequisites, withTmpDir } from './support.js';

const prereq = bootPrerequisites();

// XEN_CMD keeps ImageBuilder's dtuart=serial0: it works only with the alias virt-dtb.ts adds.
const CONFIG = `MEMORY_START="0x40000000"
MEMORY_END="0xC0000000"
LOAD_CMD="tftpb"
DEVICE_TREE="virt.dtb"
XEN="xen"
XEN_CMD="console=dtuart dtuart=serial0 dom0_mem=512M dom0_max_vcpus=1 bootscrub=0"
DOM0_KERNEL="Image"
DOM0_RAMDISK="dom0.cpio.gz"
DOM0_CMD="console=hvc0 earlycon=xen rdinit=/init"
NUM_DOMUS=2
DOMU_KERNEL[0]="Image"
DOMU_RAMDISK[0]="domU0.cpio.gz"
DOMU_CMD[0]="console=ttyAMA0 rdinit=/init"
DOMU_MEM[0]=128
DOMU_KERNEL[1]="Image"
DOMU_RAMDISK[1]="domU1.cpio.gz"
DOMU_CMD[1]="console=ttyAMA0 rdinit=/init"
DOMU_MEM[1]=128
UBOOT_SOURCE="boot.source"
UBOOT_SCRIPT="boot.scr"
`;

test('U-Boot route: an ImageBuilder config (dom0 + 2 domUs) built by us, booted by real U-Boot over TFTP', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  if (!existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    symlinkSync(g.xen, join(dir, 'xen'));
    symlinkSync(g.kernel, join(dir, 'Image'));
    writeFileSync(join(dir, 'virt.dtb'), writeDtb(virtHostTree()));
    const busybox = readFileSync(g.busybox);
    for (const name of ['dom0', 'domU0', 'domU1']) writeFileSync(join(dir, `${name}.cpio.gz`), buildInitramfs(busybox, name));
    writeFileSync(join(dir, 'config'), CONFIG);
    const built = spawnSync(process.execPath, [cliPath, 'build', '-c', join(dir, 'config'), '-d', dir], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    // U-Boot's `fdt mknod` puts each new node first, so the domids are not known in advance.
    const expected = [
      { name: 'dom0', domid: 0, isDom0: true, consoleOnSerial: true },
      { name: 'domU0', isDom0: false, consoleOnSerial: true },
      { name: 'domU1', isDom0: false, consoleOnSerial: true },
    ];
    const report = await bootUboot({ tftpDir: dir, expected }, { timeoutSeconds: 120, serialLog: join(dir, 'serial.log') });
    console.log(`U-Boot, ImageBuilder config, dom0 + 2 domUs: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.match(log, /U-Boot 20\d\d/);
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['dom0', true], ['domU0', true], ['domU1', true]]);
    // Seen in the log itself: domU1, created last by the script, is Xen's first domU.
    assert.match(log, /\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/);
    assert.match(log, /\(XEN\) DOM2: HYPERLAUNCH-MARKER domU0 up/);
    assert.equal(report.passed, true);
  });
});
