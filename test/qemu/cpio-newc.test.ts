import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeCpioNewc } from '../../src/qemu/cpio-newc.js';
import { buildInitramfs, initScript } from '../../src/qemu/initramfs.js';
import { skipNotice, toolMissing } from '../support/paths.js';

const cpioMissing = toolMissing('cpio');
const isRoot = process.getuid?.() === 0;

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hl-cpio-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SAMPLE = writeCpioNewc([
  { type: 'dir', path: 'bin' },
  { type: 'dir', path: 'dev' },
  { type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
  { type: 'file', path: 'bin/tool', data: new TextEncoder().encode('abc'), mode: 0o755 },
  { type: 'file', path: 'empty', data: new Uint8Array(0) },
  { type: 'file', path: 'four', data: new TextEncoder().encode('1234') },
  { type: 'symlink', path: 'bin/sh', target: 'tool' },
]);

test('newc bytes by hand: first header, field by field', () => {
  const head = new TextDecoder().decode(SAMPLE.subarray(0, 110));
  // magic, ino 1, mode 040755, uid 0, gid 0, nlink 2, mtime 0, size 0, dev 0:0, rdev 0:0, namesize 4 ("bin\0"), check 0
  assert.equal(head, '070701' + '00000001' + '000041ed' + '00000000' + '00000000' + '00000002' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '00000000' + '00000004' + '00000000');
  // 110 + 4 = 114 -> 2 bytes of padding to 116, where the next header starts
  assert.deepEqual([...SAMPLE.subarray(110, 116)], [0x62, 0x69, 0x6e, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(SAMPLE.subarray(116, 122)), '070701');
  assert.equal(SAMPLE.length % 4, 0);
  const tail = new TextDecoder().decode(SAMPLE);
  assert.match(tail, /TRAILER!!!\0+$/);
});

test('bad paths are refused', () => {
  assert.throws(() => writeCpioNewc([{ type: 'dir', path: '../etc' }]), RangeError);
  assert.throws(() => writeCpioNewc([{ type: 'dir', path: '' }]), RangeError);
});

test('real cpio lists the newc archive with our modes and device numbers', (t) => {
  if (cpioMissing) return skipNotice(t, cpioMissing);
  withTmp((dir) => {
    writeFileSync(join(dir, 'a.cpio'), SAMPLE);
    const names = execFileSync('cpio', ['-t', '--quiet', '-F', join(dir, 'a.cpio')], { encoding: 'utf8' });
    assert.deepEqual(names.trim().split('\n'), ['bin', 'dev', 'dev/console', 'bin/tool', 'empty', 'four', 'bin/sh']);
    const long = execFileSync('cpio', ['-tv', '--quiet', '-F', join(dir, 'a.cpio')], { encoding: 'utf8' }).trim().split('\n');
    assert.match(long[0]!, /^drwxr-xr-x +2 root +root +0 .* bin$/);
    assert.match(long[2]!, /^crw------- +1 root +root +5, +1 .* dev\/console$/);
    assert.match(long[3]!, /^-rwxr-xr-x +1 root +root +3 .* bin\/tool$/);
    assert.match(long[6]!, /^lrwxrwxrwx +1 root +root +4 .* bin\/sh -> tool$/);
  });
});

test('real cpio extracts our files, symlink and device node', (t) => {
  if (cpioMissing) return skipNotice(t, cpioMissing);
  withTmp((dir) => {
    writeFileSync(join(dir, 'a.cpio'), SAMPLE);
    const out = join(dir, 'x');
    execFileSync('mkdir', [out]);
    execFileSync('cpio', ['-i', '-d', '--quiet', '-F', join(dir, 'a.cpio')], { cwd: out });
    assert.equal(readFileSync(join(out, 'bin/tool'), 'utf8'), 'abc');
    assert.equal(lstatSync(join(out, 'bin/tool')).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(out, 'empty')).length, 0);
    assert.equal(readFileSync(join(out, 'four'), 'utf8'), '1234');
    assert.equal(readlinkSync(join(out, 'bin/sh')), 'tool');
    if (!isRoot) return; // mknod needs root; the listing test covers the numbers
    const st = lstatSync(join(out, 'dev/console'));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, (5 << 8) | 1);
  });
});

test('initramfs: gzip of a newc archive real cpio reads, with the domain init', (t) => {
  if (cpioMissing) return skipNotice(t, cpioMissing);
  const fakeBusybox = new Uint8Array(1001).fill(0x7f);
  const gz = buildInitramfs(fakeBusybox, 'domU1');
  assert.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]);
  assert.deepEqual(buildInitramfs(fakeBusybox, 'domU1'), gz, 'same input, same bytes');
  withTmp((dir) => {
    writeFileSync(join(dir, 'i.cpio'), gunzipSync(gz));
    const out = join(dir, 'x');
    execFileSync('mkdir', [out]);
    execFileSync('cpio', ['-i', '-d', '--quiet', '-F', join(dir, 'i.cpio')], { cwd: out });
    assert.equal(readFileSync(join(out, 'bin/busybox')).length, 1001);
    assert.equal(readlinkSync(join(out, 'bin/sh')), 'busybox');
    const init = readFileSync(join(out, 'init'), 'utf8');
    assert.ok(init.startsWith('#!/bin/sh\n'));
    assert.match(init, /echo "HYPERLAUNCH-MARKER domU1 up /);
    assert.equal(lstatSync(join(out, 'init')).mode & 0o777, 0o755);
  });
});

test('a hostile domain name cannot escape the init script', () => {
  const s = initScript('a"; reboot; "$(x)`y`');
  assert.match(s, /HYPERLAUNCH-MARKER a___reboot_____x__y_ up/);
});
