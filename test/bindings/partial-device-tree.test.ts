import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDom0less, readPartialDeviceTree } from '../../src/bindings/index.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { BootConfigError } from '../../src/model/errors.js';
import { dts, parsed } from './support.js';

test('partial device tree: xen,reg mappings, xen,path, force without IOMMU', () => {
  assert.deepEqual(readPartialDeviceTree(parsed('partial-passthrough.dts')), {
    devices: [
      { path: '/passthrough/ethernet@ff0e0000', mappings: [{ hostAddress: 0xff0e0000n, size: 0x1000n, guestAddress: 0xff0e0000n }], forceWithoutIommu: false, hostPath: '/amba/ethernet@ff0e0000' },
      { path: '/passthrough/timer@2000', mappings: [{ hostAddress: 0x2000n, size: 0x1000n, guestAddress: 0x3000n }], forceWithoutIommu: true },
    ],
  });
});

test('partial device tree: what only some releases refuse is kept as a fault beside the device, for the checker to judge by target', () => {
  const t = dts('/dts-v1/;\n/ { passthrough { #address-cells = <1>; #size-cells = <1>; dev { xen,reg = <0x1000 0x1000 0x1000>; }; }; };', 'p.dts');
  const p = readPartialDeviceTree(t);
  assert.deepEqual(p.devices, [{ path: '/passthrough/dev', mappings: [{ hostAddress: 0x1000n, size: 0x1000n, guestAddress: 0x1000n }], forceWithoutIommu: false }]);
  assert.deepEqual(p.faults?.map((f) => [f.code, f.nodePath, f.property]), [['PDT_REG_WITHOUT_PATH', '/passthrough/dev', 'xen,reg']]);
  const three = readPartialDeviceTree(dts('/dts-v1/;\n/ { passthrough { #address-cells = <3>; #size-cells = <1>; dev { xen,path = "/x"; xen,reg = <0 0 0 0>; }; }; };'));
  assert.deepEqual(three.devices, [{ path: '/passthrough/dev', mappings: [], forceWithoutIommu: false, hostPath: '/x' }]);
  assert.deepEqual(three.faults?.map((f) => [f.code, f.nodePath, f.property]), [['PDT_CELLS', '/passthrough', '#address-cells']]);
  const partialEntry = readPartialDeviceTree(dts('/dts-v1/;\n/ { passthrough { #address-cells = <1>; #size-cells = <1>; dev { xen,path = "/x"; xen,reg = <0 0>; }; }; };'));
  assert.deepEqual(partialEntry.faults?.map((f) => f.code), ['PDT_XEN_REG']);
  // A clean partial has no faults at all (show --json prints it as before).
  assert.equal('faults' in readPartialDeviceTree(parsed('partial-passthrough.dts')), false);
});

test('partial device tree: a xen,path that is not a string is still refused (no release reads it)', () => {
  const t = dts('/dts-v1/;\n/ { passthrough { #address-cells = <1>; #size-cells = <1>; dev { xen,path = [41 42]; xen,reg = <0x1000 0x1000 0x1000>; }; }; };');
  assert.throws(() => readPartialDeviceTree(t), (e: unknown) => e instanceof BootConfigError && e.code === 'PROP_NOT_STRING');
});

test('errors on a DTB (no source positions) name the input file', () => {
  const t = dts('/dts-v1/;\n/ { chosen { domU1 { compatible = "xen,domain"; memory = <1024>; }; }; };');
  const blob = readDtb(writeDtb(t));
  try {
    readDom0less(blob, { file: 'board.dtb' });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof BootConfigError);
    assert.equal(e.code, 'PROP_NOT_U64');
    assert.equal(e.location, 'board.dtb: /chosen/domU1:memory');
    assert.equal(e.toJSON().file, 'board.dtb');
  }
});
