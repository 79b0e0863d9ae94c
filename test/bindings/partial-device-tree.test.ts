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

test('partial device tree: xen,reg without xen,path is refused as Xen does', () => {
  const t = dts('/dts-v1/;\n/ { passthrough { #address-cells = <1>; #size-cells = <1>; dev { xen,reg = <0x1000 0x1000 0x1000>; }; }; };', 'p.dts');
  assert.throws(() => readPartialDeviceTree(t), (e: unknown) => e instanceof BootConfigError && e.code === 'PDT_REG_WITHOUT_PATH' && e.path === '/passthrough/dev:xen,reg');
  const three = dts('/dts-v1/;\n/ { passthrough { #address-cells = <3>; #size-cells = <1>; dev { xen,path = "/x"; xen,reg = <0 0 0 0>; }; }; };');
  assert.throws(() => readPartialDeviceTree(three), (e: unknown) => e instanceof BootConfigError && e.code === 'PDT_CELLS');
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
