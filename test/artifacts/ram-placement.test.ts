/** Modules laid out on a board's RAM around reserved and static ranges (src/artifacts/ram-placement.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeRanges, placeOnRam } from '../../src/artifacts/ram-placement.js';
import { readBootConfig } from '../../src/bindings/boot-config.js';
import { checkModel } from '../../src/check/engine.js';
import { hostFacts, withRam } from '../../src/check/host-facts.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { BootModel } from '../../src/model/boot-model.js';

const MiB = 0x100000n;

function tree(dts: string) {
  return runDtc(new TextEncoder().encode(`/dts-v1/;\n${dts}`), { file: 't.dts' }).tree!;
}

// Written for QEMU virt (RAM at 0x40000000): dom0 kernel + ramdisk, domU1 with a static bank, domU2 sharing dom0's kernel blob.
const CONFIG = tree(`/ { #address-cells = <2>; #size-cells = <2>; chosen { #address-cells = <2>; #size-cells = <2>;
  xen,xen-bootargs = "dom0_mem=256M";
  dom0-kernel@42000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x42000000 0x0 0x1000000>; };
  dom0-ramdisk@43000000 { compatible = "multiboot,ramdisk", "multiboot,module"; reg = <0x0 0x43000000 0x0 0x400000>; };
  domU1 { compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>; memory = <0x0 0x0>; cpus = <1>;
    xen,static-mem = <0x0 0x90000000 0x0 0x10000000>;
    kernel@44000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x44000000 0x0 0x1000000>; }; };
  domU2 { compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>; memory = <0x0 0x20000>; cpus = <1>;
    kernel@42000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x42000000 0x0 0x1000000>; }; }; }; };`);

function ranges(model: BootModel): Map<string, [bigint, bigint]> {
  const out = new Map<string, [bigint, bigint]>();
  for (const d of model.domains) for (const m of d.modules) if (m.location?.type === 'range') out.set(`${d.name}/${m.kind}`, [m.location.address, m.location.size]);
  return out;
}

test('freeRanges: banks minus holes, split where a hole falls inside', () => {
  assert.deepEqual(freeRanges([{ address: 0n, size: 100n }], [{ address: 10n, size: 10n }, { address: 90n, size: 50n }]), [{ address: 0n, size: 10n }, { address: 20n, size: 70n }]);
  assert.deepEqual(freeRanges([{ address: 0n, size: 10n }], [{ address: 0n, size: 10n }]), []);
});

test('a configuration for QEMU virt placed on a board with RAM at 0x80000000 and firmware reserved regions', () => {
  // 1 GiB at 0x80000000: TF-A's 2 MiB at the bottom, a /memreserve/ at 0x80a00000, OP-TEE's region at 0x84000000
  const board = tree(`/memreserve/ 0x80a00000 0x100000;\n/ { #address-cells = <2>; #size-cells = <2>;
    cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { device_type = "cpu"; reg = <0>; }; };
    memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x0 0x40000000>; };
    reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
      tfa@80000000 { reg = <0x0 0x80000000 0x0 0x200000>; no-map; };
      optee@84000000 { reg = <0x0 0x84000000 0x0 0x1000000>; no-map; }; }; };`);
  const config = readBootConfig(CONFIG);
  const host = hostFacts(board, 'board.dtb');
  const { model, unplaced } = placeOnRam(config, host);
  assert.deepEqual(unplaced, []);
  const at = ranges(model);
  // boot.scr's slots (0x80000000-0x80400000) skipped; 2 MiB grid; the kernel does not fit below the
  // memreserve at 0x80a00000 (6 MiB free), the ramdisk after it does (first fit)
  assert.deepEqual(at.get('dom0/kernel'), [0x80c00000n, 16n * MiB]);
  assert.deepEqual(at.get('dom0/ramdisk'), [0x80400000n, 4n * MiB]);
  assert.deepEqual(at.get('domU1/kernel'), [0x81c00000n, 16n * MiB]);
  // the blob domU2 shares with dom0 stays one module
  assert.deepEqual(at.get('domU2/kernel'), at.get('dom0/kernel'));
  // placed, the configuration checks clean against the board; unplaced, its modules are outside RAM
  assert.deepEqual(checkModel(model, { host: board, hostName: 'board.dtb' }).map((f) => f.ruleId).filter((id) => id.startsWith('mod-')), []);
  assert.ok(checkModel(config, { host: board, hostName: 'board.dtb' }).some((f) => f.ruleId === 'mod-outside-ram'));
  // the input model is not changed
  assert.equal(ranges(config).get('dom0/kernel')![0], 0x42000000n);
});

test('placement steps over reserved and static ranges, moves to the next bank, and says what does not fit', () => {
  const board = tree(`/ { #address-cells = <2>; #size-cells = <2>;
    cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { device_type = "cpu"; reg = <0>; }; }; };`);
  const config = readBootConfig(CONFIG);
  // bank 1 is taken by boot.scr's slots and a reserved region; bank 2 holds domU1's static memory at 0x90000000
  const host = withRam(hostFacts(board, 'b'), [{ address: 0x40000000n, size: 8n * MiB }, { address: 0x90000000n, size: 0x20000000n }]);
  host.reserved.push({ address: 0x40400000n, size: 4n * MiB, from: '/reserved-memory/fw', memreserve: false });
  const at = ranges(placeOnRam(config, host).model);
  assert.deepEqual(at.get('dom0/kernel'), [0xa0000000n, 16n * MiB]);
  const tiny = withRam(hostFacts(board, 'b'), [{ address: 0x40000000n, size: 24n * MiB }]);
  const r = placeOnRam(config, tiny);
  assert.deepEqual(r.unplaced.map((u) => u.path), ['/chosen/domU1/kernel@44000000']);
});
