/**
 * The report's facts for every example, against what the examples say and
 * what check finds: the domains of the DTS, every module `reg` written in
 * it as a module range, the host RAM of QEMU virt, the CPUs and pools, the
 * links, and exactly check's findings.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkSource } from '../../src/check/engine.js';
import { examplePartial, examplesDir, reportOf } from './report-helpers.js';

const EXAMPLES = readdirSync(examplesDir).filter((f) => f.endsWith('.dts') && f !== 'passthrough-partial.dts').sort();

/** Module `reg`s written in a DTS (2 + 2 cells): the starts and ends, in hex. */
function moduleRegs(dts: string): string[] {
  const out: string[] = [];
  for (const m of dts.matchAll(/compatible = "multiboot,(?:kernel|ramdisk|device-tree)"[^;]*;\s*reg = <0x0 (0x[0-9a-fA-F]+) 0x0 (0x[0-9a-fA-F]+)>/g)) {
    const start = BigInt(m[1]!);
    out.push(`0x${start.toString(16)}-0x${(start + BigInt(m[2]!)).toString(16)}`);
  }
  return out;
}

test('every example: one row per domain the model has, every module reg of the DTS a module range, exactly check\'s findings', () => {
  assert.ok(EXAMPLES.length >= 10, `only ${EXAMPLES.length} examples`);
  let regs = 0;
  for (const name of EXAMPLES) {
    const file = join(examplesDir, name);
    const dts = readFileSync(file, 'utf8');
    const data = reportOf(file);
    const checked = checkSource(readFileSync(file), { file, includeDirs: [examplesDir] });
    assert.deepEqual(data.domains.map((d) => d.name), checked.model!.domains.map((d) => d.name), name);
    assert.deepEqual(data.findings.map((f) => f.ruleId), checked.findings.map((f) => f.ruleId), name);
    const ranges = new Set(data.memory.filter((r) => r.kind === 'module').map((r) => `${r.start}-${r.end}`));
    regs += moduleRegs(dts).length;
    for (const reg of moduleRegs(dts)) assert.ok(ranges.has(reg), `${name}: module ${reg} not drawn (${[...ranges].join(', ')})`);
    if (dts.includes('qemu-virt-arm64.dtsi')) {
      // QEMU virt as the .dtsi gives it: 2 GiB at 0x40000000, two CPUs.
      assert.deepEqual(data.memory.filter((r) => r.kind === 'ram').map((r) => [r.start, r.end]), [['0x40000000', '0xc0000000']], name);
      assert.deepEqual(data.cpus.map((c) => c.path), ['/cpus/cpu@0', '/cpus/cpu@1'], name);
    }
  }
  assert.ok(regs >= 20, `only ${regs} module regs read from the examples`);
});

test('qemu-dom0less: dom0 is 0, the domUs 1 and 2 in DT order; dom0 has every role', () => {
  const data = reportOf(join(examplesDir, 'qemu-dom0less.dts'));
  assert.deepEqual(data.domains.map((d) => [d.name, d.domid, d.domidWhy]), [
    ['dom0', 0, 'dom0 is always 0'], ['domU1', 1, 'DT order in /chosen'], ['domU2', 2, 'DT order in /chosen'],
  ]);
  assert.deepEqual(data.domains[0]!.roles, ['dom0', 'control', 'hardware', 'xenstore']);
  assert.equal(data.target.domidRoute, 'the devicetree as written');
});

test('boot-cpupools: cpu@1 is the null-scheduler pool holding domU1; cpu@0 is Pool-0 with dom0 (dom0_max_vcpus=1)', () => {
  const data = reportOf(join(examplesDir, 'boot-cpupools.dts'));
  const [c0, c1] = data.cpus;
  assert.deepEqual([c0!.cpupool, c0!.scheduler, c0!.domains.map((d) => `${d.name}×${d.vcpus}`), c0!.idle, c0!.overcommitted], ['Pool-0', 'credit2', ['dom0×1'], false, false]);
  assert.deepEqual([c1!.cpupool, c1!.scheduler, c1!.domains.map((d) => `${d.name}×${d.vcpus}`), c1!.idle, c1!.overcommitted], ['cpupool1', 'null', ['domU1×1'], false, false]);
  assert.equal(data.domains.find((d) => d.name === 'domU1')!.scheduler, 'null');
});

test('static-shm-evtchn: one event channel (ports 10 and 11) and one shared region between domU1 and domU2; the region at its host address', () => {
  const data = reportOf(join(examplesDir, 'static-shm-evtchn.dts'));
  assert.deepEqual(data.links.map((l) => [l.kind, l.from, l.to, l.dangling]), [['evtchn', 'domU1', 'domU2', false], ['shm', 'domU1', 'domU2', false]]);
  assert.match(data.links[0]!.label, /port 10 ↔ 11/);
  // xen,shared-mem = <0x0 0x50000000 0x0 0x4000000 0x0 0x10000000>: host 0x50000000, 256 MiB.
  assert.deepEqual(data.memory.filter((r) => r.kind === 'shm').map((r) => [r.start, r.end, r.owner]), [['0x50000000', '0x60000000', 'domU1']]);
});

test('static-memory: the static bank as the DTS writes it, owned by its domain', () => {
  const dts = readFileSync(join(examplesDir, 'static-memory.dts'), 'utf8');
  const m = /xen,static-mem = <0x0 (0x[0-9a-f]+) 0x0 (0x[0-9a-f]+)>/i.exec(dts)!;
  const start = BigInt(m[1]!);
  const data = reportOf(join(examplesDir, 'static-memory.dts'));
  const banks = data.memory.filter((r) => r.kind === 'static-mem');
  assert.deepEqual(banks.map((r) => [r.start, r.end]), [[`0x${start.toString(16)}`, `0x${(start + BigInt(m[2]!)).toString(16)}`]]);
  assert.notEqual(banks[0]!.owner, '');
});

test('passthrough with its partial device tree: the PL061 row with xen,path, xen,reg, its interrupt and no IOMMU (forced)', () => {
  const rows = reportOf(join(examplesDir, 'passthrough.dts'), [examplesDir], new Map([['domU1', examplePartial()]])).devices;
  assert.deepEqual(rows.map((r) => [r.domain, r.path, r.hostPath, r.reg, r.irqs, r.claimedTwice]), [
    ['domU1', '/passthrough/pl061@9030000', '/pl061@9030000', ['0x9030000 0x1000 → 0x9030000'], '<0 7 4>', false],
  ]);
  assert.match(rows[0]!.iommu, /force-assign-without-iommu/);
});

test('hyperlaunch-disaggregated (x86): multiboot modules by their index, the domids the `domid` properties give, no CPU nodes', () => {
  const dts = readFileSync(join(examplesDir, 'hyperlaunch-disaggregated.dts'), 'utf8');
  const indexes = [...dts.matchAll(/module-index = <(\d+)>;/g)].map((m) => Number(m[1]));
  const data = reportOf(join(examplesDir, 'hyperlaunch-disaggregated.dts'));
  assert.match(data.target.arch, /^x86_64/);
  assert.deepEqual(data.domains.flatMap((d) => d.modules.map((m) => m.multibootIndex)), indexes);
  assert.ok(data.domains.every((d) => d.modules.every((m) => m.start === undefined && m.size === undefined)));
  assert.deepEqual(data.domains.map((d) => [d.name, d.domid, d.domidWhy]), [...dts.matchAll(/^\t\t\t(\w+) \{[^}]*?domid = <(\d+)>/gms)].map((m) => [m[1], Number(m[2]), '`domid` property']));
  assert.deepEqual(data.cpus, []);
  assert.ok(data.notes.some((n) => /Multiboot modules are placed by the boot loader/.test(n)));
});
