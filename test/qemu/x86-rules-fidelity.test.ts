/**
 * x86 rules against Debian's real Xen 4.17 (amd64) under QEMU: a
 * configuration the rule flags is booted anyway, through GRUB from an ISO
 * grub-mkrescue made, and Xen's log must fail the way the rule says. Each
 * boot stops at Xen's panic (about 15 s unloaded). `x86-pvh-dom0-iommu` is
 * proven by the x86 qemu tests (test/qemu/x86-boot.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { buildGrubIso } from '../../src/artifacts/x86/grub-iso.js';
import { assembleX86Build, writeX86Build } from '../../src/artifacts/x86/x86-build.js';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { checkSource } from '../../src/check/engine.js';
import { parseXenBuild } from '../../src/check/target.js';
import { parseX86Host } from '../../src/check/x86-target.js';
import { readBootConfig } from '../../src/bindings/index.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { X86BootPlan } from '../../src/artifacts/x86/boot-plan.js';
import { repoRoot } from '../support/paths.js';
import { NO_X86_CACHE, bootIsoUntil, cachedX86Images } from '../support/qemu-x86.js';
import { skipNotice } from '../support/skip.js';
import { needTools } from '../support/tools.js';

const EXAMPLE = readFileSync(join(repoRoot, 'examples', 'x86-dom0-two-guests.dts'), 'utf8');
/** Panic with its reason (Xen prints it on the line after "Panic on CPU N:"), or dom0's kernel starting: either ends the boot for these tests. */
const END = /Panic on CPU \d+:\s*\n\(XEN\) .*\S.*\n|\] Command line: .*\n/;

function ruleIds(dts: string, host: string): string[] {
  const f = checkSource(new TextEncoder().encode(dts), { file: 'x86.dts', build: parseXenBuild('debian-4.17'), x86: { host: parseX86Host(host), lateLaunch: true } }).findings;
  return [...new Set(f.filter((x) => x.severity === 'error').map((x) => x.ruleId))];
}

/** An ISO of `plan` (modules in the plan's order) with Debian's Xen and kernel and a stand-in initrd. */
function iso(dir: string, plan: X86BootPlan, images: { xen: string; kernel: string }): string {
  writeFileSync(join(dir, 'initrd.img'), 'the boot stops before dom0 reads it\n');
  const files = new Map([['xen', images.xen], [`${plan.dom0.name}/kernel`, images.kernel], [`${plan.dom0.name}/ramdisk`, join(dir, 'initrd.img')]]);
  writeX86Build(assembleX86Build(plan, files), join(dir, 'out'));
  const r = buildGrubIso(join(dir, 'out'), join(dir, 'x86.iso'));
  assert.ok(r.ok, r.output);
  return join(dir, 'x86.iso');
}

function plan(dts: string): X86BootPlan {
  const r = runDtc(new TextEncoder().encode(dts), { file: 'x86.dts' });
  assert.equal(r.exitCode, 0);
  return planX86Boot(readBootConfig(r.tree!), { lateLaunch: false, allowLoss: true });
}

function ready(t: TestContext): { xen: string; kernel: string } | undefined {
  if (!needTools(t, ['qemu-system-x86_64', 'grub-mkrescue', 'xorriso', 'mformat'], ['--version'])) return undefined;
  const images = cachedX86Images();
  if (!images) skipNotice(t, 'Debian Xen 4.17 amd64 and kernel', NO_X86_CACHE);
  return images;
}

test('rule x86-pvh-hap: flagged for a PC without NPT; Xen 4.17 there says HAP is missing and cannot create the PVH dom0', async (t) => {
  const images = ready(t);
  if (!images) return;
  const pvh = EXAMPLE.replace(/(dom0 \{[\s\S]*?mode = <)1(>)/, '$10$2');
  assert.deepEqual(ruleIds(pvh, 'mem=2G,cpus=2,iommu=on,hap=off'), ['x86-pvh-hap']);
  assert.deepEqual(ruleIds(pvh, 'qemu-iommu'), [], 'with HAP the rule is quiet');
  const dir = mkdtempSync(join(tmpdir(), 'x86-hap-'));
  try {
    const serial = await bootIsoUntil(iso(dir, plan(pvh), images), { cpu: 'qemu64,+svm', iommu: true }, END);
    assert.match(serial, /\(XEN\) HVM: Hardware Assisted Paging \(HAP\) not detected/, serial.slice(-1500));
    assert.match(serial, /\(XEN\) Error creating d0: -95/, serial.slice(-1500));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rule x86-module-order: flagged when dom0\'s kernel is not module 1; GRUB loading them in that order makes Xen 4.17 panic', async (t) => {
  const images = ready(t);
  if (!images) return;
  // dom0's ramdisk first, its kernel second, as a tree's module-index may say.
  const swapped = EXAMPLE.replace('module-index = <1>;', 'module-index = <@>;').replace('module-index = <2>;', 'module-index = <1>;').replace('module-index = <@>;', 'module-index = <2>;');
  assert.deepEqual(ruleIds(swapped, 'qemu'), ['x86-module-order']);
  assert.deepEqual(ruleIds(EXAMPLE, 'qemu'), []);
  const p = plan(swapped);
  // The build writes 4.17's order (kernel first); load them as the tree numbers them instead.
  const asWritten = { ...p, modules: [...p.modules].sort((a, b) => index(a) - index(b)) };
  assert.deepEqual(asWritten.modules.map((m) => m.kind), ['ramdisk', 'kernel']);
  const dir = mkdtempSync(join(tmpdir(), 'x86-order-'));
  try {
    const serial = await bootIsoUntil(iso(dir, asWritten, images), { cpu: 'qemu64,+svm,+npt' }, END);
    assert.match(serial, /\(XEN\) ELF: not an ELF binary/, serial.slice(-1500));
    assert.match(serial, /\(XEN\) Could not construct domain 0/, serial.slice(-1500));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function index(m: X86BootPlan['modules'][number]): number {
  return m.source.type === 'multiboot-index' ? m.source.index : 0;
}
