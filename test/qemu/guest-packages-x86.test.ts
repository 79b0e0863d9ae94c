/** apt's answers are faked: which packages the x86 set asks for, and its errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuError } from '../../src/qemu/errors.js';
import type { CommandResult, CommandRunner } from '../../src/qemu/guest-packages.js';
import { KERNEL_X86_PACKAGE_PATTERN, XEN_TOOLS_PACKAGES, fetchX86GuestBinaries } from '../../src/qemu/guest-packages-x86.js';

const ok = (stdout = ''): CommandResult => ({ status: 0, stdout, stderr: '' });
const SEARCH = [
  'linux-image-6.1.0-9-amd64 - Linux 6.1 for 64-bit PCs (signed)',
  'linux-image-6.1.0-57-amd64 - Linux 6.1 for 64-bit PCs (signed)',
  'linux-image-6.1.0-57-cloud-amd64 - Linux 6.1 for x86-64 cloud (signed)',
  'linux-image-6.1.0-57-amd64-unsigned - Linux 6.1 for 64-bit PCs',
  'linux-image-6.1.0-57-rt-amd64 - Linux 6.1 for 64-bit PCs, PREEMPT_RT (signed)',
].join('\n');

test('the generic kernel, never cloud, rt or unsigned', () => {
  const re = new RegExp(KERNEL_X86_PACKAGE_PATTERN);
  assert.deepEqual(SEARCH.split('\n').map((l) => l.split(' ')[0]!).filter((n) => re.test(n)), ['linux-image-6.1.0-9-amd64', 'linux-image-6.1.0-57-amd64']);
});

test('downloads Xen, the newest generic kernel, busybox and the xen-utils set with libgcc-s1; a download failure is a typed error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-guest-x86-'));
  try {
    let asked: string[] = [];
    const run: CommandRunner = (cmd, args) => {
      if (cmd === 'apt-cache' && args[0] === 'policy') return ok('xen-hypervisor-4.17-amd64:\n  Candidate: 4.17.7\n');
      if (cmd === 'apt-cache' && args[0] === 'search') return ok(SEARCH);
      if (cmd === 'apt-get' && args[0] === 'download') {
        asked = args.slice(1);
        return { status: 100, stdout: '', stderr: 'E: Failed to fetch http://deb.debian.org/x.deb  Temporary failure resolving\n' };
      }
      return ok();
    };
    assert.throws(() => fetchX86GuestBinaries({ cacheDir: dir, run, isRoot: false }), (e: unknown) => e instanceof QemuError && e.code === 'APT_UNREACHABLE');
    assert.deepEqual(asked.slice(0, 3), ['xen-hypervisor-4.17-amd64:amd64', 'linux-image-6.1.0-57-amd64:amd64', 'busybox-static:amd64']);
    for (const p of XEN_TOOLS_PACKAGES) assert.ok(asked.includes(`${p}:amd64`), p);
    assert.ok(asked.includes('libgcc-s1:amd64'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no amd64 candidate and not root: asks for apt-get update', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-guest-x86-'));
  try {
    const run: CommandRunner = (cmd, args) => {
      if (cmd === 'apt-cache' && args[0] === 'policy') return ok('xen-hypervisor-4.17-amd64:\n  Candidate: (none)\n');
      if (cmd === 'dpkg' && args[0] === '--print-architecture') return ok('amd64\n');
      return ok();
    };
    assert.throws(() => fetchX86GuestBinaries({ cacheDir: dir, run, isRoot: false }), (e: unknown) => e instanceof QemuError && e.code === 'PACKAGE_NOT_FOUND' && /apt-get update/.test(e.hint ?? '') && !/add-architecture/.test(e.hint ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
