/**
 * The direct route's plan without booting: where modules go (around the
 * configuration's static ranges and the board's reserved ones) and how a
 * configuration's references land in the board's tree. Real fdtget reads
 * the written DTB back; Xen 4.22 boots of the same examples are in
 * xen422-examples.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkModel } from '../../src/check/engine.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { isQemuError } from '../../src/qemu/errors.js';
import { type DirectPlan, MODULE_BASE, planDirectBoot } from '../../src/qemu/direct-plan.js';
import { repoRoot } from '../support/paths.js';
import { needTool } from '../support/tools.js';
import { modelFromDts } from './support.js';

const EXAMPLES = join(repoRoot, 'examples');
const MIB = 0x10_0000n;

function example(name: string): BootModel {
  return modelFromDts(join(EXAMPLES, name));
}

/** A board DTS (host nodes only) as a tree. */
function board(dts: string): DeviceTree {
  const r = runDtc(new TextEncoder().encode(dts), { file: 'board.dts' });
  if (!r.tree) throw new Error(r.error?.message);
  return r.tree;
}

/** QEMU virt as the examples describe it, with phandles and CPU names of its own. */
function boardDts(opts: { cpus?: string; memorySize?: string; reserved?: string } = {}): string {
  const cpus = opts.cpus ?? `
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a57"; reg = <0x0>; enable-method = "psci"; phandle = <0x3>; };
		processor@1 { device_type = "cpu"; compatible = "arm,cortex-a57"; reg = <0x1>; enable-method = "psci"; phandle = <0x20>; };`;
  return `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "linux,dummy-virt";
	interrupt-parent = <0x4>;
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;${cpus}
	};
	memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 ${opts.memorySize ?? '0x80000000'}>; };
	intc@8000000 { compatible = "arm,gic-v3"; #interrupt-cells = <3>; interrupt-controller; reg = <0x0 0x8000000 0x0 0x10000 0x0 0x80a0000 0x0 0xf60000>; phandle = <0x4>; };
	pl011@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x0 0x9000000 0x0 0x1000>; };
	${opts.reserved ?? ''}
	chosen { stdout-path = "/pl011@9000000"; };
};
`;
}

/** Plan with a kernel file of a real kernel's size (the plan only reads its size). */
function plan(model: BootModel, host: DeviceTree, fn: (p: DirectPlan, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hl-direct-plan-'));
  try {
    const kernel = join(dir, 'Image');
    writeFileSync(kernel, '');
    execFileSync('truncate', ['-s', '31M', kernel]);
    fn(planDirectBoot(model, host, { xen: join(dir, 'xen'), kernel, busybox: new Uint8Array(64) }, dir), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Cells of a property as real fdtget reads them. */
function fdtget(dtb: string, path: string, prop: string): number[] {
  return execFileSync('fdtget', ['-t', 'x', dtb, path, prop], { encoding: 'utf8' }).trim().split(/\s+/).map((h) => parseInt(h, 16));
}

function overlaps(a: { address: bigint; size: bigint }, b: { address: bigint; size: bigint }): boolean {
  return a.address < b.address + b.size && b.address < a.address + a.size;
}

/** Every load with its size, from the placed model's module ranges. */
function loadRanges(p: DirectPlan): { address: bigint; size: bigint; what: string }[] {
  return p.placed.domains.flatMap((d) => d.modules.flatMap((m) => (m.location?.type === 'range' ? [{ ...m.location, what: `${d.name} ${m.kind}` }] : [])));
}

test('direct plan: a cpupool CPU is the board CPU with the same reg, whatever its phandle and name there', (t) => {
  if (!needTool(t, 'fdtget')) return;
  plan(example('boot-cpupools.dts'), board(boardDts()), (p) => {
    // The example's cpu1 has phandle 3 in its own tree; on this board 3 is cpu@0, and cpu1 is processor@1.
    assert.deepEqual(p.placed.cpupools[0]!.cpus, ['/cpus/processor@1']);
    assert.deepEqual(fdtget(p.dtb, '/chosen/cpupool1', 'cpupool-cpus'), fdtget(p.dtb, '/cpus/processor@1', 'phandle'));
    // The pool's own phandle (4 in the example) is the board's GIC here: the pool gets a fresh one, and domU1 points at it.
    const pool = fdtget(p.dtb, '/chosen/cpupool1', 'phandle');
    assert.notDeepEqual(pool, [4]);
    assert.deepEqual(fdtget(p.dtb, '/chosen/domU1', 'domain-cpupool'), pool);
    assert.deepEqual(fdtget(p.dtb, '/intc@8000000', 'phandle'), [4]);
  });
});

test('direct plan: on a board with the same CPU paths the pool keeps them', (t) => {
  if (!needTool(t, 'fdtget')) return;
  const model = example('boot-cpupools.dts');
  plan(model, model.host!, (p) => {
    assert.deepEqual(p.placed.cpupools[0]!.cpus, ['/cpus/cpu@1']);
    assert.deepEqual(fdtget(p.dtb, '/chosen/cpupool1', 'cpupool-cpus'), fdtget(p.dtb, '/cpus/cpu@1', 'phandle'));
  });
});

test('direct plan: a cpupool CPU the board does not have is a typed error naming the board\'s CPUs', () => {
  const oneCpu = board(boardDts({ cpus: '\n\t\tcpu@0 { device_type = "cpu"; reg = <0x0>; };' }));
  assert.throws(() => plan(example('boot-cpupools.dts'), oneCpu, () => {}), (e: unknown) => {
    assert.ok(isQemuError(e));
    assert.equal(e.code, 'CPU_NOT_ON_BOARD');
    assert.match(e.message, /cpupool1: \/cpus\/cpu@1 \(reg 0x1\) is not a CPU of the board/);
    assert.match(e.message, /its CPUs: \/cpus\/cpu@0 \(reg 0x0\)$/);
    return true;
  });
});

test('direct plan: modules go around static memory (examples/static-memory.dts), and the layout check passes the placed model', () => {
  const model = example('static-memory.dts');
  const host = model.host!;
  plan(model, host, (p) => {
    const bank = model.domains.find((d) => d.name === 'domU1')!.staticMemory![0]!;
    assert.deepEqual(bank, { address: 0x5000_0000n, size: 0x1000_0000n });
    const loads = loadRanges(p);
    assert.equal(loads.length, 4);
    for (const l of loads) assert.ok(!overlaps(l, bank), `${l.what} at 0x${l.address.toString(16)} overlaps the static bank`);
    assert.deepEqual(p.loads.map((l) => l.address), loads.map((l) => l.address));
    // First slot past the bank, as ImageBuilder skips a reserved range.
    assert.equal(p.loads[0]!.address, 0x6020_0000n);
    assert.deepEqual(checkModel(p.placed, { host }).filter((f) => f.ruleId.startsWith('mod-')), []);
  });
});

test('direct plan: check flags the old placement (a module on the static bank) as mod-overlap-reserved', () => {
  const model = example('static-memory.dts');
  plan(model, model.host!, (p) => {
    // What the route did before: domU1's kernel at MODULE_BASE, inside its own static bank.
    const domains = p.placed.domains.map((d) =>
      d.name !== 'domU1' ? d : { ...d, modules: d.modules.map((m) => (m.kind === 'kernel' ? { ...m, location: { type: 'range' as const, address: MODULE_BASE, size: 31n * MIB } } : m)) },
    );
    const findings = checkModel({ ...p.placed, domains }, { host: model.host! }).filter((f) => f.ruleId === 'mod-overlap-reserved');
    assert.equal(findings.length, 1);
    assert.match(findings[0]!.message, /module \/chosen\/domU1\/\S+ \[0x50000000, 0x51f00000\) overlaps domU1 xen,static-mem \[0x50000000, 0x60000000\); Xen refuses the one it reads second.*Early FDT parsing failed/);
  });
});

test('direct plan: modules go around shared memory host ranges and event channels point at their peers in the board tree', (t) => {
  if (!needTool(t, 'fdtget')) return;
  const model = example('static-shm-evtchn.dts');
  plan(model, board(boardDts()), (p) => {
    const shm = { address: 0x5000_0000n, size: 0x1000_0000n };
    for (const l of loadRanges(p)) assert.ok(!overlaps(l, shm), `${l.what} overlaps the shared memory`);
    // xen,evtchn = <local-port &peer>: the peer phandle must be the other domain's evtchn node in this tree.
    const [, peer1] = fdtget(p.dtb, '/chosen/domU1/evtchn', 'xen,evtchn');
    const [, peer2] = fdtget(p.dtb, '/chosen/domU2/evtchn', 'xen,evtchn');
    assert.deepEqual(fdtget(p.dtb, '/chosen/domU2/evtchn', 'phandle'), [peer1]);
    assert.deepEqual(fdtget(p.dtb, '/chosen/domU1/evtchn', 'phandle'), [peer2]);
  });
});

test('direct plan: modules go around the board\'s /reserved-memory', () => {
  const reserved = `reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; buf@50000000 { reg = <0x0 0x50000000 0x0 0x1000000>; no-map; }; };`;
  plan(example('qemu-dom0less.dts'), board(boardDts({ reserved })), (p) => {
    assert.ok(p.loads.every((l) => l.address >= 0x5120_0000n), p.loads.map((l) => l.address.toString(16)).join(' '));
  });
});

test('direct plan: no RAM left past the static ranges is a typed error, not a bad boot', () => {
  const model = example('static-memory.dts');
  // RAM ends where the static bank does: nothing fits above it.
  assert.throws(() => plan(model, board(boardDts({ memorySize: '0x20000000' })), () => {}), (e: unknown) => {
    assert.ok(isQemuError(e));
    assert.equal(e.code, 'NO_ROOM_FOR_MODULES');
    assert.match(e.message, /dom0 kernel \(\d+ bytes\) does not fit in the board's RAM at 0x60200000, past the static and reserved ranges \[0x50000000, 0x60000000\)/);
    return true;
  });
});
