/** apt's answers are faked here: the error paths must be right without a network or root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuError } from '../../src/qemu/errors.js';
import { type CommandResult, type CommandRunner, fetchGuestBinaries, guestCacheDir, pickNewestKernel } from '../../src/qemu/guest-packages.js';

const ok = (stdout = ''): CommandResult => ({ status: 0, stdout, stderr: '' });
const POLICY_OK = 'xen-hypervisor-4.17-arm64:arm64:\n  Installed: (none)\n  Candidate: 4.17.7+13-g2445b30a44-0+deb12u1\n';
const POLICY_NONE = 'xen-hypervisor-4.17-arm64:arm64:\n  Installed: (none)\n  Candidate: (none)\n';
const SEARCH = 'linux-image-6.1.0-9-cloud-arm64-unsigned - Linux 6.1 for arm64 cloud\nlinux-image-6.1.0-56-cloud-arm64-unsigned - Linux 6.1 for arm64 cloud\n';

function fakeApt(answers: (cmd: string, args: string[]) => CommandResult | undefined): { run: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  const run: CommandRunner = (cmd, args) => {
    calls.push([cmd, ...args].join(' '));
    return answers(cmd, args) ?? ok();
  };
  return { run, calls };
}

function withCache<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hl-guest-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function thrown(fn: () => unknown): QemuError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof QemuError, String(e));
    return e;
  }
  assert.fail('expected a QemuError');
}

test('the newest kernel ABI wins by number, not by text', () => {
  assert.equal(
    pickNewestKernel(['linux-image-6.1.0-9-cloud-arm64-unsigned', 'linux-image-6.1.0-56-cloud-arm64-unsigned', 'linux-image-6.1.0-50-cloud-arm64-unsigned']),
    'linux-image-6.1.0-56-cloud-arm64-unsigned',
  );
  assert.equal(pickNewestKernel([]), undefined);
});

test('cache dir: $HYPERLAUNCH_CACHE/guest, else ~/.cache/hyperlaunch/guest', () => {
  assert.equal(guestCacheDir({ HYPERLAUNCH_CACHE: '/x/y' }), '/x/y/guest');
  assert.match(guestCacheDir({}), /\/\.cache\/hyperlaunch\/guest$/);
});

test('archive unreachable: a typed error with a hint, not a crash', () => {
  withCache((dir) => {
    const { run } = fakeApt((cmd, args) => {
      if (cmd === 'apt-cache' && args[0] === 'policy') return ok(POLICY_OK);
      if (cmd === 'apt-cache' && args[0] === 'search') return ok(SEARCH);
      if (cmd === 'apt-get' && args[0] === 'download') {
        return { status: 100, stdout: '', stderr: "E: Failed to fetch http://deb.debian.org/debian/pool/main/x/xen/xen.deb  Could not resolve 'deb.debian.org'\n" };
      }
      return undefined;
    });
    const e = thrown(() => fetchGuestBinaries({ cacheDir: dir, run, isRoot: true }));
    assert.equal(e.code, 'APT_UNREACHABLE');
    assert.match(e.message, /unreachable/);
    assert.match(e.hint ?? '', /network/);
  });
});

test('apt-get update failing on the network is the same error', () => {
  withCache((dir) => {
    const { run, calls } = fakeApt((cmd, args) => {
      if (cmd === 'apt-cache' && args[0] === 'policy') return ok(POLICY_NONE);
      if (cmd === 'dpkg' && args[0] === '--print-foreign-architectures') return ok('');
      if (cmd === 'apt-get' && args[0] === 'update') return { status: 0, stdout: '', stderr: 'W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving \'deb.debian.org\'\n' };
      return undefined;
    });
    const e = thrown(() => fetchGuestBinaries({ cacheDir: dir, run, isRoot: true }));
    assert.equal(e.code, 'APT_UNREACHABLE');
    assert.ok(calls.includes('dpkg --add-architecture arm64'), 'arm64 added only because it was missing');
  });
});

test('no arm64 lists and not root: says what to run as root, runs nothing', () => {
  withCache((dir) => {
    const { run, calls } = fakeApt((cmd, args) => (cmd === 'apt-cache' && args[0] === 'policy' ? ok(POLICY_NONE) : undefined));
    const e = thrown(() => fetchGuestBinaries({ cacheDir: dir, run, isRoot: false }));
    assert.equal(e.code, 'ARM64_LISTS_MISSING');
    assert.equal(e.hint, 'run once as root: dpkg --add-architecture arm64 && apt-get update');
    assert.ok(!calls.some((c) => c.startsWith('apt-get') || c.startsWith('dpkg --add')));
  });
});

test('arm64 lists already there: no dpkg --add-architecture, no apt-get update', () => {
  withCache((dir) => {
    const { run, calls } = fakeApt((cmd, args) => {
      if (cmd === 'apt-cache' && args[0] === 'policy') return ok(POLICY_OK);
      if (cmd === 'apt-cache' && args[0] === 'search') return ok(SEARCH);
      if (cmd === 'apt-get') return { status: 100, stdout: '', stderr: 'E: Connection refused\n' };
      return undefined;
    });
    thrown(() => fetchGuestBinaries({ cacheDir: dir, run, isRoot: true }));
    assert.ok(calls.includes('apt-get download xen-hypervisor-4.17-arm64:arm64 linux-image-6.1.0-56-cloud-arm64-unsigned:arm64 busybox-static:arm64'));
    assert.ok(!calls.some((c) => c === 'apt-get update' || c.startsWith('dpkg --add')));
  });
});

test('no apt at all (not Debian): APT_MISSING', () => {
  withCache((dir) => {
    const { run } = fakeApt(() => ({ status: null, stdout: '', stderr: '', error: 'spawnSync apt-cache ENOENT' }));
    assert.equal(thrown(() => fetchGuestBinaries({ cacheDir: dir, run })).code, 'APT_MISSING');
  });
});

test('a stale lock (a crashed download) is taken over, and the lock is released after a failure', () => {
  withCache((dir) => {
    mkdirSync(join(dir, '.lock'));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, '.lock'), hourAgo, hourAgo);
    const { run } = fakeApt((cmd, args) => (cmd === 'apt-cache' && args[0] === 'policy' ? ok(POLICY_NONE) : undefined));
    assert.equal(thrown(() => fetchGuestBinaries({ cacheDir: dir, run, isRoot: false })).code, 'ARM64_LISTS_MISSING');
    assert.equal(existsSync(join(dir, '.lock')), false);
  });
});
