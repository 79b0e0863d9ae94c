/**
 * Real boots of Debian's Xen 4.17 under QEMU (each takes seconds on 2 cores,
 * so there are few). Skipped with a notice when QEMU or the packages are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootDirect } from '../../src/qemu/boot.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { repoRoot, skipNotice } from '../support/paths.js';
import { bootPrerequisites, modelFromDts, withTmpDir } from './support.js';
import { predictDomids } from '../../src/report/domid.js';
import { dom0Console, domidsSeen } from './domids-seen.js';

const prereq = bootPrerequisites();
const fixture = (name: string): string => join(repoRoot, 'test', 'qemu', 'fixtures', name);

test('direct route: dom0 + 2 domUs, every marker on its own console', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    const model = modelFromDts(fixture('dom0-2domus.dts'));
    const spec = planDirectBoot(model, virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    assert.deepEqual(spec.expected.map((d) => [d.name, d.domid]), [['dom0', 0], ['domU1', 1], ['domU2', 2]]);
    // Modules from 0x50000000, 2 MiB aligned, kernel then ramdisk per domain.
    assert.equal(spec.loads[0]!.address, 0x5000_0000n);
    for (const l of spec.loads) assert.equal(l.address % 0x20_0000n, 0n);
    const report = await bootDirect(spec, { timeoutSeconds: 240, serialLog: join(dir, 'serial.log') });
    console.log(`direct dom0 + 2 domUs: ${report.seconds.toFixed(1)} s, ${report.end}`);
    const log = readFileSync(join(dir, 'serial.log'), 'latin1');
    assert.deepEqual(report.problems, [], log.slice(-3000));
    assert.equal(report.xenVersion?.startsWith('4.17.'), true);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['dom0', true], ['domU1', true], ['domU2', true]]);
    // The log itself, read independently of the parser.
    assert.match(log, /\(XEN\) DOM1: HYPERLAUNCH-MARKER domU1 up/);
    assert.match(log, /\(XEN\) DOM2: HYPERLAUNCH-MARKER domU2 up/);
    assert.match(dom0Console(log), /^HYPERLAUNCH-MARKER dom0 up/m);
    assert.equal(report.passed, true);
    // The report's predicted domids (devicetree route) are the ones Xen gave.
    const seen = domidsSeen(log);
    assert.deepEqual(predictDomids(model, 'devicetree').map((p) => [p.domain, p.domid]), model.domains.map((d) => [d.name, seen.get(d.name)]));
  });
});

test('direct route: a domU larger than the board makes Xen panic, and the report says so', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const g = prereq.guest;
  await withTmpDir(async (dir) => {
    const model = modelFromDts(fixture('dom0-2domus.dts'));
    // True dom0less, one domU of 4 GiB on a 2 GiB board (the reference's negative check).
    const domU = { ...model.domains.find((d) => d.name === 'domU1')!, memoryKiB: 4n * 1024n * 1024n };
    const spec = planDirectBoot({ ...model, domains: [domU] }, virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
    const report = await bootDirect(spec, { timeoutSeconds: 60 });
    console.log(`direct 4 GiB domU (expected panic): ${report.seconds.toFixed(1)} s, ${report.end}`);
    assert.equal(report.passed, false);
    assert.match(report.problems[0] ?? '', /^Xen panic \(line \d+\): Failed to allocate requested domain memory/);
    assert.deepEqual(report.domains.map((d) => [d.name, d.passed]), [['domU1', false]]);
    assert.ok(report.serialLogFile && existsSync(report.serialLogFile), 'the failed boot saved its log');
    assert.match(readFileSync(report.serialLogFile, 'latin1'), /Panic on CPU/);
    rmSync(report.serialLogFile);
  });
});
