/**
 * Examples that need features Debian's Xen 4.17 leaves out (boot-time
 * cpupools, static memory), booted on upstream Xen 4.22's release build by
 * the direct route: every domain must come up. These are the boots that
 * showed the route writing stale cpupool phandles into QEMU's tree and
 * loading modules onto static banks. Skipped with SKIP: without the Xen
 * source, the cross compiler, QEMU or the guest packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootDirect } from '../../src/qemu/boot.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { bootPrerequisites, modelFromDts, withTmpDir } from './support.js';
import { xen422Builds } from './xen-source-support.js';

const xen = xen422Builds();
const boot = bootPrerequisites();

/** Boot one example; returns the serial log after asserting that every domain passed. */
async function bootsAlive(example: string, domains: string[]): Promise<string> {
  const g = boot.guest!;
  return withTmpDir(async (dir) => {
    const model = modelFromDts(join(repoRoot, 'examples', example));
    const spec = planDirectBoot(model, virtHostTree(), { xen: xen.release!.image, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    const report = await bootDirect(spec, { timeoutSeconds: 400, serialLog: join(dir, 'serial.log') });
    console.log(`xen 4.22 direct ${example}: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.match(log, /Xen version 4\.22\.0/);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), domains.map((d) => [d, true]), log.slice(-3000));
    assert.equal(report.passed, true);
    return log;
  });
}

test('xen 4.22 release build boots examples/boot-cpupools.dts by the direct route: the pool finds its CPU, every domain up', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const log = await bootsAlive('boot-cpupools.dts', ['dom0', 'domU1']);
  assert.doesNotMatch(log, /could not find phandle/);
});

test('xen 4.22 release build boots examples/static-memory.dts by the direct route: no module on the static bank, every domain up', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const log = await bootsAlive('static-memory.dts', ['dom0', 'domU1']);
  assert.doesNotMatch(log, /overlapping with mod/);
});

test('xen 4.22 release build boots examples/static-shm-evtchn.dts by the direct route: owner and borrower up, the region mapped in both', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const log = await bootsAlive('static-shm-evtchn.dts', ['domU1', 'domU2']);
  // Xen registered the region the two domains share (its early boot info lists it).
  assert.match(log, /SHMEM\[0\]:/);
});
