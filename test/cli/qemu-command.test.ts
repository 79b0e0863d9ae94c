import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UBOOT_QEMU_ARM64 } from '../../src/qemu/boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { bootPrerequisites } from '../qemu/support.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'qemu', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hl-qemu-cli-'));
}

test('qemu: usage errors exit 2', () => {
  assert.equal(cli('--help').status, 0);
  assert.match(cli('--help').stdout, /^usage: hyperlaunch qemu /);
  const none = cli();
  assert.equal(none.status, 2);
  assert.match(none.stderr, /expected exactly one configuration file/);
  const badTimeout = cli('--timeout', '-3', 'examples/true-dom0less.dts');
  assert.equal(badTimeout.status, 2);
  assert.match(badTimeout.stderr, /invalid --timeout '-3'/);
  assert.match(cli('-c', 'cfg').stderr, /-c CONFIG needs -d DIR/);
  assert.equal(cli('-c', 'cfg').status, 2);
  assert.match(cli('-c', 'cfg', '-d', '.', 'examples/true-dom0less.dts').stderr, /either -c CONFIG or a devicetree file/);
  assert.match(cli('-c', 'cfg', '-d', '.', '--route', 'pxe').stderr, /unknown --route 'pxe'/);
  for (const [bad, why] of [['dom0', /invalid --expect 'dom0' \(DOMAIN=REGEX\)/], ['dom0=(', /invalid --expect pattern for dom0: /], ['=x', /invalid --expect '=x'/]] as const) {
    const r = cli('--expect', bad, 'examples/true-dom0less.dts');
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, why);
  }
  assert.match(cli('--expect', 'a=x', '--expect', 'a=y', 'examples/true-dom0less.dts').stderr, /--expect given twice for a/);
  const badGrace = cli('--grace', 'soon', 'examples/true-dom0less.dts');
  assert.equal(badGrace.status, 2);
  assert.match(badGrace.stderr, /invalid --grace 'soon'/);
  const overInput = cli('--serial-log', 'examples/true-dom0less.dts', 'examples/true-dom0less.dts');
  assert.equal(overInput.status, 2);
  assert.match(overInput.stderr, /refusing to overwrite input file/);
});

test('qemu: a tree without a boot configuration is an input error, no stack trace', () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'plain.dts'), '/dts-v1/;\n/ { model = "x"; };\n');
    const r = cli(join(dir, 'plain.dts'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error\[NO_BOOT_CONFIG\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const prereq = bootPrerequisites();

test('qemu: the true dom0less example boots, both domUs PASS, the log is kept', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const dir = tmp();
  try {
    const log = join(dir, 'serial.log');
    const r = cli('--serial-log', log, '--timeout', '180', 'examples/true-dom0less.dts');
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}domU1 +1 +PASS +alive: line \d+: \(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/m);
    assert.match(r.stdout, /^ {2}domU2 +2 +PASS +alive: line \d+: \(XEN\) DOM2: HYPERLAUNCH-MARKER domU2 up/m);
    assert.doesNotMatch(r.stdout, /dom0 /);
    assert.match(r.stdout, /all 2 domain\(s\) passed/);
    assert.match(readFileSync(log, 'latin1'), /\(XEN\) DOM2: HYPERLAUNCH-MARKER domU2 up/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu: a domU bigger than the board fails with exit 1, the Xen panic and the saved log', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const dir = tmp();
  try {
    const src = readFileSync(join(repoRoot, 'examples', 'true-dom0less.dts'), 'utf8').replace('memory = <0x0 0x40000>;', 'memory = <0x0 0x400000>;');
    assert.match(src, /0x400000>/);
    writeFileSync(join(dir, 'big.dts'), src);
    // The checks refuse it before booting; --force boots it and Xen agrees.
    const refused = cli('-i', join(repoRoot, 'examples'), join(dir, 'big.dts'));
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /error\[memory-fit\]/);
    assert.match(refused.stderr, /the checks found errors; not booted/);
    assert.equal(refused.stdout, '');
    const r = cli('-i', join(repoRoot, 'examples'), '--force', join(dir, 'big.dts'));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}domU1 +1 +FAIL +(none|created) → Xen panicked: line \d+: \(XEN\) Panic on CPU 0:$/m);
    assert.match(r.stdout, /problem: Xen panic \(line \d+\): Failed to allocate requested domain memory/);
    const saved = /serial log: (\S+)/.exec(r.stdout)?.[1];
    assert.ok(saved && existsSync(saved), r.stdout);
    assert.match(readFileSync(saved, 'latin1'), /Panic on CPU 0/);
    rmSync(saved);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu: the true dom0less system written as Hyperlaunch is converted to dom0less, built into boot.scr and booted by real U-Boot', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  if (!existsSync(UBOOT_QEMU_ARM64)) return skipNotice(t, 'U-Boot boot under QEMU', `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`);
  const dir = tmp();
  try {
    const hl = join(dir, 'true-dom0less-hl.dts');
    const conv = spawnSync(process.execPath, [cliPath, 'convert', 'examples/true-dom0less.dts', '--to', 'hyperlaunch', '-o', hl], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(conv.status, 0, conv.stderr);
    assert.match(readFileSync(hl, 'utf8'), /hypervisor \{/);
    const log = join(dir, 'serial.log');
    // --timeout 180: two domUs through U-Boot take well over the default 60 s on a loaded 2-core host.
    const r = cli('--route', 'uboot', '--timeout', '180', '--serial-log', log, hl);
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /note: Xen 4\.17 reads no Hyperlaunch tree; booting its dom0less equivalent/);
    assert.match(r.stdout, /uboot route/);
    // The tree's names, whatever order U-Boot's fdt mknod gave the domids in.
    assert.match(r.stdout, /^ {2}domU1 +[12] +PASS +alive: line \d+: \(XEN\) DOM[12]: HYPERLAUNCH-MARKER domU1 up/m);
    assert.match(r.stdout, /^ {2}domU2 +[12] +PASS +alive: line \d+: \(XEN\) DOM[12]: HYPERLAUNCH-MARKER domU2 up/m);
    const serial = readFileSync(log, 'latin1');
    assert.match(serial, /U-Boot 20\d\d/);
    assert.match(serial, /\(XEN\) DOM\d: HYPERLAUNCH-MARKER domU1 up/);
    assert.match(serial, /\(XEN\) DOM\d: HYPERLAUNCH-MARKER domU2 up/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu -c: a missing config or directory is an input error (exit 1), no stack trace', () => {
  const dir = tmp();
  try {
    const missing = cli('-c', join(dir, 'nope'), '-d', dir);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /error\[FILE_READ\]: Couldn't open/);
    writeFileSync(join(dir, 'config'), 'XEN="xen"\n');
    const noDir = cli('-c', join(dir, 'config'), '-d', join(dir, 'absent'));
    assert.equal(noDir.status, 1);
    assert.match(noDir.stderr, /error\[FILE_MISSING\]: directory not found/);
    for (const r of [missing, noDir]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu -c: --expect naming no domain of the config is a usage error (exit 2), found before booting', () => {
  const dir = tmp();
  try {
    // Stand-ins: the build checks file types by magic, and nothing boots.
    writeFileSync(join(dir, 'xen'), new Uint8Array(4096).fill(0xa5));
    writeFileSync(join(dir, 'Image'), new Uint8Array(8192).fill(0xc3));
    writeFileSync(join(dir, 'dom0.cpio.gz'), buildInitramfs(new Uint8Array(100), 'dom0'));
    writeFileSync(join(dir, 'config'), 'XEN="xen"\nDOM0_KERNEL="Image"\nDOM0_RAMDISK="dom0.cpio.gz"\nNUM_DOMUS=1\nDOMU_KERNEL[0]="Image"\n');
    const r = cli('-c', join(dir, 'config'), '-d', dir, '--expect', 'domU7=up');
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--expect names no domain of this configuration: domU7 \(its domains: dom0, domU0\)/);
    assert.equal(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('qemu: an x86 Hyperlaunch tree (multiboot modules) goes the x86 way: what Xen 4.17 x86 cannot do is refused before booting', () => {
  const r = cli('-i', 'examples', 'examples/hyperlaunch-disaggregated.dts');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[NOT_EXPRESSIBLE\]: \/chosen\/hypervisor\/hardware:capabilities: Xen 4\.17 x86 gives dom0 control, hardware and xenstore together/);
  assert.match(r.stderr, /error\[LOSSY_CONVERSION\]: 3 item\(s\) cannot be expressed for Xen 4\.17 on x86; not booted \(use --allow-loss to drop them\)/);
  assert.equal(r.stdout, '');
});

test('qemu: x86 options are usage errors on arm64, and bad values too', () => {
  for (const [args, msg] of [
    [['--arch', 'arm64', '--route', 'grub', 'examples/qemu-dom0less.dts'], /--route grub is an x86 route/],
    [['--arch', 'x86_64', '--route', 'uboot', 'examples/x86-dom0-two-guests.dts'], /--route uboot is an Arm route/],
    [['--arch', 'sparc', 'examples/qemu-dom0less.dts'], /unknown --arch 'sparc'/],
    [['--arch', 'x86_64', '--efi-loader', 'lilo', 'examples/x86-dom0-two-guests.dts'], /unknown --efi-loader 'lilo'/],
    [['--arch', 'x86_64', '--iommu', 'maybe', 'examples/x86-dom0-two-guests.dts'], /invalid --iommu 'maybe'/],
    [['-i', 'examples', '--kernel', 'k', 'examples/qemu-dom0less.dts'], /--kernel is for an x86 boot/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stdout, '');
  }
});

test('qemu --arch arm64: the same tree goes the Arm way, refused before booting (by the checks, or as dom0less cannot say it)', () => {
  const r = cli('-i', 'examples', '--arch', 'arm64', 'examples/hyperlaunch-disaggregated.dts');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not booted \(use --force|error\[LOSSY_CONVERSION\]: 3 item\(s\) cannot be expressed in dom0less/);
  assert.doesNotMatch(r.stderr, /cannot be expressed for Xen 4\.17 on x86/);
  assert.equal(r.stdout, '');
});

test('qemu: what the direct route leaves out of a configuration is said before booting', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  // --timeout 1: only the notes matter here, not the boot.
  const r = cli('-i', 'examples', '--timeout', '1', 'examples/passthrough.dts');
  assert.match(r.stderr, /note: left out by the direct route \(booted without it\): domU1: device-tree module module@48200000/);
  assert.match(r.stderr, /note: left out by the direct route \(booted without it\): host device \/pl061@9030000: xen,passthrough/);
  const saved = /serial log: (\S+)/.exec(r.stdout)?.[1];
  if (saved) rmSync(saved, { force: true });
});

test('--ram sets QEMU virt\'s RAM: its dumped DTB has that /memory, so the checks refuse what does not fit before booting', (t) => {
  if (spawnSync('qemu-system-aarch64', ['--version']).status !== 0) return skipNotice(t, 'qemu --ram', 'qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)');
  // qemu-dom0less.dts: dom0_mem=512M and two domUs of 128 MiB do not fit in 512 MiB
  const r = cli('--ram', '0x40000000:512M', 'examples/qemu-dom0less.dts');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[memory-fit\]: domains need 786432 KiB .* but QEMU virt has \d+ KiB free \(RAM 524288 KiB/);
  assert.match(r.stderr, /not booted/);
  assert.equal(r.stdout, '');
  for (const bad of [['--ram', '0:1G'], ['--ram', '0x40000000:1G', '--ram', '0x100000000:1G'], ['--ram', '0x40000000:100M']]) {
    assert.equal(cli(...bad, 'examples/qemu-dom0less.dts').status, 2, bad.join(' '));
  }
});
