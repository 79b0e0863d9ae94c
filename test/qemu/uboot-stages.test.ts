/**
 * Verdicts by stage on real boots of `hyperlaunch qemu -c` with the user's
 * own images (marker: false): ImageBuilder configs built in a temp dir from
 * the cached Debian packages, booted through real U-Boot. A first console
 * line is not a boot: a domain passes only after its success line ("Run
 * /init as init process", or --expect's) and the grace period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UBOOT_QEMU_ARM64 } from '../../src/qemu/boot.js';
import type { DomainResult } from '../../src/qemu/boot-verdict.js';
import { writeCpioNewc } from '../../src/qemu/cpio-newc.js';
import { initramfsEntries } from '../../src/qemu/initramfs.js';
import { logLines } from '../../src/qemu/serial-log.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { dom0Console } from './domids-seen.js';
import { bootPrerequisites, smokeConfig, withTmpDir } from './support.js';

const prereq = bootPrerequisites();

/** A user's initramfs: our busybox layout, their own /init (not our marker script). */
function userRamdisk(busybox: Uint8Array, init: string): Uint8Array {
  const entries = initramfsEntries(busybox, 'unused').map((e) => (e.path === 'init' && e.type === 'file' ? { ...e, data: new TextEncoder().encode(init) } : e));
  return gzipSync(writeCpioNewc(entries));
}

const HELLO = (who: string): string => `#!/bin/sh\necho "hello from ${who}"\nwhile :; do /bin/busybox sleep 3600; done\n`;

/** A newc magic, then noise: the build takes it for a cpio archive, the kernel cannot unpack it. */
function brokenRamdisk(): Uint8Array {
  const noise = new Uint8Array(200_000);
  let x = 12345;
  for (let i = 0; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return new Uint8Array([...new TextEncoder().encode('070701'), ...noise]);
}

function stage(dir: string, ramdisks: Record<string, Uint8Array>, extra: string[] = []): void {
  const g = prereq.guest!;
  symlinkSync(g.xen, join(dir, 'xen'));
  symlinkSync(g.kernel, join(dir, 'Image'));
  for (const [name, data] of Object.entries(ramdisks)) writeFileSync(join(dir, `${name}.cpio.gz`), data);
  writeFileSync(join(dir, 'config'), smokeConfig(Object.keys(ramdisks).length - 1, { extra }));
}

function qemu(dir: string, ...extra: string[]) {
  const log = join(dir, 'serial.log');
  const r = spawnSync(process.execPath, [cliPath, 'qemu', '-c', join(dir, 'config'), '-d', dir, '--timeout', '300', '--serial-log', log, ...extra], { cwd: repoRoot, encoding: 'utf8' });
  const serial = existsSync(log) ? logLines(readFileSync(log, 'latin1')) : [];
  return { ...r, serial };
}

/**
 * The report quotes the line it names: the saved log's line; for dom0 a line
 * Xen's output had cut (joined by the reader), which ends with it; for a domU
 * the line from its "(XEN) DOM<n>: " prefix on, when another console's
 * fragment came first. A quote cut at its length ends in "…".
 */
function quotes(serial: string[], proof: { line: number; text: string }): boolean {
  const physical = (serial[proof.line - 1] ?? '').trim();
  if (physical === '') return false;
  if (proof.text.endsWith('…')) return physical.includes(proof.text.slice(0, -1));
  return proof.text.endsWith(physical) || physical.endsWith(proof.text);
}

function skip(t: Parameters<typeof skipNotice>[0]): boolean {
  if (!prereq.guest) return (skipNotice(t, prereq.missing!), true);
  if (!existsSync(UBOOT_QEMU_ARM64)) return (skipNotice(t, `${UBOOT_QEMU_ARM64} is missing (apt-get install u-boot-qemu)`), true);
  return false;
}

test('qemu -c, user images: a domU whose /init exits and a domU with a broken ramdisk FAIL at the stage they reached; dom0 PASSes after "Run /init"; exit 1', async (t) => {
  if (skip(t)) return;
  await withTmpDir(async (dir) => {
    const busybox = readFileSync(prereq.guest!.busybox);
    stage(dir, { dom0: userRamdisk(busybox, HELLO('dom0')), domU0: userRamdisk(busybox, '#!/bin/sh\nexit 1\n'), domU1: brokenRamdisk() });
    // The dead domUs' kernels spin on their panic and starve dom0: on a loaded host its /init's first echo came
    // more than 5 s after "Run /init". The longer grace lets the log show that echo for the check below.
    const r = qemu(dir, '--grace', '15');
    console.log(r.stdout.split('\n')[0]);
    // The report and stderr say which domain failed and on which line; the serial log is too long to print.
    const tail = r.stdout + r.stderr;
    assert.equal(r.status, 1, tail);
    const row = (name: string): string => new RegExp(`^ {2}${name} .*$`, 'm').exec(r.stdout)?.[0] ?? '';
    // domU0 (d2 after U-Boot's fdt mknod) ran /init, which exited: Linux panics "Attempted to kill init".
    const domU0 = /^ {2}domU0 +2 +FAIL +userspace → died: line (\d+): (\(XEN\) DOM2: .*Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100)$/.exec(row('domU0'));
    assert.ok(domU0, tail);
    assert.ok(quotes(r.serial, { line: Number(domU0[1]), text: domU0[2]! }), domU0[0]);
    // domU1 (d1) never got past its kernel: no root, no init.
    const domU1 = /^ {2}domU1 +1 +FAIL +kernel → died: line (\d+): (\(XEN\) DOM1: .*Kernel panic - not syncing: VFS: Unable to mount root fs.*)$/.exec(row('domU1'));
    assert.ok(domU1, tail);
    assert.ok(quotes(r.serial, { line: Number(domU1[1]), text: domU1[2]! }), domU1[0]);
    const dom0 = /^ {2}dom0 +0 +PASS +alive: line (\d+): (.*Run \/init as init process)$/.exec(row('dom0'));
    assert.ok(dom0, tail);
    assert.ok(quotes(r.serial, { line: Number(dom0[1]), text: dom0[2]! }), dom0[0]);
    // The log itself, read independently of the parser: dom0's own /init ran, and a domU's death left Xen running.
    assert.match(dom0Console(r.serial.join('\n')), /^hello from dom0/m, tail);
    assert.ok(!r.serial.some((l) => /\(XEN\) Hardware Dom/.test(l)), tail);
    assert.match(r.stdout, /\(settled\), grace 15 s$/m);
  });
});

test('qemu -c, user images: dom0 whose /init exits takes the machine down; no domU is alive after Xen stopped it; exit 1', async (t) => {
  if (skip(t)) return;
  await withTmpDir(async (dir) => {
    const busybox = readFileSync(prereq.guest!.busybox);
    // panic=1: Linux restarts 1 s after its panic, which on Xen is a reboot request to Xen.
    const dom0Cmd = 'DOM0_CMD="console=hvc0 earlycon=xen rdinit=/init panic=1"';
    stage(dir, { dom0: userRamdisk(busybox, '#!/bin/sh\nexit 1\n'), domU0: userRamdisk(busybox, HELLO('domU0')), domU1: userRamdisk(busybox, HELLO('domU1')) }, [dom0Cmd]);
    const r = qemu(dir, '--json');
    const tail = r.stdout + r.stderr;
    assert.equal(r.status, 1, tail);
    const report = JSON.parse(r.stdout) as { end: string; graceSeconds: number; domains: DomainResult[] };
    console.log(`dom0 exits: ${report.end}; ${report.domains.map((d) => `${d.name} ${d.stage}${d.passed ? ' PASS' : ''}`).join(', ')}`);
    // Read without the parser: dom0's kernel died, and Xen took the machine down for it (common/shutdown.c).
    const stop = r.serial.findIndex((l) => /\(XEN\) Hardware Dom0 (?:crashed|shutdown)/.test(l)) + 1;
    assert.ok(stop > 0, tail);
    assert.match(dom0Console(r.serial.join('\n')), /^\[ *[\d.]+\] Kernel panic - not syncing: Attempted to kill init!/m, tail);
    const dom0 = report.domains.find((d) => d.name === 'dom0')!;
    assert.equal(dom0.failure?.kind, 'died', tail);
    assert.match(dom0.failure!.at!.text, /Kernel panic - not syncing: Attempted to kill init!/);
    // The run ends there: waiting longer cannot change any verdict.
    assert.equal(report.end, 'settled');
    for (const name of ['domU0', 'domU1']) {
      const d = report.domains.find((x) => x.name === name)!;
      if (d.passed) {
        // Alive only if its grace ran out while Xen still ran it: its success line is well before the stop.
        assert.ok(d.proof!.line < stop, `${name}: ${JSON.stringify(d)}`);
        continue;
      }
      // Otherwise it stalled because the machine stopped, and the report quotes Xen's line.
      assert.equal(d.failure?.kind, 'stalled', `${name}: ${JSON.stringify(d)}`);
      assert.match(d.failure!.reason, /Xen stopped the machine/);
      assert.equal(d.failure!.at?.line, stop, `${name}: ${JSON.stringify(d)}`);
    }
  });
});

test('qemu -c, user images, --expect: every domain PASSes on its success line plus the grace, none on its first line; --json has the stages', async (t) => {
  if (skip(t)) return;
  await withTmpDir(async (dir) => {
    const busybox = readFileSync(prereq.guest!.busybox);
    stage(dir, { dom0: userRamdisk(busybox, HELLO('dom0')), domU0: userRamdisk(busybox, HELLO('domU0')), domU1: userRamdisk(busybox, HELLO('domU1')) });
    const r = qemu(dir, '--json', '--expect', 'domU1=^hello from domU1$');
    // The report and stderr say which domain failed and on which line; the serial log is too long to print.
    const tail = r.stdout + r.stderr;
    assert.equal(r.status, 0, tail);
    const report = JSON.parse(r.stdout) as { passed: boolean; end: string; graceSeconds: number; domains: DomainResult[] };
    console.log(`user images, --expect: ${report.end}`);
    assert.equal(report.passed, true);
    assert.equal(report.end, 'settled');
    const by = new Map(report.domains.map((d) => [d.name, d]));
    for (const name of ['dom0', 'domU0', 'domU1']) {
      const d = by.get(name)!;
      assert.equal(d.stage, 'alive', name);
      assert.ok(quotes(r.serial, d.proof!), `${name}: ${JSON.stringify(d.proof)}`);
    }
    assert.match(by.get('dom0')!.proof!.text, /^\[ *[\d.]+\] Run \/init as init process$/);
    assert.match(by.get('domU0')!.proof!.text, /^\(XEN\) DOM2: \[ *[\d.]+\] Run \/init as init process$/);
    assert.equal(by.get('domU1')!.proof!.text, '(XEN) DOM1: hello from domU1');
    // Not the first console line: each kernel printed many lines before its proof.
    // dom0's first kernel line is its first unprefixed "[    0.0…]" line (Xen may cut
    // "Booting Linux" itself in two with a (XEN) DOM<n> line, so that text is no anchor).
    const firstDom0 = r.serial.findIndex((l) => /^\[ *0\.0\d*\] /.test(l)) + 1;
    assert.ok(firstDom0 > 0 && by.get('dom0')!.proof!.line > firstDom0 + 100, `dom0 proof at ${by.get('dom0')!.proof!.line}, first line ${firstDom0}`);
    // Each proof line carries when it arrived; the report draws that real result: stage, time and domid per domain.
    const whole = (JSON.parse(r.stdout) as { seconds: number }).seconds;
    for (const d of report.domains) assert.ok(d.proof!.seconds! > 0 && d.proof!.seconds! <= whole, `${d.name}: proof at ${d.proof!.seconds} s of ${whole} s`);
    writeFileSync(join(dir, 'boot.json'), r.stdout);
    const page = spawnSync(process.execPath, [cliPath, 'report', '-c', join(dir, 'config'), '-d', dir, '--boot', join(dir, 'boot.json'), '-o', '-'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(page.status, 0, page.stderr);
    for (const d of report.domains) {
      const row = new RegExp(`<tr [^>]*data-domain="${d.name}" data-domid="(\\d+)"[\\s\\S]*?</tr>`).exec(page.stdout);
      assert.ok(row, `${d.name}: no row`);
      assert.equal(Number(row[1]), d.domid, `${d.name}: predicted domid vs the boot's`);
      assert.match(row[0], /<td class="boot-stage" data-stage="alive"/);
      assert.ok(row[0].includes(`<td class="boot-time">alive at ${d.proof!.seconds!.toFixed(1)} s</td>`), row[0]);
    }
  });
});
