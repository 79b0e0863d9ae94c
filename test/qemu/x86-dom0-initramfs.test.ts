/**
 * dom0's late-launch initramfs, read back by GNU cpio (the oracle) and
 * unpacked: the tools, their libraries, the modules, the xl.cfg files, the
 * plan's start-up script and the guests' images at the paths xl.cfg names.
 * Its running is proven by the late-launch boot in x86-boot.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { writeLateLaunchScript } from '../../src/artifacts/x86/late-launch-script.js';
import { writeXlConfig } from '../../src/artifacts/x86/xl-config.js';
import { x86GuestOrWhy } from '../support/qemu-x86.js';
import { buildX86Dom0Initramfs, x86Dom0InitScript } from '../../src/qemu/x86-dom0-initramfs.js';
import { qemuPlan } from '../../src/qemu/x86-boot.js';
import { repoRoot, skipNotice } from '../support/paths.js';
import { toolMissing } from '../support/tools.js';
import { modelFromDts } from './support.js';

const guest = x86GuestOrWhy().guest;

test('/init: marker first, then the plan\'s script, then one relay per late domain', () => {
  const s = x86Dom0InitScript('dom0', ['guest-pv', 'guest-pvh']);
  const at = (re: RegExp): number => s.search(re);
  assert.ok(at(/HYPERLAUNCH-MARKER dom0 up/) < at(/sh \/etc\/xen\/hyperlaunch\/late-launch.sh/));
  assert.ok(at(/late-launch.sh/) < at(/xl domid 'guest-pv'/));
  assert.ok(at(/xl domid 'guest-pv'/) < at(/xl domid 'guest-pvh'/));
  assert.match(s, /HYPERLAUNCH-LATE guest-pvh created domid=\$d/);
  assert.match(s, /tail -n \+1 -f '\/var\/log\/xen\/console\/guest-guest-pv.log'/);
  // Without late domains, dom0 only idles after its marker.
  assert.doesNotMatch(x86Dom0InitScript('dom0', []), /late-launch|xl /);
});

test('the archive as cpio lists it, and its files as unpacked', (t) => {
  if (!guest) return skipNotice(t, 'dom0 late-launch initramfs', "Debian's amd64 guest set could not be downloaded");
  const cpio = toolMissing('cpio');
  if (cpio) return skipNotice(t, 'dom0 late-launch initramfs', cpio);
  const q = qemuPlan(planX86Boot(modelFromDts(join(repoRoot, 'examples', 'x86-dom0-two-guests.dts'))));
  const fake = new TextEncoder().encode('kernel-bytes');
  const first = q.plan.lateLaunch[0]!.kernelPath;
  const late = q.plan.lateLaunch.map((d, i) => ({
    name: d.name,
    xlConfig: writeXlConfig(d),
    files: [i === 0 ? { path: d.kernelPath, data: fake } : { path: d.kernelPath, target: first }, { path: d.ramdiskPath!, data: new TextEncoder().encode(`initrd of ${d.name}`) }],
  }));
  const input = { guest, dom0Name: 'dom0', late, lateLaunchScript: writeLateLaunchScript(q.plan) };
  const gz = buildX86Dom0Initramfs(input);
  assert.deepEqual(buildX86Dom0Initramfs(input), gz, 'same input, same bytes');
  const dir = mkdtempSync(join(tmpdir(), 'hl-x86-initrd-'));
  try {
    writeFileSync(join(dir, 'a.cpio'), gunzipSync(gz));
    const names = execFileSync('cpio', ['-t', '--quiet', '-F', join(dir, 'a.cpio')], { encoding: 'utf8' }).trim().split('\n');
    for (const n of [
      'init', 'bin/busybox', 'dev/console', 'usr/lib/xen-4.17/bin/xl', 'usr/lib/xen-4.17/bin/xenstored', 'usr/lib/xen-4.17/bin/xenconsoled', 'usr/lib/xen-4.17/bin/xen-init-dom0',
      'lib64/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/libgcc_s.so.1', 'usr/lib/x86_64-linux-gnu/libxenlight.so.4.17',
      `lib/modules/${guest.kernelRelease}/kernel/drivers/xen/xen-privcmd.ko`, `lib/modules/${guest.kernelRelease}/kernel/drivers/xen/xenfs/xenfs.ko`,
      'etc/xen/hyperlaunch/late-launch.sh', 'etc/xen/hyperlaunch/guest-pv.cfg', 'etc/xen/hyperlaunch/guest-pvh.cfg',
      'boot/guest-pv/vmlinuz', 'boot/guest-pvh/initrd.img',
    ]) assert.ok(names.includes(n), `${n} in the archive`);
    // Parents come before children, as the kernel needs.
    assert.ok(names.indexOf('usr/lib/xen-4.17') < names.indexOf('usr/lib/xen-4.17/bin/xl'));
    execFileSync('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames', '-F', join(dir, 'a.cpio')], { cwd: dir, stdio: 'pipe' });
    assert.deepEqual(readFileSync(join(dir, 'usr/lib/xen-4.17/bin/xl')), readFileSync(join(guest.root, 'usr/lib/xen-4.17/bin/xl')));
    assert.match(readFileSync(join(dir, 'etc/xen/hyperlaunch/guest-pvh.cfg'), 'utf8'), /^type = "pvh"$/m);
    assert.match(readFileSync(join(dir, 'etc/xen/hyperlaunch/guest-pvh.cfg'), 'utf8'), /^ramdisk = "\/boot\/guest-pvh\/initrd.img"$/m);
    assert.equal(readFileSync(join(dir, 'boot/guest-pvh/initrd.img'), 'utf8'), 'initrd of guest-pvh');
    // The second guest's kernel is a link to the first's: one copy in the archive.
    assert.equal(readlinkSync(join(dir, 'boot/guest-pvh/vmlinuz')), '/boot/guest-pv/vmlinuz');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
