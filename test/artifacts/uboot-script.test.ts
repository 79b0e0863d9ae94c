/**
 * uboot-script-gen behaviours the goldens do not cover, with expectations
 * written by hand from the reference (imagebuilder.md §2–§3): true dom0less
 * command line, static memory, colors, cpupools, NOBOOT/ROOTFS domUs,
 * BOOT_CMD variants, APPEND_EXTRA_CMDS, bootm's uImage, reserved memory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import type { FileSource } from '../../src/artifacts/file-source.js';
import { type UbootBuild, buildUboot } from '../../src/artifacts/uboot-build.js';
import { FdtError } from '../../src/fdt/errors.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';

function image(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0x41, 0x52, 0x4d, 0x64], 56);
  return b;
}

function cpio(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(new TextEncoder().encode('070701'));
  return b;
}

const HOST_DTS = `/dts-v1/;
/ { #address-cells = <2>; #size-cells = <2>;
  chosen { };
  cpus { #address-cells = <1>; #size-cells = <0>;
    cpu@0 { device_type = "cpu"; reg = <0>; };
    cpu@1 { device_type = "cpu"; reg = <1>; };
    cpu@3 { device_type = "cpu"; reg = <3>; phandle = <0x8>; };
  };
  memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x80000000>; };
  reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
    fw@40500000 { reg = <0x0 0x40500000 0x0 0x100000>; };
  };
  serial@9000000 { reg = <0x0 0x9000000 0x0 0x1000>; };
};`;

function hostDtb(dts = HOST_DTS): Uint8Array {
  const r = runDtc(new TextEncoder().encode(dts), { file: 'host.dts', outputFormat: 'dtb' });
  assert.ok(r.output, r.error?.message);
  return r.output;
}

function memory(files: Record<string, Uint8Array>): FileSource {
  return {
    size: (p) => (files[p] ? BigInt(files[p].length) : undefined),
    head: (p, n) => files[p]!.subarray(0, n),
    read: (p) => files[p]!,
  };
}

const BASE = 'MEMORY_START=0x40000000\nMEMORY_END=0xC0000000\nDEVICE_TREE=host.dtb\nXEN=xen\nUBOOT_SOURCE=boot.source\nUBOOT_SCRIPT=boot.scr\nLOAD_CMD=tftpb\n';

function files(extra: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  return { 'host.dtb': hostDtb(), xen: image(950000), Image: image(3000000), 'rd.cpio': cpio(100000), ...extra };
}

function build(config: string, f = files(), opts: { avoidReserved?: boolean } = {}): UbootBuild {
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(BASE + config, 'config')));
  return buildUboot(plan, { dir: '/build', files: memory(f), naming: 'imagebuilder-2023', ...opts });
}

const lines = (b: UbootBuild): string[] => b.source.trimEnd().split('\n');

test('true dom0less: dom0* words emptied in the default XEN_CMD, enhanced off by default, notice printed', () => {
  const b = build('NUM_DOMUS=1\nDOMU_KERNEL[0]=Image\n');
  // bash `params=($XEN_CMD)` drops the empty trailing words, "${params[@]/dom0*/}" keeps the emptied ones
  assert.ok(lines(b).includes('fdt set /chosen xen,xen-bootargs "console=dtuart dtuart=serial0   bootscrub=0 vwfi=native sched=null"'));
  assert.ok(!b.source.includes('xen,enhanced'));
  assert.ok(!b.source.includes('dom0'));
  assert.equal(b.stdout[0], 'Dom0 kernel is not specified, continue with true dom0less setup.');
});

test('static memory, direct map, colors, viommu, enhanced and DOMU_VUART_PL011', () => {
  const b = build([
    'DOM0_KERNEL=Image', 'NUM_DOMUS=1', 'DOMU_KERNEL[0]=Image', 'DOMU_MEM[0]=256',
    'DOMU_STATIC_MEM[0]="0x50000000 0x20000000 0x100000000 0x10000000"', 'DOMU_COLORS[0]=4-7', 'DOMU_VIOMMU[0]=1',
    'DOMU_VUART_PL011=1', 'DOMU_ENHANCED[0]=0', '',
  ].join('\n'));
  const l = lines(b);
  const at = l.indexOf('fdt mknod /chosen domU0');
  assert.deepEqual(l.slice(at + 1, at + 11), [
    'fdt set /chosen/domU0 compatible "xen,domain"',
    'fdt set /chosen/domU0 \\#address-cells <0x2>',
    'fdt set /chosen/domU0 \\#size-cells <0x2>',
    // 0x20000000 + 0x10000000 bytes = 786432 KiB
    'fdt set /chosen/domU0 memory <0 786432>',
    'fdt set /chosen/domU0 cpus <1>',
    'fdt set /chosen/domU0 xen,static-mem <0x0 0x50000000 0x0 0x20000000 0x1 0x0 0x0 0x10000000>',
    'fdt set /chosen/domU0 direct-map',
    'fdt set /chosen/domU0 vpl011 "pl011"',
    'fdt set /chosen/domU0 viommu',
    'fdt set /chosen/domU0 colors <0xf0>',
  ]);
  assert.ok(b.stdout.includes('/chosen/domU0: specified DOMU_MEM does not match DOMU_STATIC_MEM amount. Ignoring DOMU_MEM.'));
});

test('cpupools: an existing phandle is reused bare, new ones count down from 0xfffffffe', () => {
  const b = build('DOM0_KERNEL=Image\nNUM_DOMUS=1\nDOMU_KERNEL[0]=Image\nDOMU_CPUPOOL[0]=0\nNUM_CPUPOOLS=1\nCPUPOOL[0]="cpu@1,cpu@3 null"\n');
  const l = lines(b);
  const at = l.indexOf('fdt set /cpus/cpu@1 phandle <0xfffffffe>');
  assert.ok(at > 0);
  assert.deepEqual(l.slice(at + 1, at + 8), [
    'fdt set /cpus/cpu@3 phandle <8>',
    'fdt mknod /chosen cpupool_0',
    'fdt set /chosen/cpupool_0 phandle <0xfffffffd>',
    'fdt set /chosen/cpupool_0 compatible "xen,cpupool"',
    'fdt set /chosen/cpupool_0 cpupool-cpus < 0xfffffffe 8>',
    'fdt set /chosen/cpupool_0 cpupool-sched "null"',
    'fdt set /chosen/domU0 domain-cpupool <0xfffffffd>',
  ]);
  assert.throws(() => build('DOM0_KERNEL=Image\nNUM_CPUPOOLS=1\nCPUPOOL[0]="cpu@7"\n'), /^FdtError: \/cpus\/cpu@7 does not exist$/);
  assert.throws(() => build('DOM0_KERNEL=Image\nNUM_CPUPOOLS=2\nCPUPOOL[0]="cpu@1"\nCPUPOOL[1]="cpu@1"\n'), /already assigned to another cpupool/);
});

test('NOBOOT keeps the passthrough marks but loads nothing; ROOTFS is skipped with the message', () => {
  const b = build('DOM0_KERNEL=Image\nNUM_DOMUS=2\nDOMU_KERNEL[0]=Image\nDOMU_NOBOOT[0]=1\nDOMU_PASSTHROUGH_PATHS[0]="/serial@9000000"\nDOMU_ROOTFS[1]=r.ext4\n');
  assert.ok(lines(b).includes('fdt set /serial@9000000 xen,passthrough '));
  assert.ok(!b.source.includes('domU'));
  assert.equal(b.images.length, 3);
  assert.ok(b.stdout.includes('Skipping DomU[1]: cannot handle non-ramdisk rootfs for dom0less VMs.'));
});

test('BOOT_CMD none / bootefi / prefix-regex quirk; APPEND_EXTRA_CMDS before the boot line', () => {
  const extra = new TextEncoder().encode('echo hello\nsetenv x 1\n');
  const none = build('DOM0_KERNEL=Image\nBOOT_CMD=none\nAPPEND_EXTRA_CMDS=extra.txt\n', files({ 'extra.txt': extra }));
  assert.deepEqual(lines(none).slice(-5), ['setenv fdt_high 0xffffffffffffffff', 'echo hello', 'setenv x 1', 'setenv host_kernel_addr 0x40800000', 'setenv host_fdt_addr 0x40A00000']);
  assert.equal(lines(build('DOM0_KERNEL=Image\nBOOT_CMD=bootefi\n')).at(-1), 'bootefi 0x40800000 - 0x40A00000');
  // 2023.2 matches " ${BOOT_CMD}" inside " bootm booti bootefi none ": a prefix passes
  assert.equal(lines(build('DOM0_KERNEL=Image\nBOOT_CMD=boot\n')).at(-1), 'boot 0x40800000 - 0x40A00000');
  assert.throws(() => build('DOM0_KERNEL=Image\nAPPEND_EXTRA_CMDS=Image\n'), /Wrong file type Image\. It should be ASCII text, exiting\./);
});

test('file types: gzip cpio is a ramdisk, a text file is not a kernel', () => {
  const gz = gzipSync(cpio(5000));
  const b = build('DOM0_KERNEL=Image\nDOM0_RAMDISK=rd.cpio.gz\n', files({ 'rd.cpio.gz': gz }));
  assert.ok(lines(b).includes(`fdt set /chosen/dom0-ramdisk reg <0x0 0x40800000 0x0 0x${gz.length.toString(16).toUpperCase()} >`));
  assert.throws(() => build('DOM0_KERNEL=notes\n', files({ notes: new TextEncoder().encode('just text\n') })), (e: unknown) =>
    e instanceof FdtError && e.message === 'Wrong file type notes. It should be executable\\|data\\|ARM OpenFirmware, exiting.');
});

test('--avoid-reserved: an image that would overlap /reserved-memory moves past it', () => {
  // Image at 0x40400000 spans 3000000 bytes, over fw@40500000 [0x40500000, 0x40600000)
  const plain = build('DOM0_KERNEL=Image\n');
  assert.equal(plain.images[0]!.address, 0x40400000n);
  const moved = build('DOM0_KERNEL=Image\n', files(), { avoidReserved: true });
  // (0x40600000 + 2 MiB) & ~(2 MiB - 1) = 0x40800000
  assert.equal(moved.images[0]!.address, 0x40800000n);
  assert.equal(moved.images[1]!.address, 0x40C00000n);
  // a /memreserve/ entry counts too: [0x40800000, +0x1000) pushes the kernel on to 0x40A00000
  const withRsv = files({ 'host.dtb': hostDtb(HOST_DTS.replace('/dts-v1/;', '/dts-v1/;\n/memreserve/ 0x40800000 0x1000;')) });
  assert.equal(build('DOM0_KERNEL=Image\n', withRsv, { avoidReserved: true }).images[0]!.address, 0x40A00000n);
});

test('bootm: Xen wrapped as a legacy kernel uImage, identical to mkimage -A arm -T kernel', (t) => {
  const b = build('DOM0_KERNEL=Image\nBOOT_CMD=bootm\n');
  const ub = b.outputs.find((o) => o.path === 'xen.ub')!;
  assert.equal(ub.data.length, 950000 + 64);
  assert.ok(lines(b).includes('tftpb 0x40800000 xen.ub'));
  assert.equal(lines(b).at(-1), 'bootm 0x40800000 - 0x40A00000');
  const missing = toolMissing('mkimage', ['-V']);
  if (missing) return skipNotice(t, missing);
  const dir = mkdtempSync(join(tmpdir(), 'hl-bootm-'));
  try {
    writeFileSync(join(dir, 'xen'), image(950000));
    execFileSync('mkimage', ['-A', 'arm', '-T', 'kernel', '-C', 'none', '-a', '0x40800000', '-e', '0x40800000', '-d', join(dir, 'xen'), join(dir, 'ref.ub')], {
      env: { ...process.env, SOURCE_DATE_EPOCH: '0' }, stdio: 'ignore',
    });
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'ref.ub'))), ub.data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Linux-mode FIT: host_ramdisk in the config, FPGA node, no loadables (create_its_file, 2023.2)', () => {
  const bit = new Uint8Array(5000);
  bit.set([0x00, 0x09, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, 0x00, 0x01, 0x61]);
  const cfg = 'MEMORY_START=0x0\nMEMORY_END=0x80000000\nDEVICE_TREE=host.dtb\nLINUX=Image\nLINUX_RAMDISK=rd.cpio\nBITSTREAM=d.bit\nUBOOT_SOURCE=boot.source\nUBOOT_SCRIPT=boot.scr\nLOAD_CMD=tftpb\n';
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(cfg, 'config')), { fit: true });
  const b = buildUboot(plan, { dir: '/build', files: memory(files({ 'd.bit': bit })), naming: 'imagebuilder-2023' });
  const its = new TextDecoder().decode(b.outputs.find((o) => o.path === 'boot.its')!.data);
  // Image 0xE00000, rd.cpio 0x1200000, host-fit.dtb 0x1400000, d.bit 0x1600000
  assert.ok(its.includes([
    '        fpga_bitstream {',
    '            description = "FPGA bit stream";',
    '            data = /incbin/("d.bit");',
    '            type = "fpga";',
    '            arch = "arm64";',
    '            compression = "none";',
    '            compatible = "u-boot,fpga-legacy";',
    '            load = <0x1600000>;',
  ].join('\n')));
  assert.ok(its.includes('            description = "linux fdt";'));
  assert.ok(its.endsWith([
    '            description = "Imagebuilder linux";',
    '            kernel = "host_kernel";',
    '            fdt = "host_fdt";',
    '            ramdisk = "host_ramdisk";',
    '            fpga = "fpga_bitstream";',
    '            ',
    '        };',
    '    };',
    '};',
    '',
  ].join('\n')));
  assert.deepEqual(lines(b).slice(0, 6), [
    'fit_addr=$fileaddr', 'imxtract $fit_addr host_kernel 0xE00000', 'imxtract $fit_addr host_ramdisk 0x1200000',
    'imxtract $fit_addr host_fdt 0x1400000', 'imxtract $fit_addr fpga_bitstream 0x1600000', 'fpga load 0 0x1600000 5000',
  ]);
});

test('DOMU_CAPS (after 2023.2): capabilities in the current style, ignored in the 2023.2 style', () => {
  const cfg = 'DOM0_KERNEL=Image\nNUM_DOMUS=2\nDOMU_KERNEL[0]=Image\nDOMU_CAPS[0]="control|xenstore"\nDOMU_KERNEL[1]=Image\nDOMU_CAPS[1]=2\n';
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(BASE + cfg, 'config')));
  const current = buildUboot(plan, { dir: '/build', files: memory(files()), naming: 'current' }).source.split('\n');
  assert.ok(current.includes('fdt set /chosen/domU0 capabilities <5>'));
  assert.ok(current.includes('fdt set /chosen/domU1 capabilities <2>'));
  assert.ok(!build(cfg).source.includes('capabilities'));
  assert.throws(() => build('DOM0_KERNEL=Image\nNUM_DOMUS=1\nDOMU_KERNEL[0]=Image\nDOMU_CAPS[0]=root\n'), /^FdtError: DOMU_CAPS\[0\]="root" is not valid$/);
});

test('a missing DOMU_KERNEL[i] is found at its turn in the loading, after the dom0 files (as the script does)', () => {
  assert.throws(() => build('DOM0_KERNEL=gone\nNUM_DOMUS=1\n'), /^FdtError: File gone doesn't exist, exiting$/);
  assert.throws(() => build('DOM0_KERNEL=Image\nNUM_DOMUS=1\n'), /^FdtError: DOMU_KERNEL\[0\] is not defined$/);
});

// Found by the fuzzer (test/fuzz/regressions/imagebuilder-fit-bootm-xen-ub.json)
test('FIT with bootm: the FIT carries the xen.ub uImage built in memory; it is not read as an input file', () => {
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(`${BASE}BOOT_CMD=bootm\nDOM0_KERNEL=Image\n`, 'config')), { fit: true });
  const b = buildUboot(plan, { dir: '/build', files: memory(files()), naming: 'current' });
  const ub = b.outputs.find((o) => o.path === 'xen.ub')!.data;
  const fit = b.outputs.find((o) => o.path === plan.fit!.file)!.data;
  assert.ok(Buffer.from(fit).indexOf(Buffer.from(ub)) > 0, 'the FIT holds the uImage bytes');
  assert.ok(!b.inputs.includes('xen.ub'));
});

// Found by the fuzzer (test/fuzz/regressions/imagebuilder-colors-huge-range.json): the mask was built one color at a time
test('DOMU_COLORS beyond color 63 is IB_BAD_COLORS at once; an empty range is no color', () => {
  const colors = (range: string) => () => build(`DOM0_KERNEL=Image\nNUM_DOMUS=1\nDOMU_KERNEL[0]=Image\nDOMU_COLORS[0]=${range}\n`);
  const start = performance.now();
  assert.throws(colors('6-799999999999999999999'), (e: unknown) => e instanceof FdtError && e.code === 'IB_BAD_COLORS' && /DOMU_COLORS\[0\]/.test(e.message) && e.hint !== undefined);
  assert.ok(performance.now() - start < 1000);
  assert.throws(colors('0-64'), (e: unknown) => e instanceof FdtError && e.code === 'IB_BAD_COLORS');
  assert.ok(lines(colors('0-63')()).includes('fdt set /chosen/domU0 colors <0xffffffffffffffff>'));
  assert.ok(lines(colors('60-63')()).includes('fdt set /chosen/domU0 colors <0xf000000000000000>'));
});

test('an input file that cannot be read is IB_FILE naming the file, not the file system\'s error', () => {
  const f = files();
  const source = memory(f);
  const unreadable = { ...source, read: (p: string) => (p === 'Image' ? (() => { throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' }); })() : source.read(p)) };
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(`${BASE}DOM0_KERNEL=Image\nBOOT_CMD=bootm\n`, 'config')), { fit: true });
  assert.throws(() => buildUboot(plan, { dir: '/build', files: unreadable }), (e: unknown) => e instanceof FdtError && e.code === 'IB_FILE' && e.message.includes('Image') && e.message.includes('EACCES') && e.hint !== undefined);
});
