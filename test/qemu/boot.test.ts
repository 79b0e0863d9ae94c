/**
 * Real boots of Debian's Xen 4.17 under QEMU (each takes seconds on 2 cores,
 * so there are few). Skipped with a notice when QEMU or the packages are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UBOOT_QEMU_ARM64, bootDirect, bootUboot } from '../../src/qemu/boot.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { skipNotice, repoRoot, toolMissing } from '../support/paths.js';
import { bootPrerequisites, modelFromDts, withTmpDir } from './support.js';

const prereq = bootPrerequisites();
const fixture = (name: string): string => join(repoRoot, 'test', 'qemu', 'fixtures', name);

test('direct route: dom0 + 2 domUs, every marker on its own console', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    const spec = planDirectBoot(modelFromDts(fixture('dom0-2domus.dts')), virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    assert.deepEqual(spec.expected.map((d) => [d.name, d.domid]), [['dom0', 0], ['domU1', 1], ['domU2', 2]]);
    // Modules from 0x50000000, 2 MiB aligned, kernel then ramdisk per domain.
    assert.equal(spec.loads[0]!.address, 0x5000_0000n);
    for (const l of spec.loads) assert.equal(l.address % 0x20_0000n, 0n);
    const report = await bootDirect(spec, { timeoutSeconds: 90, serialLog: join(dir, 'serial.log') });
    console.log(`direct dom0 + 2 domUs: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.equal(report.xenVersion?.startsWith('4.17.'), true);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['dom0', true], ['domU1', true], ['domU2', true]]);
    // The log itself, read independently of the parser.
    assert.match(log, /\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/);
    assert.match(log, /\(XEN\) DOM2: HYPERLAUNCH-MARKER domU2 up/);
    assert.match(log, /^HYPERLAUNCH-MARKER dom0 up/m);
    assert.equal(report.passed, true);
  });
});

test('direct route: a domU larger than the board makes Xen panic, and the report says so', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    const model = modelFromDts(fixture('dom0-2domus.dts'));
    // True dom0less, one domU of 4 GiB on a 2 GiB board (the reference's negative check).
    const domU = { ...model.domains.find((d) => d.name === 'domU1')!, memoryKiB: 4n * 1024n * 1024n };
    const spec = planDirectBoot({ ...model, domains: [domU] }, virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    const report = await bootDirect(spec, { timeoutSeconds: 60 });
    console.log(`direct 4 GiB domU (expected panic): ${report.seconds.toFixed(1)} s, ${report.end}`);
    assert.equal(report.passed, false);
    assert.match(report.problems[0] ?? '', /^Xen panic \(line \d+\): Failed to allocate requested domain memory/);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['domU1', false]]);
    assert.ok(report.serialLogFile && existsSync(report.serialLogFile), 'the failed boot saved its log');
    assert.match(readFileSync(report.serialLogFile, 'latin1'), /Panic on CPU/);
    rmSync(report.serialLogFile);
  });
});

test('U-Boot route: real U-Boot TFTPs a boot.scr that loads a true dom0less domU', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  if (!existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
  const mkimage = toolMissing('mkimage', ['-V']);
  if (mkimage) return skipNotice(t, 'mkimage is not installed (apt-get install u-boot-tools)');
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    const model = modelFromDts(fixture('dom0-2domus.dts'));
    const domU = model.domains.find((d) => d.name === 'domU2')!;
    const spec = planDirectBoot({ ...model, domains: [domU] }, virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    // A minimal script of our own: the final DTB already has /chosen, so it only loads and boots.
    const tftp = join(dir, 'tftp');
    execFileSync('mkdir', [tftp]);
    const lines: string[] = [];
    spec.loads.forEach((l, i) => {
      symlinkSync(l.file, join(tftp, `m${i}`));
      lines.push(`tftpb 0x${l.address.toString(16)} m${i}`);
    });
    symlinkSync(spec.xen, join(tftp, 'xen'));
    symlinkSync(spec.dtb, join(tftp, 'xen.dtb'));
    lines.push('tftpb 0x44200000 xen', 'tftpb 0x44400000 xen.dtb', 'setenv fdt_high 0xffffffffffffffff', 'booti 0x44200000 - 0x44400000');
    writeFileSync(join(dir, 'boot.source'), `${lines.join('\n')}\n`);
    execFileSync('mkimage', ['-A', 'arm64', '-T', 'script', '-C', 'none', '-d', join(dir, 'boot.source'), join(tftp, 'boot.scr')], { stdio: 'pipe' });
    const report = await bootUboot({ tftpDir: tftp, expected: spec.expected }, { timeoutSeconds: 90, serialLog: join(dir, 'serial.log') });
    console.log(`U-Boot true dom0less, 1 domU: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.match(log, /U-Boot 20\d\d/);
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.deepEqual(report.domains.map((d) => [d.name, d.domid, d.passed]), [['domU2', 1, true]]);
    assert.match(log, /\(XEN\) DOM1: HYPERLAUNCH-MARKER domU2 up/);
  });
});
