/** The ELF reader against binutils' readelf (the oracle), on Debian's xen-utils binaries when the x86 set is cached. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { elfDeps, libraryClosure, resolveInTree } from '../../src/qemu/elf-needed.js';
import { QemuError } from '../../src/qemu/errors.js';
import { x86GuestOrWhy } from '../support/qemu-x86.js';
import { skipNotice } from '../support/paths.js';
import { needTool } from '../support/tools.js';

const guest = x86GuestOrWhy().guest;
const TOOLS = ['xl', 'xenstored', 'xenconsoled', 'xen-init-dom0'];

function readelfNeeded(file: string): { needed: string[]; interpreter?: string } {
  const dyn = execFileSync('readelf', ['-d', '-W', file], { encoding: 'utf8' });
  const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const ph = execFileSync('readelf', ['-l', '-W', file], { encoding: 'utf8' });
  const interp = /\[Requesting program interpreter: ([^\]]+)\]/.exec(ph)?.[1];
  return { needed, interpreter: interp };
}

test('DT_NEEDED and PT_INTERP match readelf for xl, xenstored, xenconsoled, xen-init-dom0', (t) => {
  if (!guest) return skipNotice(t, 'ELF reader vs readelf', "Debian's amd64 guest set could not be downloaded");
  if (!needTool(t, 'readelf')) return;
  for (const tool of TOOLS) {
    const file = join(guest.root, 'usr/lib/xen-4.17/bin', tool);
    const ours = elfDeps(readFileSync(file), tool);
    const theirs = readelfNeeded(file);
    assert.deepEqual(ours.needed, theirs.needed, tool);
    assert.equal(ours.interpreter, theirs.interpreter, tool);
  }
});

test('the closure holds every library readelf names, the loader and libgcc_s (dlopened by glibc)', (t) => {
  if (!guest) return skipNotice(t, 'library closure', "Debian's amd64 guest set could not be downloaded");
  if (!needTool(t, 'readelf')) return;
  const libs = libraryClosure(guest.root, TOOLS.map((x) => `usr/lib/xen-4.17/bin/${x}`), ['libgcc_s.so.1']);
  const names = new Set(libs.map((l) => l.path.split('/').pop()));
  for (const l of libs) for (const n of readelfNeeded(l.source).needed) assert.ok(names.has(n), `${n} (needed by ${l.path}) is in the closure`);
  for (const n of ['libxenlight.so.4.17', 'libxenctrl.so.4.17', 'libyajl.so.2', 'libc.so.6', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2']) assert.ok(names.has(n), n);
  // The loader comes from the tree, not the host (lib64's link is absolute).
  assert.ok(libs.every((l) => l.source.startsWith(guest.root)), 'every source lies in the tree');
});

test('a symlink pointing outside is resolved inside the tree; a missing library is a typed error naming who needs it', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-elf-'));
  try {
    mkdirSync(join(root, 'lib64'));
    mkdirSync(join(root, 'lib/x86_64-linux-gnu'), { recursive: true });
    writeFileSync(join(root, 'lib/x86_64-linux-gnu/real.so'), 'x');
    symlinkSync('/lib/x86_64-linux-gnu/real.so', join(root, 'lib64/link.so'));
    assert.equal(resolveInTree(root, '/lib64/link.so'), join(root, 'lib/x86_64-linux-gnu/real.so'));
    assert.equal(resolveInTree(root, 'lib64/none.so'), undefined);
    if (guest) {
      mkdirSync(join(root, 'bin'));
      copyFileSync(join(guest.root, 'usr/lib/xen-4.17/bin/xl'), join(root, 'bin/xl'));
      symlinkSync('/lib/x86_64-linux-gnu/real.so', join(root, 'lib64/ld-linux-x86-64.so.2'));
      assert.throws(() => libraryClosure(root, ['bin/xl']), (e: unknown) => e instanceof QemuError && e.code === 'GUEST_UNPACK' && /needed by bin\/xl/.test(e.message));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('not ELF64: a typed error, not a crash', () => {
  assert.throws(() => elfDeps(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'script'), (e: unknown) => e instanceof QemuError && e.code === 'GUEST_UNPACK');
  const elf32 = new Uint8Array(64);
  elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
  assert.throws(() => elfDeps(elf32, 'elf32'), /not a little-endian ELF64/);
});
