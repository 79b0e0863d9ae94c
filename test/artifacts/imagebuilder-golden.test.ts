/**
 * The real ImageBuilder 2023.2 outputs (../shared/reference/imagebuilder-golden)
 * reproduced byte for byte from their configs and inputs of the recorded
 * sizes; boot.scr and the FIT checked against the real mkimage/dumpimage
 * when u-boot-tools is installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { type ImageBuilderOverrides, resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import { fdtputArguments } from '../../src/artifacts/dt-edits.js';
import { directorySource } from '../../src/artifacts/file-source.js';
import { type UbootBuild, buildUboot } from '../../src/artifacts/uboot-build.js';
import type { NamingStyle } from '../../src/artifacts/chosen-edits.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { goldenDir, haveGolden, makeGoldenInputs } from './golden-inputs.js';

interface Case {
  name: string;
  over: ImageBuilderOverrides;
  source: string;
  scr?: string;
}

const CASES: Case[] = [
  { name: '01-dom0-2domus-tftp', over: { loadCmd: 'tftp' }, source: 'boot.source', scr: 'boot.scr' },
  { name: '03-linux-baremetal-scsi-overlay-bitstream', over: { loadCmd: 'scsi', outputName: 'linuxboot' }, source: 'linuxboot.source', scr: 'linuxboot.scr' },
  { name: '04-fit-dom0-1domu', over: { loadCmd: 'tftp', fit: true }, source: 'boot.source' },
];

function golden(c: string, f: string): Buffer {
  return readFileSync(join(goldenDir, c, f));
}

function build(c: Case, dir: string, naming: NamingStyle = 'imagebuilder-2023'): UbootBuild {
  const cfgPath = join(goldenDir, c.name, 'config');
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(readFileSync(cfgPath, 'utf8'), cfgPath)), c.over);
  return buildUboot(plan, { dir, files: directorySource(dir), naming });
}

function output(b: UbootBuild, path: string): Uint8Array {
  const o = b.outputs.find((x) => x.path === path);
  assert.ok(o, `no output ${path}`);
  return o.data;
}

/** The `xxd` lines of a *.mkimage-l.txt file, as bytes. */
function hexDump(text: string): Buffer {
  const hex = text.split('\n').filter((l) => /^[0-9a-f]{8}: /.test(l)).map((l) => l.slice(10, 49).replace(/ /g, '')).join('');
  return Buffer.from(hex, 'hex');
}

const withInputs = (c: Case, fn: (dir: string) => void): void => {
  const dir = makeGoldenInputs(c.name, ['host-fit.dtb']);
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

for (const c of CASES) {
  test(`golden ${c.name}: script, stdout and boot.scr header identical`, (t) => {
    if (!haveGolden(t)) return;
    withInputs(c, (dir) => {
      const b = build(c, dir);
      assert.equal(b.source, golden(c.name, c.source).toString('latin1'));
      assert.deepEqual(output(b, c.source), new Uint8Array(golden(c.name, c.source)));
      const stdout = golden(c.name, 'stdout.txt').toString().split('\n').filter((l) => l && !l.startsWith('exit code'));
      assert.deepEqual(b.stdout, stdout);
      if (c.scr) {
        const want = hexDump(golden(c.name, `${c.scr}.mkimage-l.txt`).toString());
        assert.equal(want.length, 72);
        assert.deepEqual(Buffer.from(output(b, c.scr).subarray(0, 72)), want);
      }
    });
  });
}

test('golden 04: the .its text and the fdtput-edited host DTB identical', (t) => {
  if (!haveGolden(t)) return;
  const c = CASES[2]!;
  withInputs(c, (dir) => {
    const b = build(c, dir);
    assert.equal(new TextDecoder().decode(output(b, 'boot.its')), golden(c.name, 'boot.its').toString());
    const dtb = output(b, 'host-fit.dtb');
    assert.equal(dtb.length, 1825); // inputs.tsv: host-fit.dtb 1825 bytes
    const missing = toolMissing('fdtdump', ['-h']);
    if (missing) return skipNotice(t, 'fdtdump comparison of the edited host DTB', missing);
    writeFileSync(join(dir, 'ours.dtb'), dtb);
    const dump = execFileSync('fdtdump', [join(dir, 'ours.dtb')], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    assert.equal(dump.trimEnd(), golden(c.name, 'host-fit.dtb.fdtdump.txt').toString().trimEnd());
  });
});

test('boot.scr bytes equal the real mkimage -A arm64 -T script -C none (SOURCE_DATE_EPOCH=0)', (t) => {
  const missing = toolMissing('mkimage', ['-V']);
  if (missing) return skipNotice(t, missing);
  if (!haveGolden(t)) return;
  for (const c of CASES.filter((x) => x.scr)) {
    withInputs(c, (dir) => {
      const b = build(c, dir);
      writeFileSync(join(dir, 'src.txt'), output(b, c.source));
      execFileSync('mkimage', ['-A', 'arm64', '-T', 'script', '-C', 'none', '-a', '0xC00000', '-e', '0xC00000', '-d', join(dir, 'src.txt'), join(dir, 'ref.scr')], {
        env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
        stdio: 'ignore',
      });
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'ref.scr'))), output(b, c.scr!));
      writeFileSync(join(dir, 'ours.scr'), output(b, c.scr!));
      const listing = execFileSync('mkimage', ['-l', join(dir, 'ours.scr')], { env: { ...process.env, TZ: 'UTC' } }).toString();
      const want = golden(c.name, `${c.scr}.mkimage-l.txt`).toString().split('\n').filter((l) => !/^[0-9a-f]{8}: /.test(l)).join('\n');
      assert.equal(listing.trimEnd(), want.trimEnd());
    });
  }
});

test('golden 04: our FIT is accepted by mkimage -l and dumpimage -l and lists as mkimage -f builds it', (t) => {
  const missing = toolMissing('mkimage', ['-V']) ?? toolMissing('dumpimage', ['-V']) ?? toolMissing('dtc', ['--version']);
  if (missing) return skipNotice(t, missing);
  if (!haveGolden(t)) return;
  const c = CASES[2]!;
  withInputs(c, (dir) => {
    const b = build(c, dir);
    for (const o of b.outputs) writeFileSync(join(dir, o.path), o.data);
    const env = { ...process.env, SOURCE_DATE_EPOCH: '0', TZ: 'UTC' };
    const ours = execFileSync('mkimage', ['-l', join(dir, 'boot.fit')], { env }).toString();
    assert.match(ours, /^FIT description: Configuration from Imagebuilder to load Xen\/Linux/);
    assert.match(ours, /Image 7 \(boot_scr\)/);
    assert.match(execFileSync('dumpimage', ['-l', join(dir, 'boot.fit')], { env }).toString(), /Default Configuration: 'config'/);
    execFileSync('mkimage', ['-q', '-f', 'boot.its', 'ref.fit'], { cwd: dir, env, stdio: 'ignore' });
    assert.equal(ours, execFileSync('mkimage', ['-l', join(dir, 'ref.fit')], { env }).toString());
  });
});

test('default naming: module@<addr> and dom0@<addr>, as upstream since Oct 2024', (t) => {
  if (!haveGolden(t)) return;
  const c = CASES[0]!;
  withInputs(c, (dir) => {
    const lines = build(c, dir, 'current').source.split('\n');
    // written by hand from golden 01 with the upstream renaming applied
    assert.ok(lines.includes('fdt mknod /chosen dom0@e00000'));
    assert.ok(lines.includes('fdt set /chosen/dom0@e00000 reg <0x0 0xE00000 0x0 0x1312D00 >'));
    assert.ok(lines.includes('fdt mknod /chosen dom0-ramdisk@2200000'));
    assert.ok(lines.includes('fdt mknod /chosen/domU0 module@2800000'));
    assert.ok(lines.includes('fdt set /chosen/domU1/module@3800000 bootargs "console=ttyAMA0 root=/dev/ram0"'));
    assert.ok(!lines.some((l) => l.includes('module0x')));
  });
});

test('golden 01 with FDTEDIT: our edited DTB equals the real fdtput run, edit by edit', (t) => {
  const missing = toolMissing('fdtput', ['-h']);
  if (missing) return skipNotice(t, missing);
  if (!haveGolden(t)) return;
  const c = CASES[0]!;
  withInputs(c, (dir) => {
    const cfgPath = join(goldenDir, c.name, 'config');
    const text = `${readFileSync(cfgPath, 'utf8')}FDTEDIT="host-edit.dtb"\nNUM_CPUPOOLS=1\nCPUPOOL[0]="cpu@1,cpu@3 null"\nDOMU_CPUPOOL[1]=0\nDOMU_PASSTHROUGH_PATHS[0]="/ethernet@ff0e0000"\n`;
    const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(text, cfgPath)), c.over);
    const b = buildUboot(plan, { dir, files: directorySource(dir), naming: 'imagebuilder-2023' });
    const ref = join(dir, 'ref.dtb');
    copyFileSync(join(dir, 'host.dtb'), ref);
    for (const e of b.edits) execFileSync('fdtput', fdtputArguments(ref, e), { stdio: 'ignore' });
    assert.deepEqual(output(b, 'host-edit.dtb'), new Uint8Array(readFileSync(ref)));
  });
});

test('golden 04 signed (-k keys/dev -u ub.dtb): the FIT lists as mkimage -r -k signs it; the public key as mkimage -K adds it', (t) => {
  const missing = toolMissing('mkimage', ['-V']) ?? toolMissing('dtc', ['--version']) ?? toolMissing('openssl', ['version']) ?? toolMissing('fdtdump', ['-h']);
  if (missing) return skipNotice(t, missing);
  if (!haveGolden(t)) return;
  const c = CASES[2]!;
  withInputs(c, (dir) => {
    mkdirSync(join(dir, 'keys'));
    execFileSync('openssl', ['genrsa', '-out', join(dir, 'keys', 'dev.key'), '2048'], { stdio: 'ignore' });
    // mkimage -K reads the public key from the certificate
    execFileSync('openssl', ['req', '-batch', '-new', '-x509', '-key', join(dir, 'keys', 'dev.key'), '-out', join(dir, 'keys', 'dev.crt')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'ub.dtb'), execFileSync('dtc', ['-I', 'dts', '-O', 'dtb'], { input: '/dts-v1/;\n/ { model = "u-boot"; };\n', stdio: ['pipe', 'pipe', 'ignore'] }));
    const b = build({ ...c, over: { ...c.over, keyDir: 'keys/dev', ubootDtb: 'ub.dtb' } }, dir);
    for (const o of b.outputs) writeFileSync(join(dir, o.path), o.data);
    assert.match(new TextDecoder().decode(output(b, 'boot.its')), /\n {12}signature \{\n {16}algo = "sha1,rsa2048";\n {16}key-name-hint = "dev";\n\};\n/);
    copyFileSync(join(dir, 'ub.dtb'), join(dir, 'ub-ref.dtb'));
    const env = { ...process.env, SOURCE_DATE_EPOCH: '0', TZ: 'UTC' };
    execFileSync('mkimage', ['-q', '-f', 'boot.its', '-r', '-k', 'keys/', '-K', 'ub-ref.dtb', 'ref.fit'], { cwd: dir, env, stdio: 'ignore' });
    const ours = execFileSync('mkimage', ['-l', 'boot.fit'], { cwd: dir, env }).toString();
    assert.match(ours, /Sign algo: {4}sha1,rsa2048:dev\n {2}Sign value: {3}[0-9a-f]{512}\n/);
    assert.equal(ours, execFileSync('mkimage', ['-l', 'ref.fit'], { cwd: dir, env }).toString());
    // same tree; mkimage leaves slack in the blob (totalsize), we pack it
    const dump = (f: string) => execFileSync('fdtdump', [join(dir, f)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().replace(/^\/\/ totalsize:.*\n/m, '');
    assert.equal(dump('ub-pubkey.dtb'), dump('ub-ref.dtb'));
    assert.ok(!b.outputs.some((o) => o.path === 'ub.dtb'), 'the U-Boot DTB input is never an output');
  });
});
