/**
 * planConfigBoot without QEMU: what `qemu -c` builds and hands to each
 * route, on small stand-in files (the build checks file types by magic, so
 * random bytes pass as "data" kernels and our initramfs as a cpio ramdisk).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { getNodeByPath } from '../../src/fdt/tree/livetree.js';
import { type ConfigRoute, FINAL_DTB_NAME, VIRT_DTB_NAME, planConfigBoot } from '../../src/qemu/config-boot.js';
import { buildInitramfs } from '../../src/qemu/initramfs.js';
import { repoRoot } from '../support/paths.js';

const CONFIG = `MEMORY_START="0x40000000"
MEMORY_END="0xC0000000"
LOAD_CMD="load mmc 0:1"
XEN="xen"
DOM0_KERNEL="Image"
DOM0_RAMDISK="dom0.cpio.gz"
NUM_DOMUS=2
DOMU_KERNEL[0]="Image"
DOMU_RAMDISK[0]="domU0.cpio.gz"
DOMU_KERNEL[1]="Image"
DOMU_RAMDISK[1]="other.cpio.gz"
`;

function virtHost(): DeviceTree {
  const r = runDtc(new TextEncoder().encode('/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n'), { file: 'host.dts', includeDirs: [join(repoRoot, 'examples')] });
  assert.ok(r.tree, r.error?.message);
  return r.tree;
}

/** DIR as a user has it: Xen, one kernel, two marker initramfs and one that is not ours, plus a stale boot.scr. */
function userDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hl-cfgboot-'));
  writeFileSync(join(dir, 'xen'), new Uint8Array(4096).fill(0xa5));
  writeFileSync(join(dir, 'Image'), new Uint8Array(8192).fill(0xc3));
  const busybox = new Uint8Array(1000).fill(7);
  writeFileSync(join(dir, 'dom0.cpio.gz'), buildInitramfs(busybox, 'dom0'));
  writeFileSync(join(dir, 'domU0.cpio.gz'), buildInitramfs(busybox, 'domU0'));
  // A marker initramfs for another domain name is not this domain's proof.
  writeFileSync(join(dir, 'other.cpio.gz'), buildInitramfs(busybox, 'someone-else'));
  writeFileSync(join(dir, 'boot.scr'), 'stale, must survive');
  writeFileSync(join(dir, 'config'), CONFIG);
  return dir;
}

function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((f) => `${f} ${lstatSync(join(dir, f)).size} ${readFileSync(join(dir, f)).subarray(0, 8).toString('hex')}`);
}

function plan(route: ConfigRoute) {
  const dir = userDir();
  const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
  mkdirSync(join(work, 'w'));
  const before = snapshot(dir);
  const config = readImageBuilderConfig(parseShellConfig(CONFIG, join(dir, 'config')));
  const p = planConfigBoot(config, { route, dir, workDir: join(work, 'w'), virtHost });
  return { p, dir, work: join(work, 'w'), before, cleanup: () => [dir, work].forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

test('planConfigBoot uboot: built beside links to DIR, DIR untouched, TFTP load command, virt DTB when none is named', () => {
  const { p, dir, work, before, cleanup } = plan('uboot');
  try {
    assert.deepEqual(snapshot(dir), before, 'DIR is only read');
    assert.equal(p.uboot?.tftpDir, work);
    assert.equal(p.uboot?.script, 'boot.scr');
    assert.equal(p.hostDtb, VIRT_DTB_NAME);
    assert.match(p.notes.join('\n'), /no DEVICE_TREE: using QEMU virt's own DTB/);
    assert.match(p.notes.join('\n'), /LOAD_CMD "load mmc 0:1" replaced by tftpb/);
    const source = readFileSync(join(work, 'boot.source'), 'utf8');
    assert.match(source, /^tftpb 0x[0-9A-F]+ xen$/m);
    assert.doesNotMatch(source, /load mmc/);
    // The build's boot.scr replaced the link in the work dir, not the user's stale file.
    assert.equal(lstatSync(join(work, 'boot.scr')).isSymbolicLink(), false);
    assert.equal(readFileSync(join(dir, 'boot.scr'), 'utf8'), 'stale, must survive');
    // dom0 and domU0 carry our marker for their own names; domU1's ramdisk is someone else's.
    const exp = p.uboot!.expected;
    assert.deepEqual(exp.map((e) => [e.name, e.domid, e.isDom0, e.marker, e.consoleOnSerial]), [
      ['dom0', 0, true, true, true], ['domU0', undefined, false, true, true], ['domU1', undefined, false, false, true],
    ]);
    // Each domain is known by where the script loads its kernel.
    for (const e of exp) {
      const label = e.isDom0 ? 'dom0-kernel' : `${e.name}-kernel`;
      assert.equal(e.kernelAddress, p.build.images.find((i) => i.label === label)!.address, e.name);
    }
  } finally {
    cleanup();
  }
});

test('planConfigBoot direct: images above QEMU\'s own Xen and DTB, the final DTB has the script\'s edits', () => {
  const { p, dir, work, before, cleanup } = plan('direct');
  try {
    assert.deepEqual(snapshot(dir), before);
    const d = p.direct!;
    assert.equal(d.xen, join(work, 'xen'));
    assert.equal(d.dtb, join(work, FINAL_DTB_NAME));
    // Xen comes in with -kernel and the DTB with -dtb: neither is a loader blob.
    assert.deepEqual(d.loads.map((l) => l.what), ['dom0-kernel', 'dom0-ramdisk', 'domU0-kernel', 'domU0-ramdisk', 'domU1-kernel', 'domU1-ramdisk']);
    for (const l of d.loads) assert.ok(l.address >= 0x5000_0000n, `${l.what} at 0x${l.address.toString(16)}`);
    const final = readDtb(readFileSync(d.dtb));
    const k = p.build.images.find((i) => i.label === 'domU1-kernel')!;
    // U-Boot's fdt mknod puts the newest node first: domU1 before domU0 in /chosen.
    const chosen = getNodeByPath(final.root, '/chosen')!;
    const domains = [...chosen.liveChildren()].filter((n) => n.baseName.startsWith('domU')).map((n) => n.name);
    assert.deepEqual(domains, ['domU1', 'domU0']);
    const kernelNode = [...getNodeByPath(final.root, '/chosen/domU1')!.liveChildren()].find((n) => n.name.includes(k.address.toString(16)));
    assert.ok(kernelNode, `domU1's kernel module at 0x${k.address.toString(16)}`);
  } finally {
    cleanup();
  }
});

test('planConfigBoot: with no DEVICE_TREE and no MEMORY_START/END, the virt board\'s RAM (2 GiB at 0x40000000) bounds the layout', () => {
  const dir = userDir();
  const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
  try {
    const text = CONFIG.replace(/^MEMORY_(START|END)=.*\n/gm, '');
    assert.doesNotMatch(text, /MEMORY_/);
    const p = planConfigBoot(readImageBuilderConfig(parseShellConfig(text, 'config')), { route: 'uboot', dir, workDir: work, virtHost });
    assert.equal(p.build.plan.memoryStart, 0x4000_0000n);
    assert.equal(p.build.plan.memoryEnd, 0xc000_0000n);
    for (const i of p.build.images) assert.ok(i.address >= 0x4000_0000n && i.address + i.size <= 0xc000_0000n, i.label);
  } finally {
    for (const d of [dir, work]) rmSync(d, { recursive: true, force: true });
  }
});

test('planConfigBoot direct: a path leading out of DIR is read from beside DIR, as uboot-script-gen would', () => {
  const parent = mkdtempSync(join(tmpdir(), 'hl-cfgparent-'));
  const dir = join(parent, 'dir');
  const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
  try {
    const src = userDir();
    rmSync(dir, { force: true, recursive: true });
    renameSync(src, dir);
    writeFileSync(join(parent, 'outside-Image'), new Uint8Array(64).fill(0xc3));
    const text = CONFIG.replace('DOMU_KERNEL[1]="Image"', 'DOMU_KERNEL[1]="../outside-Image"');
    const p = planConfigBoot(readImageBuilderConfig(parseShellConfig(text, 'config')), { route: 'direct', dir, workDir: work, virtHost });
    const k = p.direct!.loads.find((l) => l.what === 'domU1-kernel')!;
    assert.equal(k.file, join(parent, 'outside-Image'));
    assert.equal(p.build.images.find((i) => i.label === 'domU1-kernel')!.size, 64n);
  } finally {
    for (const d of [parent, work]) rmSync(d, { recursive: true, force: true });
  }
});

test('planConfigBoot uboot: a file outside DIR cannot be served over TFTP — a typed error naming the way out', () => {
  const dir = userDir();
  const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
  try {
    const text = CONFIG.replace('DOMU_KERNEL[1]="Image"', 'DOMU_KERNEL[1]="../outside-Image"');
    writeFileSync(join(dir, '..', 'outside-Image'), new Uint8Array(64).fill(0xc3));
    assert.throws(
      () => planConfigBoot(readImageBuilderConfig(parseShellConfig(text, 'config')), { route: 'uboot', dir, workDir: work, virtHost }),
      (e: Error & { code?: string; hint?: string }) => e.code === 'TFTP_OUTSIDE' && /outside-Image is an absolute path or leads out of/.test(e.message) && /--route direct/.test(e.hint ?? ''),
    );
  } finally {
    rmSync(join(dir, '..', 'outside-Image'), { force: true });
    for (const d of [dir, work]) rmSync(d, { recursive: true, force: true });
  }
});

test('planConfigBoot: a named DEVICE_TREE is the host DTB of both routes; virt\'s is neither made nor asked for', () => {
  for (const route of ['uboot', 'direct'] as const) {
    const dir = userDir();
    const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
    try {
      const board = runDtc(new TextEncoder().encode('/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n/ { model = "named board"; };\n'), { file: 'board.dts', includeDirs: [join(repoRoot, 'examples')], outputFormat: 'dtb' });
      assert.ok(board.tree, board.error?.message);
      writeFileSync(join(dir, 'board.dtb'), writeDtb(board.tree));
      const config = readImageBuilderConfig(parseShellConfig(`${CONFIG}DEVICE_TREE="board.dtb"\n`, join(dir, 'config')));
      const p = planConfigBoot(config, { route, dir, workDir: work, virtHost: () => assert.fail('the virt DTB was asked for') });
      assert.equal(p.hostDtb, 'board.dtb', route);
      assert.doesNotMatch(p.notes.join('\n'), /no DEVICE_TREE/);
      assert.equal(readdirSync(work).includes(VIRT_DTB_NAME), false);
      if (route === 'uboot') {
        assert.match(readFileSync(join(work, 'boot.source'), 'utf8'), /^tftpb 0x[0-9A-F]+ board\.dtb$/m);
      } else {
        const model = getNodeByPath(readDtb(readFileSync(p.direct!.dtb)).root, '/')!.getProperty('model');
        assert.equal(new TextDecoder().decode(model!.bytes), 'named board\0');
      }
    } finally {
      for (const d of [dir, work]) rmSync(d, { recursive: true, force: true });
    }
  }
});

test('planConfigBoot direct: no LOAD_CMD is needed (the script is never run); the uboot route and a given LOAD_CMD are unchanged', () => {
  const text = CONFIG.replace(/^LOAD_CMD=.*\n/m, '');
  assert.doesNotMatch(text, /LOAD_CMD/);
  const run = (route: ConfigRoute, configText: string) => {
    const dir = userDir();
    const work = mkdtempSync(join(tmpdir(), 'hl-cfgwork-'));
    try {
      return planConfigBoot(readImageBuilderConfig(parseShellConfig(configText, 'config')), { route, dir, workDir: work, virtHost });
    } finally {
      for (const d of [dir, work]) rmSync(d, { recursive: true, force: true });
    }
  };
  const direct = run('direct', text);
  assert.ok(direct.direct, 'the direct route is planned');
  assert.equal(direct.build.plan.loadCmd, 'tftpb');
  // A LOAD_CMD the config gives is kept on the direct route (it may shape a derived root=).
  assert.equal(run('direct', CONFIG).build.plan.loadCmd, 'load mmc 0:1');
  // U-Boot fetches over QEMU's TFTP whatever the config says.
  assert.equal(run('uboot', text).build.plan.loadCmd, 'tftpb');
  assert.equal(run('uboot', CONFIG).build.plan.loadCmd, 'tftpb');
});
