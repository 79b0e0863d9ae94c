/** Debian's images for an x86 build that names none, read back with GNU cpio. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { imageNeeds } from '../../src/artifacts/x86/x86-images.js';
import { x86GuestOrWhy } from '../support/qemu-x86.js';
import { debianX86Images } from '../../src/qemu/x86-image-supply.js';
import { repoRoot, skipNotice } from '../support/paths.js';
import { toolMissing } from '../support/tools.js';
import { modelFromDts } from './support.js';

const guest = x86GuestOrWhy().guest;

function cpioNames(gz: string, dir: string): string[] {
  const raw = join(dir, `${Math.random().toString(36).slice(2)}.cpio`);
  writeFileSync(raw, gunzipSync(readFileSync(gz)));
  return execFileSync('cpio', ['-t', '--quiet', '-F', raw], { encoding: 'utf8' }).trim().split('\n');
}

test('every image the plan needs: Xen, the generic kernel, dom0\'s late-launch initramfs, a marker initramfs per guest', (t) => {
  if (!guest) return skipNotice(t, 'x86 build images from the cache', "Debian's amd64 guest set could not be downloaded");
  const cpio = toolMissing('cpio');
  if (cpio) return skipNotice(t, 'x86 build images from the cache', cpio);
  const plan = planX86Boot(modelFromDts(join(repoRoot, 'examples', 'x86-dom0-two-guests.dts')));
  const keys = imageNeeds(plan).map((n) => n.key);
  const dir = mkdtempSync(join(tmpdir(), 'hl-x86-supply-'));
  try {
    const got = debianX86Images(plan, [...keys, 'xen/microcode'], guest, dir);
    assert.deepEqual([...got.keys()].sort(), [...keys].sort(), 'every needed key, and nothing it cannot make');
    for (const f of got.values()) assert.ok(existsSync(f), f);
    assert.equal(got.get('xen'), guest.xenGz);
    assert.equal(got.get('guest-pvh/kernel'), guest.kernel);
    const dom0 = cpioNames(got.get('dom0/ramdisk')!, dir);
    for (const n of ['usr/lib/xen-4.17/bin/xl', 'etc/xen/hyperlaunch/late-launch.sh', 'etc/xen/hyperlaunch/guest-pv.cfg', 'boot/guest-pv/vmlinuz', 'boot/guest-pvh/initrd.img']) assert.ok(dom0.includes(n), n);
    assert.ok(cpioNames(got.get('guest-pv/ramdisk')!, dir).includes('init'));
    // Same plan, same files (content-addressed).
    assert.equal(debianX86Images(plan, keys, guest, dir).get('dom0/ramdisk'), got.get('dom0/ramdisk'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
