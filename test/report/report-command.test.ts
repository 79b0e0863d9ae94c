/**
 * `hyperlaunch report` end to end: the page for a devicetree and for an
 * ImageBuilder config (laid out as ImageBuilder lays it out, domids
 * reversed by its boot.scr), the JSON facts, a standalone SVG that xmllint
 * accepts, a qemu result's stages, same bytes for the same input, and the
 * exit codes: 0 written (findings included), 1 unreadable input, 2 usage.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDtc } from '../../src/fdt/dtc.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { inTempDir } from '../support/temp-dir.js';
import { needTool } from '../support/tools.js';
import { dummyCpio, dummyImage } from '../artifacts/golden-inputs.js';
import { elementsWithClass, examplesDir } from './report-helpers.js';

const cli = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [cliPath, 'report', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const example = (name: string) => join(examplesDir, name);
const faults = join(repoRoot, 'test/report/fixtures/three-faults.dts');

test('a devicetree: report.html in the current directory by default, exit 0 with findings, the same bytes twice', () => {
  inTempDir('hl-report-', (dir) => {
    const r = cli(dir, '-i', examplesDir, faults);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^report\.html: 3 domain\(s\), 4 finding\(s\)\n$/);
    const first = readFileSync(join(dir, 'report.html'));
    assert.equal(cli(dir, '-i', examplesDir, faults, '-o', 'again.html').code, 0);
    assert.deepEqual(readFileSync(join(dir, 'again.html')), first);
    assert.match(first.toString(), /^<!DOCTYPE html>/);
  });
});

test('--host: the board\'s CPUs and RAM, not the input\'s own host nodes', () => {
  inTempDir('hl-report-', (dir) => {
    // QEMU virt with 4 CPUs and 1 GiB more RAM at 0x100000000.
    const hostDts = '/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n/ { cpus { cpu@2 { device_type = "cpu"; reg = <2>; }; cpu@3 { device_type = "cpu"; reg = <3>; }; };\n memory@100000000 { device_type = "memory"; reg = <0x1 0x0 0x0 0x40000000>; }; };\n';
    const host = runDtc(new TextEncoder().encode(hostDts), { file: 'host.dts', includeDirs: [examplesDir], outputFormat: 'dtb' });
    writeFileSync(join(dir, 'host.dtb'), host.output!);
    const r = cli(dir, '-i', examplesDir, example('true-dom0less.dts'), '--host', 'host.dtb', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { cpus: { path: string; idle: boolean }[]; memory: { kind: string; start: string; end: string }[]; target: { hostSource: string } };
    assert.deepEqual(data.cpus.map((c) => c.path), ['/cpus/cpu@0', '/cpus/cpu@1', '/cpus/cpu@2', '/cpus/cpu@3']);
    assert.deepEqual(data.memory.filter((m) => m.kind === 'ram').map((m) => [m.start, m.end]), [['0x40000000', '0xc0000000'], ['0x100000000', '0x140000000']]);
    assert.equal(data.target.hostSource, 'host.dtb');
    const bad = cli(dir, '-i', examplesDir, example('true-dom0less.dts'), '--host', 'missing.dtb');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /missing\.dtb/);
  });
});

test('--xen debian-4.17: that build\'s facts on the page, and the findings check gives for it', () => {
  inTempDir('hl-report-', (dir) => {
    const r = cli(dir, '-i', examplesDir, example('static-memory.dts'), '--xen', 'debian-4.17', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { findings: { ruleId: string; domain: string }[]; target: { xenVersion: string; kconfig: string[]; schedulers: string[] }; memory: { kind: string; findings: string[] }[] };
    const check = spawnSync(process.execPath, [cliPath, 'check', '-i', examplesDir, example('static-memory.dts'), '--xen', 'debian-4.17', '--json'], { encoding: 'utf8' });
    const checked = check.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule);
    assert.deepEqual(data.findings.map((f) => f.ruleId), checked);
    assert.ok(checked.includes('build-static-memory'), checked.join(', '));
    assert.match(data.target.xenVersion, /4\.17/);
    assert.ok(!data.target.kconfig.includes('STATIC_MEMORY'));
    assert.deepEqual(data.target.schedulers, ['credit', 'credit2']);
    // The static bank is what the finding is about: drawn in error.
    assert.deepEqual(data.memory.filter((m) => m.kind === 'static-mem').map((m) => m.findings), [['finding-1']]);
    assert.equal(cli(dir, example('static-memory.dts'), '--xen', 'four').code, 2);
  });
});

test('--json: the facts, addresses in hex strings', () => {
  inTempDir('hl-report-', (dir) => {
    const r = cli(dir, '-i', examplesDir, example('qemu-dom0less.dts'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { schema: string; domains: { name: string; domid: number }[]; memory: { kind: string; start: string }[] };
    assert.equal(data.schema, 'hyperlaunch-report/1');
    assert.deepEqual(data.domains.map((d) => [d.name, d.domid]), [['dom0', 0], ['domU1', 1], ['domU2', 2]]);
    assert.ok(data.memory.some((m) => m.kind === 'ram' && m.start === '0x40000000'));
  });
});

test('--format svg --view memory|cpus|graph: standalone SVG documents xmllint accepts', (t) => {
  if (!needTool(t, 'xmllint')) return;
  inTempDir('hl-report-', (dir) => {
    for (const view of ['memory', 'cpus', 'graph']) {
      const out = join(dir, `${view}.svg`);
      const r = cli(dir, '-i', examplesDir, faults, '--format', 'svg', '--view', view, '-o', out);
      assert.equal(r.code, 0, r.stderr);
      const lint = spawnSync('xmllint', ['--noout', out], { encoding: 'utf8' });
      assert.equal(lint.status, 0, `${view}: ${lint.stderr}`);
      assert.match(readFileSync(out, 'utf8'), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
    // The page itself is XML-clean too where it matters: each inline SVG alone.
    const page = cli(dir, '-i', examplesDir, example('static-shm-evtchn.dts'), '-o', '-');
    for (const id of ['memory-map', 'comm-graph']) {
      const svg = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(page.stdout)![0];
      writeFileSync(join(dir, `${id}.svg`), svg);
      const lint = spawnSync('xmllint', ['--noout', join(dir, `${id}.svg`)], { encoding: 'utf8' });
      assert.equal(lint.status, 0, `${id}: ${lint.stderr}`);
    }
  });
});

test('--boot RESULT.json: each domain\'s stage; a file that is not a qemu result is an input error (1)', () => {
  inTempDir('hl-report-', (dir) => {
    const result = { file: 'qemu-dom0less.dts', passed: false, route: 'direct', seconds: 41.5, graceSeconds: 5, domains: [
      { name: 'dom0', domid: 0, passed: true, stage: 'alive', detail: 'alive: line 120', proof: { line: 120, text: 'HYPERLAUNCH-ALIVE dom0', seconds: 12.3 } },
      { name: 'domU1', domid: 1, passed: false, stage: 'kernel', detail: 'kernel → stalled' },
      { name: 'domU9', domid: 3, passed: true, stage: 'alive', detail: 'alive: line 200' },
    ], problems: [] };
    writeFileSync(join(dir, 'boot.json'), JSON.stringify(result));
    const r = cli(dir, '-i', examplesDir, example('qemu-dom0less.dts'), '--boot', 'boot.json', '-o', '-');
    assert.equal(r.code, 0, r.stderr);
    const stages = [...r.stdout.matchAll(/<td class="boot-stage" data-stage="([a-z]+)"/g)].map((m) => m[1]);
    assert.deepEqual(stages, ['alive', 'kernel', 'none']);
    const times = [...r.stdout.matchAll(/<td class="boot-time">([^<]*)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(times, ['alive at 12.3 s', 'run 41.5 s', ''], 'a timed proof line gives the stage time; else the run length');
    assert.match(r.stdout, /The --boot result names domU9, which this configuration does not have/);
    writeFileSync(join(dir, 'bad.json'), '{"domains": [{"name": "dom0", "stage": "booted"}], "seconds": 3}');
    const bad = cli(dir, '-i', examplesDir, example('qemu-dom0less.dts'), '--boot', 'bad.json');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error\[BOOT_RESULT_SHAPE\]: bad\.json: domains\[0\] \(dom0\): stage is not one of/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    writeFileSync(join(dir, 'notjson.json'), 'PASS dom0');
    assert.match(cli(dir, '-i', examplesDir, example('qemu-dom0less.dts'), '--boot', 'notjson.json').stderr, /error\[BOOT_RESULT_JSON\]/);
    assert.equal(existsSync(join(dir, 'report.html')), false);
  });
});

test('exit codes: 1 for a missing or unreadable input, 2 for usage; never over an input', () => {
  inTempDir('hl-report-', (dir) => {
    const missing = cli(dir, 'nope.dts');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.dts/);
    writeFileSync(join(dir, 'broken.dts'), '/dts-v1/;\n/ { chosen { domU1 { compatible = "xen,domain"; memory = <0 0x2000>; }; }; ');
    const broken = cli(dir, 'broken.dts');
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /error\[NO_MODEL\]/);
    for (const args of [[], ['a.dts', 'b.dts'], ['a.dts', '--view', 'memory'], ['a.dts', '--format', 'svg'], ['a.dts', '--format', 'pdf'], ['a.dts', '--json', '--format', 'html'], ['-c', 'config'], ['a.dts', '-c', 'config', '-d', '.']]) {
      const r = cli(dir, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: hyperlaunch report/);
    }
    writeFileSync(join(dir, 'in.dts'), readFileSync(example('true-dom0less.dts')));
    const over = cli(dir, '-i', examplesDir, 'in.dts', '-o', 'in.dts');
    assert.equal(over.code, 2);
    assert.deepEqual(readFileSync(join(dir, 'in.dts')), readFileSync(example('true-dom0less.dts')));
    assert.equal(cli(dir, '--help').code, 0);
  });
});

/** ImageBuilder's layout rule (uboot-script-gen): the script 2 MiB above MEMORY_START, each image at the next 2 MiB boundary after the last. */
function imageBuilderSlots(memoryStart: bigint, sizes: readonly bigint[]): bigint[] {
  const align = (v: bigint) => (v + 0x1fffffn) & ~0x1fffffn;
  let at = memoryStart + 0x400000n;
  return sizes.map((s) => {
    const here = at;
    at = align(here + s);
    return here;
  });
}

test('an ImageBuilder config: its domains, the images where ImageBuilder puts them, domids reversed by fdt mknod', () => {
  inTempDir('hl-report-ib-', (dir) => {
    const host = runDtc(new TextEncoder().encode('/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n'), { file: 'host.dts', includeDirs: [examplesDir], outputFormat: 'dtb' });
    writeFileSync(join(dir, 'host.dtb'), host.output!);
    const sizes = { dom0: 0x1000000 + 0x1234, k0: 0x900000, r0: 0x300000, k1: 0x123456, xen: 0x95000 };
    dummyImage(join(dir, 'Image-dom0'), sizes.dom0);
    mkdirSync(join(dir, 'domU0'));
    mkdirSync(join(dir, 'domU1'));
    dummyImage(join(dir, 'domU0/Image'), sizes.k0);
    dummyCpio(join(dir, 'domU0/rootfs.cpio'), sizes.r0);
    dummyImage(join(dir, 'domU1/Image'), sizes.k1);
    dummyImage(join(dir, 'xen'), sizes.xen);
    writeFileSync(join(dir, 'config'), [
      'MEMORY_START="0x40000000"', 'MEMORY_END="0xC0000000"', 'LOAD_CMD="tftpb"', 'DEVICE_TREE="host.dtb"', 'XEN="xen"', 'XEN_CMD="console=dtuart dom0_mem=512M"',
      'DOM0_KERNEL="Image-dom0"', 'NUM_DOMUS=2',
      'DOMU_KERNEL[0]="domU0/Image"', 'DOMU_RAMDISK[0]="domU0/rootfs.cpio"', 'DOMU_MEM[0]=256', 'DOMU_VCPUS[0]=1',
      'DOMU_KERNEL[1]="domU1/Image"', 'DOMU_MEM[1]=128', 'DOMU_VCPUS[1]=1',
      'UBOOT_SOURCE="boot.source"', 'UBOOT_SCRIPT="boot.scr"', '',
    ].join('\n'));
    const r = cli(dir, '-c', 'config', '-d', '.', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { domains: { name: string; domid: number; domidWhy: string }[]; memory: { kind: string; start: string; end: string; owner: string }[] };
    assert.deepEqual(data.domains.map((d) => [d.name, d.domid]), [['dom0', 0], ['domU0', 2], ['domU1', 1]]);
    assert.match(data.domains[1]!.domidWhy, /fdt mknod/);
    const order = [sizes.dom0, sizes.k0, sizes.r0, sizes.k1, sizes.xen].map(BigInt);
    const [d0, k0, r0, k1, xen] = imageBuilderSlots(0x40000000n, order);
    const ranges = data.memory.map((m) => `${m.kind} ${m.owner || '-'} ${m.start} ${m.end}`);
    for (const [kind, owner, at, size] of [['module', 'dom0', d0, sizes.dom0], ['module', 'domU0', k0, sizes.k0], ['module', 'domU0', r0, sizes.r0], ['module', 'domU1', k1, sizes.k1], ['xen', '-', xen, sizes.xen]] as const) {
      const want = `${kind} ${owner} 0x${at!.toString(16)} 0x${(at! + BigInt(size)).toString(16)}`;
      assert.ok(ranges.includes(want), `${want} not in ${ranges.join(' | ')}`);
    }
    // The page from the same config: one domain row per domain, domU1 first created.
    const page = cli(dir, '-c', 'config', '-d', '.', '-o', 'report.html');
    assert.equal(page.code, 0, page.stderr);
    const rows = elementsWithClass(readFileSync(join(dir, 'report.html'), 'utf8'), 'domain');
    assert.deepEqual(rows.map((x) => [x['data-domain'], x['data-domid']]), [['dom0', '0'], ['domU0', '2'], ['domU1', '1']]);
  });
});

test('-d DIR with a devicetree: a xen,uefi-binary module\'s size from its file; without the file, unknown', () => {
  inTempDir('hl-report-', (dir) => {
    const dts = readFileSync(example('true-dom0less.dts'), 'utf8').replace(/reg = <0x0 0x50000000 0x0 0x2000000>;/, 'xen,uefi-binary = "domU1-Image";');
    assert.match(dts, /xen,uefi-binary/);
    writeFileSync(join(dir, 'uefi.dts'), dts);
    dummyImage(join(dir, 'domU1-Image'), 0x123456);
    const r = cli(dir, '-i', examplesDir, 'uefi.dts', '-d', '.', '--json');
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { domains: { name: string; modules: { kind: string; name: string; size?: string; start?: string; file?: string }[] }[] };
    const kernel = data.domains.find((d) => d.name === 'domU1')!.modules.find((m) => m.kind === 'kernel')!;
    assert.deepEqual(kernel, { kind: 'kernel', name: kernel.name, size: String(0x123456), file: 'domU1-Image' });
    const without = cli(dir, '-i', examplesDir, 'uefi.dts', '-o', '-');
    assert.match(without.stdout, /kernel: size unknown/);
  });
});

test('an ImageBuilder config whose images are not on disk: the page says their sizes are unknown', () => {
  inTempDir('hl-report-ib-', (dir) => {
    writeFileSync(join(dir, 'config'), 'MEMORY_START="0x40000000"\nMEMORY_END="0xC0000000"\nDEVICE_TREE="host.dtb"\nXEN="xen"\nNUM_DOMUS=1\nDOMU_KERNEL[0]="Image"\nDOMU_MEM[0]=128\nUBOOT_SOURCE="boot.source"\nUBOOT_SCRIPT="boot.scr"\n');
    const r = cli(dir, '-c', 'config', '-d', '.', '-o', '-');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kernel: size unknown \(not on disk, no reg\)/);
    assert.match(r.stdout, /without every image on disk the build cannot be laid out/);
    assert.match(r.stdout, /host\.dtb \(DEVICE_TREE\) is not in \.: no host RAM/);
  });
});
