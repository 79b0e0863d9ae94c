/**
 * The bundled examples: each compiles with the real dtc, reads into the
 * model written by hand in examples/expected/, and survives every round
 * trip — dom0less → model → dom0less gives the same tree, dom0less →
 * Hyperlaunch → dom0less loses nothing, Hyperlaunch → dom0less →
 * Hyperlaunch loses exactly what dom0less cannot say, each item by path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { convert, readBootConfig, readPartialDeviceTree } from '../../src/bindings/index.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { type BootModel, effectiveCapabilities } from '../../src/model/boot-model.js';
import { plainModel } from '../../src/model/plain.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { ALL_EXAMPLE_SOURCES, BOOT_EXAMPLES, DOM0LESS_EXAMPLES, HYPERLAUNCH_EXAMPLES, examplePath, expectedFor, expectedView } from './examples-support.js';
import { semantic } from './support.js';

const dtcMissing = toolMissing('dtc');

function compile(name: string): { tree: DeviceTree; dtb: Uint8Array } {
  const file = examplePath(name);
  const r = runDtc(readFileSync(file), { file });
  assert.equal(r.exitCode, 0, r.messages.join('\n'));
  return { tree: r.tree!, dtb: r.output! };
}

const view = (m: BootModel): unknown => expectedView(plainModel(m));

for (const name of ALL_EXAMPLE_SOURCES) {
  test(`${name}: the real dtc compiles it without errors or warnings, to our bytes`, (t) => {
    if (dtcMissing) return skipNotice(t, dtcMissing);
    const r = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', '-', examplePath(name)]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stderr.toString(), '');
    assert.deepEqual(Buffer.from(compile(name).dtb), r.stdout);
  });
}

for (const name of BOOT_EXAMPLES) {
  test(`${name}: reads into the expected model, from DTS and from DTB`, () => {
    const { tree, dtb } = compile(name);
    const expected = expectedFor(name);
    assert.deepEqual(view(readBootConfig(tree)), expected);
    assert.deepEqual(view(readBootConfig(readDtb(dtb))), expected);
  });
}

test('passthrough-partial.dts: reads into the expected partial device tree', () => {
  const partial = readPartialDeviceTree(compile('passthrough-partial.dts').tree);
  const plain = JSON.parse(JSON.stringify(partial, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
  assert.deepEqual(plain, expectedFor('passthrough-partial.dts'));
});

for (const name of BOOT_EXAMPLES) {
  test(`${name}: model → same interface gives the same tree (DTS text and DTB bytes)`, () => {
    const { tree, dtb } = compile(name);
    const model = readBootConfig(tree);
    const again = convert(model, model.interface);
    assert.deepEqual(again.losses, []);
    // The design form is written back in the 2025 form (the default), so only its meaning is kept.
    if (model.hyperlaunchForm === 'design') {
      assert.deepEqual(semantic(readBootConfig(again.tree)), semantic(model));
      return;
    }
    assert.equal(printDts(again.tree), printDts(tree));
    assert.deepEqual(writeDtb(again.tree), dtb);
  });
}

for (const name of DOM0LESS_EXAMPLES) {
  test(`${name}: dom0less → Hyperlaunch → dom0less loses nothing`, () => {
    const { tree } = compile(name);
    const model = readBootConfig(tree);
    const there = convert(model, 'hyperlaunch');
    assert.deepEqual(there.losses, []);
    const hl = readBootConfig(readDtb(writeDtb(there.tree)));
    assert.equal(hl.interface, 'hyperlaunch');
    const back = convert(hl, 'dom0less');
    assert.deepEqual(back.losses, []);
    // Legacy compatibles (xen,linux-zimage) come back as their current names: same meaning.
    const meaning = (m: BootModel) => expectedView(plainModel(m), ['compatible']);
    assert.deepEqual(meaning(readBootConfig(back.tree)), meaning(model));
  });

  test(`${name}: Hyperlaunch → dom0less → Hyperlaunch (from its Hyperlaunch form) is lossless`, () => {
    const hlTree = convert(readBootConfig(compile(name).tree), 'hyperlaunch').tree;
    const hl = readBootConfig(readDtb(writeDtb(hlTree)));
    const d = convert(hl, 'dom0less');
    assert.deepEqual(d.losses, []);
    const again = convert(readBootConfig(readDtb(writeDtb(d.tree))), 'hyperlaunch');
    assert.deepEqual(again.losses, []);
    assert.deepEqual(view(readBootConfig(again.tree)), view(hl));
  });
}

/** What dom0less cannot say, per x86 Hyperlaunch example (reference §1 vs §2): written from the sources. */
const HL_TO_DOM0LESS_LOSSES: Record<string, string[]> = {
  'hyperlaunch-x86-dom0.dts': [
    '/chosen/hypervisor/dom0:functions',
    '/chosen/hypervisor/dom0:mode',
    '/chosen/hypervisor/dom0:domain-uuid',
    '/chosen/hypervisor/dom0:security-id',
    '/chosen/hypervisor/dom0:memory',
    '/chosen/hypervisor/dom0:cpus',
    '/chosen/hypervisor/dom0/kernel:mb-index',
    '/chosen/hypervisor/dom0/initrd:mb-index',
    '/chosen/hypervisor/config/microcode:mb-index',
    '/chosen/hypervisor/config/policy:mb-index',
  ],
  'hyperlaunch-disaggregated.dts': [
    '/chosen/hypervisor/control:mode',
    '/chosen/hypervisor/control/kernel:module-index',
    '/chosen/hypervisor/hardware:mode',
    '/chosen/hypervisor/hardware/kernel:module-index',
    '/chosen/hypervisor/hardware/ramdisk:module-index',
    '/chosen/hypervisor/xenstore:mode',
    '/chosen/hypervisor/xenstore/kernel:module-index',
  ],
  'x86-dom0-two-guests.dts': [
    '/chosen/hypervisor/dom0:mode',
    '/chosen/hypervisor/dom0:memory',
    '/chosen/hypervisor/dom0:cpus',
    '/chosen/hypervisor/dom0/kernel:module-index',
    '/chosen/hypervisor/dom0/ramdisk:module-index',
    '/chosen/hypervisor/guest-pv:mode',
    '/chosen/hypervisor/guest-pv/kernel:module-index',
    '/chosen/hypervisor/guest-pv/ramdisk:module-index',
    '/chosen/hypervisor/guest-pvh:mode',
    '/chosen/hypervisor/guest-pvh/kernel:module-index',
    '/chosen/hypervisor/guest-pvh/ramdisk:module-index',
  ],
};

for (const name of HYPERLAUNCH_EXAMPLES) {
  test(`${name}: Hyperlaunch → dom0less lists each dropped item by path; the rest comes back`, () => {
    const model = readBootConfig(compile(name).tree);
    const d = convert(model, 'dom0less');
    assert.deepEqual(d.losses.map((l) => l.path), HL_TO_DOM0LESS_LOSSES[name]);
    assert.ok(d.losses.every((l) => l.to === 'dom0less' && l.position?.file === examplePath(name)), 'each loss has its source position');
    const back = readBootConfig(convert(readBootConfig(d.tree), 'hyperlaunch').tree);
    // What survives: the domains, their roles, and (domUs only: dom0 has no node in dom0less) memory and vCPUs.
    const kept = (m: BootModel) => m.domains.map((x) => [x.name, x.isDom0, effectiveCapabilities(x), x.isDom0 ? undefined : x.memoryKiB, x.isDom0 ? undefined : x.vcpus, x.modules.map((mod) => [mod.kind, mod.bootargs])]);
    assert.deepEqual(kept(back), kept(model));
  });
}
