/**
 * `hyperlaunch build` end to end: ImageBuilder's stdout and files from a
 * config, refusals (checks, outputs over inputs, bad input) with their exit
 * codes, and the dom0less / Hyperlaunch devicetree inputs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { Node, Property, getNodeByPath } from '../../src/fdt/tree/livetree.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { removedAfter } from '../support/temp-dir.js';
import { skipNotice } from '../support/skip.js';
import { compileDts, dummyCpio, dummyImage, goldenDir, haveGolden, makeGoldenInputs } from './golden-inputs.js';

const cli = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [cliPath, 'build', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const case01 = join(goldenDir, '01-dom0-2domus-tftp');

/**
 * ImageBuilder's golden host.dts is a sketch (CPUs, RAM, a UART): build's
 * check gate refuses it as a board Xen cannot start on (no GIC, no timer).
 * What QEMU virt has makes it one: a GICv3 with its maintenance interrupt,
 * the generic timer, PSCI by SMC for the secondary CPUs.
 */
function makeXenBoard(dtbPath: string): void {
  const tree = readDtb(readFileSync(dtbPath));
  const gic = tree.root.addChild(new Node('interrupt-controller@8000000'));
  gic.addProperty(new Property('compatible', PropertyValue.fromString('arm,gic-v3')));
  gic.addProperty(new Property('interrupt-controller', new PropertyValue(new Uint8Array(0))));
  gic.addProperty(new Property('#interrupt-cells', PropertyValue.fromCells([3])));
  gic.addProperty(new Property('reg', PropertyValue.fromCells([0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0xf60000])));
  gic.addProperty(new Property('interrupts', PropertyValue.fromCells([1, 9, 4])));
  const timer = tree.root.addChild(new Node('timer'));
  timer.addProperty(new Property('compatible', PropertyValue.fromString('arm,armv8-timer')));
  const psci = tree.root.addChild(new Node('psci'));
  psci.addProperty(new Property('compatible', PropertyValue.fromString('arm,psci-1.0')));
  psci.addProperty(new Property('method', PropertyValue.fromString('smc')));
  for (const cpu of getNodeByPath(tree.root, '/cpus')!.liveChildren()) cpu.addProperty(new Property('enable-method', PropertyValue.fromString('psci')));
  writeFileSync(dtbPath, writeDtb(tree));
}

function withDir(fn: (dir: string) => void, inputs = '01-dom0-2domus-tftp'): void {
  removedAfter(makeGoldenInputs(inputs, ['host-fit.dtb']), (dir) => {
    if (existsSync(join(dir, 'host.dtb'))) makeXenBoard(join(dir, 'host.dtb'));
    fn(dir);
  });
}

test('golden 01 through the CLI: the check engine refuses (RAM starts at 0x40000000), --force builds the golden bytes', (t) => {
  if (!haveGolden(t)) return;
  withDir((dir) => {
    copyFileSync(join(case01, 'config'), join(dir, 'config'));
    const refused = cli(dir, '-c', 'config', '-d', '.', '-t', 'tftp', '--compat', 'imagebuilder-2023');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error\[mod-outside-ram\]/);
    assert.equal(existsSync(join(dir, 'boot.source')), false);
    const r = cli(dir, '-c', 'config', '-d', '.', '-t', 'tftp', '--compat', 'imagebuilder-2023', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Generated uboot script boot.scr, to be loaded at address 0xC00000:\ntftpb 0xC00000 boot.scr; source 0xC00000\n');
    assert.deepEqual(readFileSync(join(dir, 'boot.source')), readFileSync(join(case01, 'boot.source')));
    assert.equal(readFileSync(join(dir, 'boot.scr')).length, 64 + 8 + 2566);
  });
});

test('a config inside RAM builds without --force; -p prefixes the load paths; --dry-run writes nothing', (t) => {
  if (!haveGolden(t)) return;
  withDir((dir) => {
    const cfg = readFileSync(join(case01, 'config'), 'utf8').replace('MEMORY_START="0x0"', 'MEMORY_START="0x40000000"').replace('MEMORY_END="0x80000000"', 'MEMORY_END="0xC0000000"');
    writeFileSync(join(dir, 'config'), cfg);
    const dry = cli(dir, '-c', 'config', '-d', '.', '-t', 'sd', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^address +end +size +image +file\n0x40200000 +script +boot\.scr\n0x40400000 +0x41712D00 +20000000 +dom0-kernel +Image-dom0\n/);
    assert.match(dry.stdout, /\nload mmc 0:1 0x40400000 Image-dom0\n/);
    assert.equal(existsSync(join(dir, 'boot.source')), false);
    const r = cli(dir, '-c', 'config', '-d', '.', '-t', 'sd', '-p', '/boot');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Generated uboot script boot.scr, to be loaded at address 0x40200000:\nload mmc 0:1 0x40200000 /boot/boot.scr; source 0x40200000\n');
    const src = readFileSync(join(dir, 'boot.source'), 'utf8');
    assert.match(src, /^load mmc 0:1 0x40400000 \/boot\/Image-dom0\n/);
    assert.match(src, /\nfdt mknod \/chosen dom0@40400000\n/);
  });
});

test('refusals: unsupported shell (exit 1, located), output over an input, usage errors (exit 2)', (t) => {
  if (!haveGolden(t)) return;
  withDir((dir) => {
    writeFileSync(join(dir, 'bad'), 'XEN="xen"\nDOM0_KERNEL=$(touch pwned)\n');
    const r = cli(dir, '-c', 'bad', '-d', '.', '-t', 'tftp');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bad:2:13: error\[IB_UNSUPPORTED_SHELL\]: unsupported shell construct: command substitution/);
    assert.equal(existsSync(join(dir, 'pwned')), false);
    const over = readFileSync(join(case01, 'config'), 'utf8').replace('UBOOT_SCRIPT="boot.scr"', 'UBOOT_SCRIPT="xen"');
    writeFileSync(join(dir, 'over'), over);
    const size = readFileSync(join(dir, 'xen')).length;
    const o = cli(dir, '-c', 'over', '-d', '.', '-t', 'tftp', '--force');
    assert.equal(o.code, 1);
    assert.match(o.stderr, /refusing to overwrite input file/);
    assert.equal(readFileSync(join(dir, 'xen')).length, size);
    assert.equal(existsSync(join(dir, 'boot.source')), false);
    assert.equal(cli(dir, '-d', '.').code, 2);
    assert.equal(cli(dir, '-c', 'over').code, 2);
    assert.equal(cli(dir, '-c', 'over', '-d', '.', '--compat', 'x').code, 2);
  });
});

function dtInputs(dir: string): void {
  writeFileSync(join(dir, 'host.dtb'), compileDts(join(case01, 'host.dts')));
  makeXenBoard(join(dir, 'host.dtb'));
  dummyImage(join(dir, 'xen'), 950000);
  for (const n of ['k0', 'k1', 'k2']) dummyImage(join(dir, n), 3000000);
  for (const n of ['r0', 'r1', 'r2']) dummyCpio(join(dir, n), 1000000);
}

test('dom0less DTS input (examples/qemu-dom0less.dts): same layout and script form, and a final DTB', (t) => {
  if (!haveGolden(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hl-build-dt-'));
  try {
    dtInputs(dir);
    const r = cli(dir, join(repoRoot, 'examples', 'qemu-dom0less.dts'), '--host', 'host.dtb', '--xen', 'xen', '-d', '.', '-t', 'tftp',
      '--module', 'dom0/kernel=k0', '--module', 'dom0/ramdisk=r0', '--module', 'domU1/kernel=k1', '--module', 'domU2/kernel=k2',
      '--module', 'domU1/ramdisk=r1', '--module', 'domU2/ramdisk=r2', '--final-dtb', 'final.dtb');
    assert.equal(r.code, 0, r.stderr);
    // RAM 0x40000000-0xC0000000 from host.dtb: script at +2 MiB, images from +4 MiB in 2 MiB slots
    assert.equal(r.stdout, 'Generated uboot script boot.scr, to be loaded at address 0x40200000:\ntftpb 0x40200000 boot.scr; source 0x40200000\n');
    const src = readFileSync(join(dir, 'boot.source'), 'utf8').split('\n');
    assert.deepEqual(src.slice(0, 8), [
      'tftpb 0x40400000 k0', 'tftpb 0x40800000 r0', 'tftpb 0x40A00000 k1', 'tftpb 0x40E00000 r1',
      'tftpb 0x41000000 k2', 'tftpb 0x41400000 r2', 'tftpb 0x41600000 xen', 'tftpb 0x41800000 host.dtb',
    ]);
    assert.ok(src.includes('fdt set /chosen xen,xen-bootargs "console=dtuart dtuart=serial0 dom0_mem=512M bootscrub=0"'));
    assert.ok(src.includes('fdt set /chosen xen,dom0-bootargs "console=hvc0 earlycon=xen rdinit=/init"'));
    assert.ok(src.includes('fdt set /chosen/domU0/module@40a00000 bootargs "console=ttyAMA0 rdinit=/init"'));
    assert.ok(src.includes('fdt set /chosen/domU1 memory <0 131072>'));
    assert.equal(src.at(-2), 'booti 0x41600000 - 0x41800000');
    const chosen = getNodeByPath(readDtb(readFileSync(join(dir, 'final.dtb'))).root, '/chosen/domU1/module@41000000')!;
    assert.deepEqual([...chosen.getProperty('reg')!.bytes], [0, 0, 0, 0, 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0x2d, 0xc6, 0xc0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The golden host with an SMMU added: a hardware domain that is not direct-mapped needs an IOMMU. */
function addIommu(dtbPath: string): void {
  const tree = readDtb(readFileSync(dtbPath));
  const smmu = tree.root.addChild(new Node('iommu@9050000'));
  smmu.addProperty(new Property('compatible', PropertyValue.fromString('arm,smmu-v3')));
  smmu.addProperty(new Property('#iommu-cells', PropertyValue.fromCells([1])));
  writeFileSync(dtbPath, writeDtb(tree));
}

test('Hyperlaunch DTS input: converted to dom0less, losses reported, true dom0less script', (t) => {
  if (!haveGolden(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hl-build-hl-'));
  try {
    dtInputs(dir);
    addIommu(join(dir, 'host.dtb'));
    const r = cli(dir, join(repoRoot, 'examples', 'hyperlaunch-disaggregated.dts'), '--host', 'host.dtb', '--xen', 'xen', '-d', '.', '-t', 'tftp',
      '--module', 'control/kernel=k0', '--module', 'hardware/kernel=k1', '--module', 'hardware/ramdisk=r1', '--module', 'xenstore/kernel=k2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Dom0 kernel is not specified, continue with true dom0less setup\.\n/);
    assert.match(r.stderr, /\/chosen\/hypervisor\/control\/kernel:module-index: note: not carried into the build/);
    assert.doesNotMatch(r.stderr, /capabilities/);
    const src = readFileSync(join(dir, 'boot.source'), 'utf8');
    assert.match(src, /^tftpb 0x40400000 k0\ntftpb 0x40800000 k1\ntftpb 0x40C00000 r1\ntftpb 0x40E00000 k2\n/);
    assert.match(src, /\nfdt set \/chosen\/domU1 memory <0 524288>\nfdt set \/chosen\/domU1 cpus <2>\n/);
    assert.match(src, /\nfdt set \/chosen\/domU1\/module@40800000 bootargs "console=hvc0"\n/);
    // the roles survive as DOMU_CAPS: control 1, hardware 2, xenstore 4
    assert.match(src, /\nfdt set \/chosen\/domU0 capabilities <1>\n[^]*\nfdt set \/chosen\/domU1 capabilities <2>\n[^]*\nfdt set \/chosen\/domU2 capabilities <4>\n/);
    assert.doesNotMatch(src, /dom0-bootargs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('devicetree input: --emit-config writes a config that builds the same script; -f builds a FIT', (t) => {
  if (!haveGolden(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hl-build-emit-'));
  try {
    dtInputs(dir);
    const args = [join(repoRoot, 'examples', 'qemu-dom0less.dts'), '--host', 'host.dtb', '--xen', 'xen', '-d', '.', '-t', 'sd',
      '--module', 'dom0/kernel=k0', '--module', 'domU1/kernel=k1', '--module', 'domU2/kernel=k2'];
    const r = cli(dir, ...args, '--emit-config', 'derived.cfg');
    assert.equal(r.code, 0, r.stderr);
    const first = readFileSync(join(dir, 'boot.source'), 'utf8');
    const cfg = readFileSync(join(dir, 'derived.cfg'), 'utf8');
    assert.match(cfg, /^MEMORY_START="0x40000000"\nMEMORY_END="0xc0000000"\nLOAD_CMD="load mmc 0:1"\nBOOT_CMD="booti"\n/);
    rmSync(join(dir, 'boot.source'));
    const again = cli(dir, '-c', 'derived.cfg', '-d', '.');
    assert.equal(again.code, 0, again.stderr);
    const second = readFileSync(join(dir, 'boot.source'), 'utf8');
    // ImageBuilder semantics add root=/dev/ram0 to a DOM0_CMD without root=; nothing else differs
    assert.equal(second, first.replace('rdinit=/init"\n', 'rdinit=/init root=/dev/ram0"\n'));
    // k0, k1, k2 (3000000 bytes each) from 0x40400000 in 4 MiB steps, xen at 0x41000000, DTB at 0x41200000
    const fit = cli(dir, ...args, '-f', '-o', 'fitboot');
    assert.equal(fit.code, 0, fit.stderr);
    assert.match(fit.stdout, /^Generated uboot FIT image fitboot\.fit, to be loaded at or after address 0x41400000:\nload mmc 0:1 0x41400000 fitboot\.fit; source 0x41400000:boot_scr\n$/);
    assert.match(readFileSync(join(dir, 'fitboot.its'), 'utf8'), /loadables = "dom0_linux", "domU0_kernel", "domU1_kernel";/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('devicetree input with --xen-config: checked for that build (xen,static-mem refused without CONFIG_STATIC_MEMORY, accepted with it; domU1 becomes ImageBuilder domU0)', (t) => {
  if (!haveGolden(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hl-build-xcfg-'));
  try {
    dtInputs(dir);
    const header = '# Xen/arm 4.22.0 Configuration\nCONFIG_ARM_64=y\nCONFIG_DOM0LESS_BOOT=y\n';
    writeFileSync(join(dir, 'without.config'), `${header}# CONFIG_STATIC_MEMORY is not set\n`);
    writeFileSync(join(dir, 'with.config'), `${header}CONFIG_STATIC_MEMORY=y\n`);
    const args = (config: string) => [join(repoRoot, 'examples', 'static-memory.dts'), '--host', 'host.dtb', '--xen', 'xen', '-d', '.', '-t', 'tftp',
      '--module', 'dom0/kernel=k0', '--module', 'dom0/ramdisk=r0', '--module', 'domU1/kernel=k1', '--xen-config', join(dir, config), '--dry-run'];
    const refused = cli(dir, ...args('without.config'));
    assert.match(refused.stderr, /error\[build-static-memory\]: domU0: xen,static-mem needs CONFIG_STATIC_MEMORY, which Xen 4\.22\.0 \(without\.config\) lacks/);
    const accepted = cli(dir, ...args('with.config'));
    assert.doesNotMatch(accepted.stderr, /build-static-memory/);
    const bad = cli(dir, ...args('missing.config'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error\[FILE_READ\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--xsm flask: the generated policy is XEN_POLICY (written as xenpolicy.bin, loaded after Xen as a xen,xsm-policy module) and Xen is asked for FLASK', (t) => {
  if (!haveGolden(t)) return;
  if (spawnSync('checkpolicy', ['-V']).status !== 0) return skipNotice(t, 'build --xsm flask', 'checkpolicy is not installed (apt-get install checkpolicy)');
  withDir((dir) => {
    const cfg = readFileSync(join(case01, 'config'), 'utf8').replace('MEMORY_START="0x0"', 'MEMORY_START="0x40000000"').replace('MEMORY_END="0x80000000"', 'MEMORY_END="0xC0000000"');
    writeFileSync(join(dir, 'config'), cfg);
    assert.equal(cli(dir, '-c', 'config', '-d', '.', '--xsm-mode', 'permissive').code, 2);
    assert.equal(cli(dir, '-c', 'config', '-d', '.', '--xsm', 'flask', '-f').code, 2);
    const r = cli(dir, '-c', 'config', '-d', '.', '-t', 'tftp', '--xsm', 'flask', '--xsm-mode', 'permissive');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /share the label boot_domu_t/);
    const policy = readFileSync(join(dir, 'xenpolicy.bin'));
    assert.deepEqual([...policy.subarray(0, 4)], [0x8c, 0xff, 0x7c, 0xf9]);
    const src = readFileSync(join(dir, 'boot.source'), 'utf8');
    const xenLoad = src.indexOf(' xen\n');
    const policyLoad = /tftpb (0x[0-9A-F]+) xenpolicy\.bin\n/.exec(src);
    assert.ok(policyLoad && policyLoad.index > xenLoad, src);
    const node = `/chosen/xen-policy@${BigInt(policyLoad[1]!).toString(16)}`;
    assert.match(src, new RegExp(`fdt set ${node} compatible +"xen,xsm-policy" "xen,multiboot-module" "multiboot,module"`));
    assert.match(src, new RegExp(`fdt set ${node} reg <0x0 ${policyLoad[1]!} 0x0 0x${policy.length.toString(16)} ?>`, 'i'));
    assert.match(src, /fdt set \/chosen xen,xen-bootargs "[^"]* xsm=flask flask=permissive"/);
  });
});

/** The host without its /memory node: a board whose firmware fills RAM in at boot. */
function dropMemory(dtbPath: string): void {
  const tree = readDtb(readFileSync(dtbPath));
  getNodeByPath(tree.root, '/memory@40000000')!.deleted = true;
  writeFileSync(dtbPath, writeDtb(tree));
}

test('devicetree input on a board without /memory: --ram places the layout, which steps over static memory', (t) => {
  if (!haveGolden(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hl-build-ram-'));
  try {
    dtInputs(dir);
    dropMemory(join(dir, 'host.dtb'));
    writeFileSync(join(dir, 'with.config'), '# Xen/arm 4.22.0 Configuration\nCONFIG_ARM_64=y\nCONFIG_DOM0LESS_BOOT=y\nCONFIG_STATIC_MEMORY=y\n');
    const args = [join(repoRoot, 'examples', 'static-memory.dts'), '--host', 'host.dtb', '--xen', 'xen', '-d', '.', '-t', 'tftp', '--xen-config', 'with.config',
      '--module', 'dom0/kernel=k0', '--module', 'dom0/ramdisk=r0', '--module', 'domU1/kernel=k1', '--dry-run'];
    const without = cli(dir, ...args);
    assert.equal(without.code, 1);
    assert.match(without.stderr, /error\[IB_MEMORY\]: host\.dtb describes no RAM \(no \/memory, or banks of size 0: the firmware fills them at boot\)/);
    assert.match(without.stderr, /hint: give the board's RAM: --ram START:SIZE/);
    // RAM from 0x4fc00000: boot.scr at +2 MiB, the first image would be at 0x50000000, inside domU1's
    // xen,static-mem [0x50000000, 0x60000000): it goes past it, as the rest do
    const r = cli(dir, ...args, '--ram', '0x4fc00000:1G');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /host-ram-missing|error\[/);
    assert.match(r.stdout, /^address +end +size +image +file\n0x4FE00000 +script +boot\.scr\n0x60200000 +\S+ +\d+ +dom0-kernel +k0\n/);
    assert.equal(cli(dir, ...args, '--ram', 'lots').code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ImageBuilder config on a host DTB without /memory: MEMORY_START..MEMORY_END is the RAM the checks use', (t) => {
  if (!haveGolden(t)) return;
  withDir((dir) => {
    dropMemory(join(dir, 'host.dtb'));
    const cfg = readFileSync(join(case01, 'config'), 'utf8').replace('MEMORY_START="0x0"', 'MEMORY_START="0x40000000"').replace('MEMORY_END="0x80000000"', 'MEMORY_END="0x50000000"');
    writeFileSync(join(dir, 'config'), cfg);
    // 256 MiB from 0x40000000 holds the images, not DOM0_MEM=1024 and the domUs
    const r = cli(dir, '-c', 'config', '-d', '.', '-t', 'tftp', '--dry-run');
    assert.doesNotMatch(r.stderr, /host-ram-missing/);
    assert.match(r.stderr, /error\[memory-fit\]: domains need \d+ KiB .* but host\.dtb has \d+ KiB free \(RAM 262144 KiB/);
    const big = cli(dir, '-c', 'config', '-d', '.', '-t', 'tftp', '--dry-run', '--ram', '0x40000000:2G');
    assert.doesNotMatch(big.stderr, /memory-fit|host-ram-missing/);
  });
});
