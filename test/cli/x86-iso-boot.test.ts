/**
 * The ISO `build --arch x86_64 --iso` writes, booted: QEMU's BIOS runs the
 * GRUB grub-mkrescue put on it, GRUB reads our grub.cfg, starts Debian's
 * Xen 4.17 with our command line, and Xen starts dom0's kernel with dom0's.
 * Stops at dom0's first kernel line (about 15 s unloaded): booting dom0 to
 * userspace and late launch are the x86 qemu tests' part. Needs the x86
 * guest cache (Debian's Xen and generic kernel, which the x86 qemu tests
 * fetch) and QEMU with GRUB's ISO tools; skips with a notice otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { needTools } from '../support/tools.js';
import { NO_X86_CACHE, bootIsoUntil, cachedX86Images } from '../support/qemu-x86.js';

const EXAMPLE = join(repoRoot, 'examples', 'x86-dom0-two-guests.dts');

test('build --iso: GRUB boots the ISO under BIOS, Xen gets our command line, dom0\'s kernel gets its own', async (t) => {
  if (!needTools(t, ['qemu-system-x86_64', 'grub-mkrescue', 'xorriso', 'mformat'], ['--version'])) return;
  const images = cachedX86Images();
  if (!images) return skipNotice(t, 'Debian Xen 4.17 amd64 and kernel', NO_X86_CACHE);
  const dir = mkdtempSync(join(tmpdir(), 'x86-iso-boot-'));
  try {
    writeFileSync(join(dir, 'initrd.img'), 'not needed: the test stops before dom0 reads it\n');
    const r = spawnSync(process.execPath, [cliPath, 'build', EXAMPLE, '-d', 'out', '--iso', '--no-late-launch', '--allow-loss',
      '--xen', images.xen, '--module', `dom0/kernel=${images.kernel}`, '--module', 'dom0/ramdisk=initrd.img'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const grub = readFileSync(join(dir, 'out', 'boot', 'grub', 'grub.cfg'), 'utf8');
    const xenLine = /multiboot2 \S+ (.*)$/m.exec(grub)![1]!;
    const dom0Line = /module2 \/boot\/vmlinuz (.*)$/m.exec(grub)![1]!;
    const serial = await bootIsoUntil(join(dir, 'out', 'hyperlaunch.iso'), { cpu: 'qemu64,+svm,+npt' }, /\] Command line: .*\n/);
    assert.match(serial, /\(XEN\) Bootloader: GRUB /, `GRUB loaded Xen:\n${serial.slice(-2000)}`);
    assert.ok(serial.includes(`(XEN) Command line: ${xenLine}`), `Xen's command line is ours (${xenLine}):\n${serial.slice(-2000)}`);
    assert.match(serial, /\(XEN\) Dom0 has maximum 1 VCPUs/);
    assert.ok(serial.includes(`] Command line: ${dom0Line}`), `dom0's kernel line is ours (${dom0Line})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
