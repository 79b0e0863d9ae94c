/**
 * The dom0 kernel probe: on Debian's real generic amd64 kernel (the x86
 * guest cache, when the QEMU tests have filled it) the Xen notes read from
 * the xz'd bzImage payload must agree with the `config-<release>` Debian
 * ships beside it — two independent sources; on synthetic images, each
 * note variant gives the answer Xen's builders would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { probeX86Kernel, supportsDom0, supportsPvhEntry } from '../../src/check/x86-kernel-probe.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { NO_X86_CACHE, cachedX86Images } from '../support/qemu-x86.js';
import { SYNTHETIC_KERNELS, writeSyntheticKernel } from './x86-kernel-images.js';

const dir = mkdtempSync(join(tmpdir(), 'x86-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('Debian\'s generic amd64 kernel: dom0 and PVH support, from the notes and from its config alike', (t) => {
  const kernel = cachedX86Images()?.kernel;
  if (!kernel) return skipNotice(t, 'Debian amd64 kernel', NO_X86_CACHE);
  const xz = toolMissing('xz');
  if (xz) return skipNotice(t, xz);
  const p = probeX86Kernel(kernel);
  assert.equal(p.format, 'bzImage');
  assert.match(p.version ?? '', /^\d+\.\d+\.\d+-\d+-amd64 /);
  assert.ok(p.notes, `notes read: ${p.unreadable}`);
  assert.ok(p.config, 'config-<release> beside it');
  assert.equal(p.notes!.dom0, p.config!.xenDom0, 'XENFEAT_dom0 in the note iff CONFIG_XEN_DOM0=y');
  assert.equal(p.notes!.pvhEntry, p.config!.xenPvh, 'PHYS32_ENTRY iff CONFIG_XEN_PVH=y');
  assert.equal(supportsDom0(p), true);
  assert.equal(supportsPvhEntry(p), true);
});

test('synthetic images: a cloud-like kernel cannot be dom0, one without PHYS32_ENTRY cannot be PVH, garbage is unreadable', () => {
  const generic = probeX86Kernel(writeSyntheticKernel(dir, 'generic'));
  assert.equal(generic.format, 'bzImage');
  assert.deepEqual([supportsDom0(generic), supportsPvhEntry(generic)], [true, true]);
  const cloud = probeX86Kernel(writeSyntheticKernel(dir, 'cloud'));
  assert.match(cloud.version!, /cloud-amd64/);
  assert.deepEqual([supportsDom0(cloud), supportsPvhEntry(cloud)], [false, true]);
  const noPvh = probeX86Kernel(writeSyntheticKernel(dir, 'no-pvh'));
  assert.equal(noPvh.format, 'elf');
  assert.deepEqual([supportsDom0(noPvh), supportsPvhEntry(noPvh)], [true, false]);
  const garbage = probeX86Kernel(writeSyntheticKernel(dir, 'garbage'));
  assert.match(garbage.unreadable!, /neither a bzImage nor an ELF/);
  assert.equal(supportsDom0(garbage), undefined);
  assert.ok(Object.keys(SYNTHETIC_KERNELS).length >= 4);
});

test('a kernel whose notes cannot be read is judged by the Debian config beside it', () => {
  const sub = join(dir, 'boot');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'vmlinuz-6.1.0-28-cloud-amd64'), 'not readable');
  writeFileSync(join(sub, 'config-6.1.0-28-cloud-amd64'), '# CONFIG_XEN_DOM0 is not set\nCONFIG_XEN_PVH=y\n');
  const p = probeX86Kernel(join(sub, 'vmlinuz-6.1.0-28-cloud-amd64'));
  assert.equal(p.unreadable, undefined, 'the config answers, so it is not "unreadable"');
  assert.deepEqual([supportsDom0(p), supportsPvhEntry(p)], [false, true]);
});

test('a cut-short or lying ELF is unreadable, never a crash', () => {
  const elf = SYNTHETIC_KERNELS['no-pvh']!();
  for (const cut of [5, 0x21, 0x3a, 70, 130, elf.length - 3]) {
    const file = join(dir, `cut-${cut}.elf`);
    writeFileSync(file, elf.subarray(0, cut));
    const p = probeX86Kernel(file);
    assert.ok(p.unreadable !== undefined || p.notes !== undefined, `cut at ${cut}`);
  }
  const lying = Buffer.from(elf);
  lying.writeUInt16LE(0xffff, 0x38); // e_phnum far beyond the file
  writeFileSync(join(dir, 'lying.elf'), lying);
  assert.doesNotThrow(() => probeX86Kernel(join(dir, 'lying.elf')));
});

test('the PV layout: a synthetic kernel with Debian 6.1\'s span notes reads back as written', () => {
  const l = probeX86Kernel(writeSyntheticKernel(dir, 'generic-span')).notes!.layout;
  assert.deepEqual(l, { elf64: true, pstart: 0x1000000n, pend: 0x4a00000n, virtBase: 0xffffffff80000000n, paddrOffset: 0n, p2mBase: 0x8000000000n, unmappedInitrd: true, bsdSymtab: false });
  const plain = probeX86Kernel(writeSyntheticKernel(dir, 'generic')).notes!.layout;
  assert.equal(plain.pend, 0n, 'no loadable segment');
  assert.equal(plain.virtBase, undefined);
});

/** The ELF inside a bzImage, the way the boot protocol says (test side: `xz -dc` of the payload). */
function vmlinux(bz: Buffer): Buffer {
  const start = ((bz[0x1f1] || 4) + 1) * 512 + bz.readUInt32LE(0x248);
  return spawnSync('xz', ['-dc'], { input: bz.subarray(start, start + bz.readUInt32LE(0x24c)), maxBuffer: 1 << 30 }).stdout;
}

test('Debian\'s generic amd64 kernel: the PV layout the probe reads is what readelf says', (t) => {
  const kernel = cachedX86Images()?.kernel;
  if (!kernel) return skipNotice(t, 'Debian amd64 kernel', NO_X86_CACHE);
  const missing = toolMissing('xz') ?? toolMissing('readelf');
  if (missing) return skipNotice(t, missing);
  const elf = join(dir, 'vmlinux');
  writeFileSync(elf, vmlinux(readFileSync(kernel)));
  const r = spawnSync('readelf', ['-lnW', elf], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // LOAD offset vaddr paddr filesz memsz flags: Xen's pstart/pend by physical address.
  const loads = [...r.stdout.matchAll(/^\s+LOAD\s+\S+\s+\S+\s+(0x[0-9a-f]+)\s+\S+\s+(0x[0-9a-f]+)/gm)].map((m) => [BigInt(m[1]!), BigInt(m[1]!) + BigInt(m[2]!)] as const);
  assert.ok(loads.length > 0, r.stdout);
  /** A numeric Xen note of `type` (readelf names none of 3, 15, 16): its bytes, little-endian. */
  const note = (type: number): bigint | undefined => {
    const m = new RegExp(`Xen\\s+0x[0-9a-f]+\\s+Unknown note type: \\(0x0*${type.toString(16)}\\)\\s+description data: ([0-9a-f ]+)`).exec(r.stdout);
    return m ? BigInt(`0x${m[1]!.trim().split(' ').reverse().join('')}`) : undefined;
  };
  const l = probeX86Kernel(kernel).notes!.layout;
  assert.equal(l.pstart, loads.reduce((a, [s]) => (s < a ? s : a), loads[0]![0]));
  assert.equal(l.pend, loads.reduce((a, [, e]) => (e > a ? e : a), 0n));
  assert.equal(l.virtBase, note(3));
  assert.equal(l.p2mBase, note(15));
  assert.equal(l.unmappedInitrd, note(16) === 1n);
});
