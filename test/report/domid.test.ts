/**
 * predictDomids on real configurations. The numbers expected here are the
 * ones real boots showed (test/qemu/boot.test.ts, uboot-imagebuilder.test.ts
 * on Debian's 4.17; xen422-examples on 4.22), and the boot.scr reversal is
 * checked against the real libfdt: `fdtput -c` run edit by edit, then
 * `fdtget -l /chosen` gives the node order Xen walks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fdtputArguments } from '../../src/artifacts/dt-edits.js';
import { directorySource } from '../../src/artifacts/file-source.js';
import { resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { buildUboot } from '../../src/artifacts/uboot-build.js';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { imageBuilderToModel } from '../../src/bindings/imagebuilder/model.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import { readBootConfig } from '../../src/bindings/boot-config.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { type DomidPrediction, predictDomids } from '../../src/report/domid.js';
import { repoRoot } from '../support/paths.js';
import { inTempDir } from '../support/temp-dir.js';
import { needTools } from '../support/tools.js';
import { dummyCpio, dummyImage } from '../artifacts/golden-inputs.js';

const examples = join(repoRoot, 'examples');

function modelOf(dts: string, file = 'test.dts'): BootModel {
  const r = runDtc(new TextEncoder().encode(dts), { file, includeDirs: [examples] });
  if (!r.tree) throw new Error(`${file}: ${r.error?.message}`);
  return readBootConfig(r.tree);
}

const modelFile = (rel: string): BootModel => modelOf(readFileSync(join(repoRoot, rel), 'utf8'), join(repoRoot, rel));

/** QEMU virt as the examples describe it, as a DTB. */
function virtDtb(): Uint8Array {
  const r = runDtc(new TextEncoder().encode('/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n'), { file: join(examples, 'host.dts'), includeDirs: [examples], outputFormat: 'dtb' });
  if (!r.output) throw new Error(`qemu-virt-arm64.dtsi: ${r.error?.message}`);
  return r.output;
}

const pairs = (p: DomidPrediction[]): Array<[string, number | undefined]> => p.map((x) => [x.domain, x.domid]);

test('devicetree route: dom0 is 0, domUs 1, 2 in /chosen order (test/qemu/boot.test.ts booted this file on 4.17)', () => {
  const p = predictDomids(modelFile('test/qemu/fixtures/dom0-2domus.dts'), 'devicetree');
  assert.deepEqual(pairs(p), [['dom0', 0], ['domU1', 1], ['domU2', 2]]);
  assert.deepEqual(p.map((x) => x.why), ['dom0 is always 0', 'DT order in /chosen', 'DT order in /chosen']);
});

test('uboot-script route: fdt mknod puts each new domU first, so the last one created is d1', () => {
  const p = predictDomids(modelFile('test/qemu/fixtures/dom0-2domus.dts'), 'uboot-script');
  assert.deepEqual(pairs(p), [['dom0', 0], ['domU1', 2], ['domU2', 1]]);
  assert.equal(p[1]!.why, 'U-Boot `fdt mknod` reverses order (boot.scr build)');
});

test('true dom0less: no dom0, the first domU is 1 (4.17 ++max_init_domid, 4.22 domid_alloc never hands out 0)', () => {
  const p = predictDomids(modelFile('examples/true-dom0less.dts'), 'devicetree');
  assert.deepEqual(p.map((x) => x.domid), [1, 2]);
  assert.ok(p.every((x) => x.why === 'DT order in /chosen'));
  assert.deepEqual(predictDomids(modelFile('examples/true-dom0less.dts'), 'uboot-script').map((x) => x.domid), [2, 1]);
});

test('every Arm example: dom0 0 and the domUs a permutation of 1..n', () => {
  for (const f of ['qemu-dom0less', 'xen-ci-smoke', 'static-memory', 'static-shm-evtchn', 'boot-cpupools', 'passthrough']) {
    const model = modelFile(`examples/${f}.dts`);
    for (const route of ['devicetree', 'uboot-script'] as const) {
      const p = predictDomids(model, route);
      assert.equal(p.length, model.domains.length, f);
      const dom0 = model.domains.findIndex((d) => d.isDom0);
      if (dom0 >= 0) assert.equal(p[dom0]!.domid, 0, f);
      const others = p.filter((_, k) => k !== dom0).map((x) => x.domid!).sort((a, b) => a - b);
      assert.deepEqual(others, others.map((_, k) => k + 1), `${f} ${route}`);
    }
  }
});

test('Hyperlaunch, no Xen version: the `domid` property is what the Hyperlaunch series uses', () => {
  const p = predictDomids(modelFile('examples/hyperlaunch-disaggregated.dts'), 'devicetree');
  assert.deepEqual(pairs(p), [['control', 1], ['hardware', 2], ['xenstore', 3]]);
  assert.ok(p.every((x) => x.why === '`domid` property'));
});

const REORDERED = `/dts-v1/;
/ { chosen { hypervisor { compatible = "hypervisor,xen";
  b { compatible = "xen,domain"; domid = <2>; memory = <0x0 0x20000>; cpus = <1>;
      kernel { compatible = "multiboot,kernel", "multiboot,module"; module-addr = <0x0 0x50000000 0x0 0x100000>; }; };
  a { compatible = "xen,domain"; domid = <1>; memory = <0x0 0x20000>; cpus = <1>;
      kernel { compatible = "multiboot,kernel", "multiboot,module"; module-addr = <0x0 0x52000000 0x0 0x100000>; }; };
}; }; };`;

test('Hyperlaunch for a released Xen: no release reads `domid`; the domains are numbered by node order and the ignored value is named', () => {
  const model = modelOf(REORDERED);
  assert.deepEqual(pairs(predictDomids(model, 'devicetree')), [['b', 2], ['a', 1]]);
  const released = { ...model, target: { ...model.target, xenVersion: '4.22' } };
  const p = predictDomids(released, 'devicetree');
  assert.deepEqual(pairs(p), [['b', 1], ['a', 2]]);
  assert.equal(p[0]!.why, 'DT order in /chosen (Xen 4.22 ignores `domid = <2>`)');
});

test('dom0less: a `domid` property is unknown to Xen, and the prediction says it is ignored', () => {
  const model = modelOf(`/dts-v1/;
/ { chosen { #address-cells = <2>; #size-cells = <2>;
  guest { compatible = "xen,domain"; domid = <7>; memory = <0x0 0x20000>; cpus = <1>;
      module@50000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x50000000 0x0 0x100000>; }; };
}; };`);
  const [p] = predictDomids(model, 'devicetree');
  assert.equal(p!.domid, 1);
  assert.equal(p!.why, 'DT order in /chosen (Xen ignores `domid = <7>`)');
});

// Three domUs so that a reversal is not mistaken for a swap of two.
const CONFIG = [
  'MEMORY_START="0x40000000"', 'MEMORY_END="0xC0000000"', 'LOAD_CMD="tftpb"', 'DEVICE_TREE="host.dtb"',
  'XEN="xen"', 'XEN_CMD="console=dtuart"', 'DOM0_KERNEL="Image"', 'DOM0_RAMDISK="r.cpio"', 'NUM_DOMUS=3',
  ...[0, 1, 2].flatMap((i) => [`DOMU_KERNEL[${i}]="Image"`, `DOMU_RAMDISK[${i}]="r.cpio"`, `DOMU_MEM[${i}]=128`]),
  'UBOOT_SOURCE="boot.source"', 'UBOOT_SCRIPT="boot.scr"', '',
].join('\n');

test('uboot-script route against libfdt: our boot.scr edits run through the real fdtput give the order predicted', (t) => {
  if (!needTools(t, ['fdtput', 'fdtget'], ['-h'])) return;
  inTempDir('hl-domid-', (dir) => {
    writeFileSync(join(dir, 'host.dtb'), virtDtb());
    dummyImage(join(dir, 'Image'), 0x20_0000);
    dummyImage(join(dir, 'xen'), 0x10_0000);
    dummyCpio(join(dir, 'r.cpio'), 0x1000);
    const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(CONFIG, join(dir, 'config'))));
    const build = buildUboot(plan, { dir, files: directorySource(dir) });
    const ref = join(dir, 'ref.dtb');
    copyFileSync(join(dir, 'host.dtb'), ref);
    for (const e of build.edits) execFileSync('fdtput', fdtputArguments(ref, e), { stdio: 'ignore' });
    const chosen = execFileSync('fdtget', ['-l', ref, '/chosen'], { encoding: 'utf8' }).split('\n').filter((n) => /^domU\d$/.test(n));
    assert.deepEqual(chosen, ['domU2', 'domU1', 'domU0'], 'libfdt puts each new node first');
    const xenOrder = new Map(chosen.map((n, k) => [n, k + 1]));
    const { model } = imageBuilderToModel(plan);
    const p = predictDomids(model, 'uboot-script');
    assert.deepEqual(pairs(p), [['dom0', 0], ...model.domains.filter((d) => !d.isDom0).map((d): [string, number | undefined] => [d.name, xenOrder.get(d.name)])]);
    assert.deepEqual(pairs(p), [['dom0', 0], ['domU0', 3], ['domU1', 2], ['domU2', 1]]);
  });
});

test('x86 with a released Xen: dom0 is 0, the others numbered in the order dom0 starts them with xl (xenstore first)', () => {
  const model = modelFile('examples/hyperlaunch-disaggregated.dts');
  const x86 = { ...model, target: { arch: 'x86_64' as const, xenVersion: '4.17' } };
  const p = predictDomids(x86, 'devicetree');
  // The hardware domain becomes dom0; xl then starts the xenstore domain before the control domain.
  assert.deepEqual(pairs(p), [['control', 2], ['hardware', 0], ['xenstore', 1]]);
  assert.equal(p[0]!.why, '`xl create` order from dom0 (x86 Xen builds dom0 alone) (Xen 4.17 ignores `domid = <1>`)');
  assert.deepEqual(pairs(predictDomids({ ...modelFile('examples/x86-dom0-two-guests.dts'), target: { arch: 'x86_64', xenVersion: '4.17' } }, 'devicetree')), [['dom0', 0], ['guest-pv', 1], ['guest-pvh', 2]]);
});
