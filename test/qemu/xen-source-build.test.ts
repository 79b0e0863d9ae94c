/**
 * Upstream Xen 4.22 from source: the build (cached), the fragment check
 * against a real olddefconfig, and a real boot of the dom0less example on
 * the release build by the direct route. Skipped with SKIP: when the source
 * or the cross compiler is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isArm64Image, xenImageVersion } from '../../src/check/xen-image-version.js';
import { bootDirect } from '../../src/qemu/boot.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { isQemuError } from '../../src/qemu/errors.js';
import { buildXenFromSource, cachedXenSourceBuild } from '../../src/qemu/xen-source-build.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { bootPrerequisites, modelFromDts, withTmpDir } from './support.js';
import { DEBUG_FRAGMENT, EARLY_PRINTK_FRAGMENT, RELEASE_FRAGMENT, XEN_TARBALL, xen422Builds } from './xen-source-support.js';

const xen = xen422Builds();

/** The fragment's lines, as text: every one must be in the .config verbatim (an unset option may also be absent). */
function fragmentLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => /^CONFIG_|^# CONFIG_.* is not set$/.test(l));
}

test('xen 4.22 from source: the three builds are arm64 Images whose .config kept every fragment line', (t) => {
  if (!xen.release || !xen.earlyPrintk || !xen.debug) return skipNotice(t, xen.missing!);
  for (const [b, fragment] of [[xen.release, RELEASE_FRAGMENT], [xen.earlyPrintk, EARLY_PRINTK_FRAGMENT], [xen.debug, DEBUG_FRAGMENT]] as const) {
    const image = readFileSync(b.image);
    assert.ok(isArm64Image(image), `${b.image} is an arm64 Image`);
    assert.ok(image.length > 500_000 && image.length < 4_000_000, `size ${image.length}`);
    const config = readFileSync(b.config, 'utf8');
    assert.match(config, /^# Xen\/arm 4\.22\.0 Configuration$/m);
    const lines = new Set(config.split('\n'));
    for (const l of fragmentLines(fragment)) assert.ok(lines.has(l) || (l.startsWith('# ') && !config.includes(`${l.slice(2).split(' ')[0]}=`)), `${l} survived`);
    assert.deepEqual(xenImageVersion(image, b.image), { version: '4.22', release: '4.22.0' });
  }
  assert.equal(new Set([xen.release.key, xen.earlyPrintk.key, xen.debug.key]).size, 3, 'one cache entry per fragment');
  // The early-printk build is what its fragment says, and the release build is not.
  assert.match(readFileSync(xen.earlyPrintk.config, 'utf8'), /^CONFIG_EARLY_UART_CHOICE_PL011=y$/m);
  assert.doesNotMatch(readFileSync(xen.release.config, 'utf8'), /^CONFIG_EARLY_UART_CHOICE_PL011=y$/m);
  // The third has what the probe builds lack, for the rules only it can show.
  for (const option of ['DEBUG', 'LLC_COLORING', 'ARM64_SVE']) {
    assert.match(readFileSync(xen.debug.config, 'utf8'), new RegExp(`^CONFIG_${option}=y$`, 'm'));
    assert.doesNotMatch(readFileSync(xen.release.config, 'utf8'), new RegExp(`^CONFIG_${option}=y$`, 'm'));
  }
  // Cached: asking again builds nothing.
  const t0 = Date.now();
  assert.deepEqual(buildXenFromSource({ tarball: XEN_TARBALL, fragment: RELEASE_FRAGMENT }), xen.release);
  assert.ok(Date.now() - t0 < 5_000);
  assert.deepEqual(cachedXenSourceBuild({ tarball: XEN_TARBALL, fragment: RELEASE_FRAGMENT }), xen.release);
});

test('xen 4.22 from source: a fragment option Kconfig drops (STATIC_SHM without UNSUPPORTED) is a typed error naming it', (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  const dir = mkdtempSync(join(tmpdir(), 'hl-xen-src-'));
  try {
    const fragment = join(dir, 'lossy.config');
    writeFileSync(fragment, '# CONFIG_UNSUPPORTED is not set\nCONFIG_STATIC_MEMORY=y\nCONFIG_STATIC_SHM=y\nCONFIG_SCHED_NULL=y\nCONFIG_SCHED_CREDIT=y\n');
    assert.throws(() => buildXenFromSource({ tarball: XEN_TARBALL, fragment, cacheDir: join(dir, 'cache') }), (e: unknown) => {
      assert.ok(isQemuError(e));
      assert.equal(e.code, 'XEN_CONFIG_LOST');
      assert.equal(e.path, fragment);
      // Real olddefconfig decides: the UNSUPPORTED-only options go, SCHED_CREDIT stays.
      assert.match(e.message, /CONFIG_STATIC_MEMORY=y \(got nothing\)/);
      assert.match(e.message, /CONFIG_STATIC_SHM=y/);
      assert.match(e.message, /CONFIG_SCHED_NULL=y/);
      assert.doesNotMatch(e.message, /SCHED_CREDIT=/);
      return true;
    });
    assert.equal(cachedXenSourceBuild({ tarball: XEN_TARBALL, fragment, cacheDir: join(dir, 'cache') }), undefined, 'nothing cached');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xen 4.22 from source: a missing tarball is a typed error, not a crash', () => {
  assert.throws(() => buildXenFromSource({ tarball: '/nonexistent/xen.tar.xz', fragment: RELEASE_FRAGMENT }), (e: unknown) => isQemuError(e) && e.code === 'XEN_SOURCE_MISSING');
});

const boot = bootPrerequisites();

test('xen 4.22 release build boots examples/qemu-dom0less.dts by the direct route, every domain passing', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const g = boot.guest;
  await withTmpDir(async (dir) => {
    const model = modelFromDts(join(repoRoot, 'examples', 'qemu-dom0less.dts'));
    const spec = planDirectBoot(model, virtHostTree(), { xen: xen.release!.image, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    assert.equal(spec.xen, xen.release!.image);
    // Generous: five vCPUs on two emulated CPUs on a shared 2-core host.
    const report = await bootDirect(spec, { timeoutSeconds: 400, serialLog: join(dir, 'serial.log') });
    console.log(`xen 4.22 direct dom0 + 2 domUs: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.match(log, /Xen version 4\.22\.0/);
    assert.equal(report.xenVersion?.startsWith('4.22'), true);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['dom0', true], ['domU1', true], ['domU2', true]]);
    assert.match(log, /^HYPERLAUNCH-MARKER dom0 up/m);
    assert.equal(report.passed, true);
  });
});
