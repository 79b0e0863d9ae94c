/**
 * Bad input never crashes: random text through the config reader, random
 * variable values through resolve and build — every failure is an FdtError
 * with an IB_ code (or the build succeeds).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import type { FileSource } from '../../src/artifacts/file-source.js';
import { buildUboot } from '../../src/artifacts/uboot-build.js';
import { FdtError } from '../../src/fdt/errors.js';
import { runDtc } from '../../src/fdt/dtc.js';

const typed = (e: unknown): boolean => e instanceof FdtError && /^[A-Z][A-Z0-9_]*$/.test(e.code);

const SHELLISH = fc.constantFrom(...'AB_=[]0123456789 \t\n"\'$`{}()#;&|<>\\,+-*/xX'.split(''), 'NUM_DOMUS', 'DOMU_KERNEL', '$((', '${');

test('random text: the config reader returns or throws a typed, located error', () => {
  fc.assert(fc.property(fc.array(SHELLISH, { maxLength: 60 }).map((a) => a.join('')), (text) => {
    try {
      parseShellConfig(text, 'cfg');
    } catch (e) {
      assert.ok(typed(e), String(e));
      assert.ok((e as FdtError).location?.startsWith('cfg:'), (e as FdtError).location);
    }
  }), { numRuns: 3000, seed: 20261126 });
});

const host = runDtc(new TextEncoder().encode('/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; chosen { }; cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; }; }; };'), { file: 'h.dts', outputFormat: 'dtb' }).output!;
const kernel = new Uint8Array(4096);
kernel.set([0x41, 0x52, 0x4d, 0x64], 56);
// A Map, not an object literal: a random file name such as `toString` must not find Object.prototype.
const FILES = new Map<string, Uint8Array>([['host.dtb', host], ['xen', kernel], ['k', kernel], ['r', new TextEncoder().encode('070701'.padEnd(512, '0'))], ['t', new TextEncoder().encode('echo\n')]]);
const files: FileSource = { size: (p) => (FILES.has(p) ? BigInt(FILES.get(p)!.length) : undefined), head: (p, n) => FILES.get(p)!.subarray(0, n), read: (p) => FILES.get(p)! };

const VALUE = fc.oneof(fc.constantFrom('', '0', '1', '2', '0x10', '-1', 'k', 'r', 't', 'host.dtb', 'missing', '4-7', '7-4', 'cpu@0', 'cpu@0 null', 'cpu@9',
  '0x40000000 0x1000000', '1 2 3', 'abc', '99999999999999999999', 'bootm', 'none', 'bootz', 'load mmc 0:1', 'tftpb'), fc.string({ maxLength: 8 }));
const NAME = fc.constantFrom('MEMORY_START', 'MEMORY_END', 'BOOT_CMD', 'XEN_CMD', 'DOM0_KERNEL', 'DOM0_RAMDISK', 'DOM0_MEM', 'DOM0_VCPUS', 'DOM0_CMD', 'DOM0_ROOTFS',
  'NUM_DOMUS', 'DOMU_KERNEL[0]', 'DOMU_RAMDISK[0]', 'DOMU_MEM[0]', 'DOMU_VCPUS[1]', 'DOMU_KERNEL[1]', 'DOMU_STATIC_MEM[0]', 'DOMU_COLORS[0]', 'DOMU_CPUPOOL[0]',
  'NUM_CPUPOOLS', 'CPUPOOL[0]', 'NUM_DT_OVERLAY', 'DT_OVERLAY[0]', 'BITSTREAM', 'APPEND_EXTRA_CMDS', 'LINUX', 'LINUX_RAMDISK', 'FDTEDIT', 'DOMU_NOBOOT[1]', 'DOMU_PASSTHROUGH_PATHS[0]');

test('random variable values: resolve and build succeed or fail with a typed error', () => {
  const quote = (v: string): string => `'${v.replace(/'/g, '')}'`;
  fc.assert(fc.property(fc.array(fc.tuple(NAME, VALUE), { maxLength: 12 }), fc.boolean(), (pairs, fit) => {
    const text = ['XEN=xen', 'DEVICE_TREE=host.dtb', 'LOAD_CMD=tftpb', 'UBOOT_SOURCE=b.source', 'UBOOT_SCRIPT=b.scr', 'MEMORY_END=0x80000000',
      ...pairs.map(([n, v]) => `${n}=${quote(v)}`)].join('\n');
    try {
      const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(text, 'cfg')), { fit });
      buildUboot(plan, { dir: '/b', files, naming: 'current' });
    } catch (e) {
      assert.ok(typed(e), `${String(e)}\n${text}`);
    }
  }), { numRuns: 1500, seed: 20261126 });
});
