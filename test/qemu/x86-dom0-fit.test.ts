/**
 * Rule x86-dom0-kernel-fit against the real thing: Debian's generic amd64
 * kernel with the dom0 initramfs `qemu` generates for
 * examples/hyperlaunch-x86-dom0.dts (128 MiB, PV), then Debian's Xen 4.17
 * booting it. The boots prove the computation on both sides: the smallest
 * size the rule accepts boots dom0 alive, one MiB less panics.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { checkModel } from '../../src/check/engine.js';
import { parseXenBuild } from '../../src/check/target.js';
import { probeX86Kernel } from '../../src/check/x86-kernel-probe.js';
import { pvDom0TooSmall, smallestDom0MiB } from '../../src/check/x86-dom0-fit.js';
import { dom0Initramfs } from '../../src/qemu/x86-boot.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { modelFromDts, withTmpDir } from './support.js';
import { x86BootPrerequisites } from './x86-support.js';

const EXAMPLE = join(repoRoot, 'examples', 'hyperlaunch-x86-dom0.dts');
const MIB_PAGES = 256n;

/** The example with dom0's memory set to `mib` MiB (the property is in KiB). */
function exampleWith(dir: string, mib: bigint): string {
  const text = readFileSync(EXAMPLE, 'utf8');
  assert.match(text, /memory = <0x0 0x20000>;/);
  const file = join(dir, `dom0-${mib}.dts`);
  writeFileSync(file, text.replace('memory = <0x0 0x20000>;', `memory = <0x0 0x${(mib * 1024n).toString(16)}>;`));
  return file;
}

test('Debian\'s kernel + the generated dom0 initramfs: 128 MiB flagged, 256 MiB not, and the smallest size is exact', async (t) => {
  const prereq = x86BootPrerequisites();
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const guest = prereq.guest;
  const layout = probeX86Kernel(guest.kernel).notes?.layout;
  assert.ok(layout, 'the probe reads the kernel\'s span');
  assert.equal(layout.unmappedInitrd, true, 'Linux asks for an unmapped initrd (MOD_START_PFN)');
  assert.notEqual(layout.p2mBase, undefined, 'and places its own p2m (INIT_P2M)');
  const model = modelFromDts(EXAMPLE);
  const plan = planX86Boot(model, { allowLoss: true });
  const initrd = BigInt(dom0Initramfs(plan, guest, readFileSync(guest.kernel)).length);
  assert.equal(pvDom0TooSmall(layout, initrd, 128n * MIB_PAGES), true);
  assert.equal(pvDom0TooSmall(layout, initrd, 256n * MIB_PAGES), false);
  const least = smallestDom0MiB(layout, initrd);
  assert.equal(pvDom0TooSmall(layout, initrd, least * MIB_PAGES), false);
  assert.equal(pvDom0TooSmall(layout, initrd, (least - 1n) * MIB_PAGES), true);
  console.log(`x86-dom0-kernel-fit: ${guest.kernel.split('/').pop()}, initramfs ${initrd} bytes: smallest dom0 ${least} MiB`);
  // The rule over the example, with those files, as `qemu` runs it.
  await withTmpDir(async (dir) => {
    const ramdisk = join(dir, 'initrd.img');
    writeFileSync(ramdisk, Buffer.alloc(Number(initrd)));
    for (const [mib, flagged] of [[128n, true], [256n, false]] as const) {
      const f = checkModel(modelFromDts(exampleWith(dir, mib)), {
        arch: 'x86_64', build: parseXenBuild('debian-4.17'), x86: { lateLaunch: true, kernels: new Map([['dom0', guest.kernel]]), ramdisks: new Map([['dom0', ramdisk]]) },
      }).filter((x) => x.ruleId === 'x86-dom0-kernel-fit');
      assert.equal(f.length, flagged ? 1 : 0, `${mib} MiB: ${f.map((x) => x.message).join('; ')}`);
      if (flagged) assert.match(f[0]!.message, new RegExp(`The smallest dom0 that fits: ${least} MiB$`));
    }
  });
});

interface Report { passed: boolean; seconds: number; problems: string[]; domains: { stage: string; failure?: { kind: string } }[]; serialLogFile?: string }

function qemu(args: string[]): { status: number | null; stderr: string; report?: Report } {
  const r = spawnSync(process.execPath, [cliPath, 'qemu', '--allow-loss', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, report: r.stdout ? (JSON.parse(r.stdout) as Report) : undefined };
}

function panicsTooSmall(file: string, what: string): void {
  const forced = qemu(['--force', '--timeout', '120', '--json', file]);
  assert.equal(forced.status, 1, forced.stderr);
  const report = forced.report!;
  console.log(`x86 direct ${what} (--force): ${report.seconds.toFixed(1)} s`);
  assert.equal(report.passed, false);
  assert.equal(report.domains[0]!.failure?.kind, 'xen-panic');
  // The saved log, read without the parser: Xen's own words.
  assert.match(readFileSync(report.serialLogFile!, 'latin1'), /\(XEN\) Domain 0 allocation is too small for kernel image/);
  rmSync(report.serialLogFile!, { force: true });
}

test('rule x86-dom0-kernel-fit: `qemu` refuses the 128 MiB dom0; with --force Xen panics as the rule says; the smallest size it accepts boots dom0 alive, one MiB less panics', async (t) => {
  const prereq = x86BootPrerequisites();
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const refused = qemu([EXAMPLE]);
  assert.equal(refused.status, 1, refused.stderr);
  const m = /error\[x86-dom0-kernel-fit\]: dom0: 128 MiB .* The smallest dom0 that fits: (\d+) MiB/.exec(refused.stderr);
  assert.ok(m, refused.stderr);
  assert.match(refused.stderr, /not booted \(use --force/);
  const least = BigInt(m[1]!);
  panicsTooSmall(EXAMPLE, 'dom0 of 128 MiB');
  await withTmpDir(async (dir) => {
    const below = exampleWith(dir, least - 1n);
    assert.equal(qemu([below]).status, 1, 'one MiB less is refused too');
    panicsTooSmall(below, `dom0 of ${least - 1n} MiB`);
    const ok = qemu(['--timeout', '240', '--json', exampleWith(dir, least)]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /x86-dom0-kernel-fit/);
    console.log(`x86 direct dom0 of ${least} MiB: ${ok.report!.seconds.toFixed(1)} s`);
    assert.equal(ok.report!.passed, true);
    assert.equal(ok.report!.domains[0]!.stage, 'alive');
    // A passing boot keeps no log.
    if (ok.report!.serialLogFile) rmSync(ok.report!.serialLogFile, { force: true });
  });
});
