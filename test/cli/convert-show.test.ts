/**
 * `hyperlaunch show` and `hyperlaunch convert` as a user runs them: exit
 * codes (0 ok, 1 input problem or lossy conversion, 2 usage), located
 * errors, JSON that parses, outputs that the real dtc compiles and that
 * never replace an input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { BOOT_EXAMPLES, examplePath, expectedFor, expectedView } from '../bindings/examples-support.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot });
  return { status: r.status, stdout: r.stdout as Buffer, out: r.stdout.toString(), err: r.stderr.toString() };
}
const dtcMissing = toolMissing('dtc');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hl-convert-'));
const FDT_MAGIC = Buffer.from([0xd0, 0x0d, 0xfe, 0xed]);

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

for (const name of BOOT_EXAMPLES) {
  test(`show --json ${name}: parses and is the expected model`, () => {
    const r = cli('show', '--json', examplePath(name));
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(expectedView(JSON.parse(r.out)), expectedFor(name));
  });
}

test('show: the table names every domain with its domid, roles, memory and modules', () => {
  const r = cli('show', 'examples/boot-cpupools.dts');
  assert.equal(r.status, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /^examples\/boot-cpupools\.dts: dom0less: dom0 \+ 1 other domain\(s\)$/m);
  assert.match(r.out, /^xen command line: "console=dtuart dom0_mem=512M dom0_max_vcpus=1" \(xen,xen-bootargs\)$/m);
  assert.match(r.out, /^dom0 +0 +control,hardware,xenstore +- +- +-$/m);
  assert.match(r.out, /^domU1 +1 +- +- +128 MiB +1$/m);
  assert.match(r.out, /^ +kernel +0x46000000\+0x2000000 module@46000000 +bootargs "console=ttyAMA0 rdinit=\/init"$/m);
  assert.match(r.out, /^ +cpupool cpupool1; vpl011$/m);
  assert.match(r.out, /^cpupool cpupool1: cpus \/cpus\/cpu@1, scheduler null$/m);
});

test('show: Hyperlaunch roles, modes and multiboot modules; --xen flags what the target ignores', () => {
  const r = cli('show', '--xen', '4.17', 'examples/hyperlaunch-disaggregated.dts');
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^hardware +2 +hardware +pv +512 MiB +2$/m);
  assert.match(r.out, /^xenstore +3 +xenstore +pvh +32 MiB +1$/m);
  assert.match(r.out, /multiboot module #3 ramdisk/);
  assert.match(r.err, /warning\[NEWER_THAN_TARGET\]: \/chosen\/hypervisor:compatible: no Xen release reads Hyperlaunch/);
  assert.match(r.err, /\/chosen\/hypervisor\/control:capabilities: first read by Xen 4\.21/);
});

test('show: a partial device tree lists its passthrough devices', () => {
  const r = cli('show', 'examples/passthrough-partial.dts');
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /\/passthrough\/pl061@9030000 -> host \/pl061@9030000 \(force-assigned without IOMMU\)/);
  assert.match(r.out, /host 0x9030000\+0x1000 at guest 0x9030000/);
});

test('convert dom0less → Hyperlaunch → dom0less through files: dtc compiles each output, the model comes back', (t) => {
  const dir = tmp();
  const hl = join(dir, 'hl.dts');
  const back = join(dir, 'back.dtb');
  let r = cli('convert', 'examples/static-shm-evtchn.dts', '--to', 'hyperlaunch', '-o', hl);
  assert.equal(r.status, 0, r.err);
  assert.match(readFileSync(hl, 'latin1'), /hypervisor \{\n\t+compatible = "hypervisor,xen";/);
  r = cli('convert', hl, '--to', 'dom0less', '-o', back);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(readFileSync(back).subarray(0, 4), FDT_MAGIC, 'the .dtb extension selects DTB output');
  r = cli('show', '--json', back);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(expectedView(JSON.parse(r.out)), expectedFor('static-shm-evtchn.dts'));
  assert.deepEqual(readdirSync(dir).sort(), ['back.dtb', 'hl.dts'], 'no temporary file left');
  if (dtcMissing) return skipNotice(t, `${dtcMissing}: converted DTS not checked with dtc`);
  const d = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', hl]);
  assert.equal(d.status, 0, d.stderr.toString());
});

test('convert: output format follows the input, or --format; same input, same bytes', () => {
  const a = cli('convert', 'examples/xen-ci-smoke.dts', '--to', 'hyperlaunch');
  assert.equal(a.status, 0, a.err);
  assert.match(a.out, /^\/dts-v1\/;/);
  const b = cli('convert', 'examples/xen-ci-smoke.dts', '--to', 'hyperlaunch');
  assert.deepEqual(b.stdout, a.stdout);
  const c = cli('convert', 'examples/xen-ci-smoke.dts', '--to', 'hyperlaunch', '--format', 'dtb');
  assert.equal(c.status, 0, c.err);
  assert.deepEqual(c.stdout.subarray(0, 4), FDT_MAGIC);
  const dtb = join(tmp(), 'smoke.dtb');
  writeFileSync(dtb, c.stdout);
  const d = cli('convert', dtb, '--to', 'dom0less');
  assert.equal(d.status, 0, d.err);
  assert.deepEqual(d.stdout.subarray(0, 4), FDT_MAGIC, 'DTB in, DTB out');
});

test('convert: a lossy conversion lists each dropped item with its source position and exits 1; --allow-loss writes it', () => {
  const dir = tmp();
  const out = join(dir, 'out.dts');
  const r = cli('convert', 'examples/hyperlaunch-disaggregated.dts', '--to', 'dom0less', '-o', out);
  assert.equal(r.status, 1);
  assert.ok(!existsSync(out), 'nothing written');
  // Lines and columns of the dropped properties in the example.
  assert.match(r.err, /^examples\/hyperlaunch-disaggregated\.dts:\d+:\d+: error\[\w+\]: \/chosen\/hypervisor\/control:mode: /m);
  assert.match(r.err, /^examples\/hyperlaunch-disaggregated\.dts:\d+:\d+: error\[\w+\]: \/chosen\/hypervisor\/hardware\/ramdisk:module-index: /m);
  assert.match(r.err, /error\[LOSSY_CONVERSION\]: 7 item\(s\) cannot be expressed in dom0less/);
  const ok = cli('convert', 'examples/hyperlaunch-disaggregated.dts', '--to', 'dom0less', '--allow-loss', '-o', out);
  assert.equal(ok.status, 0, ok.err);
  assert.match(ok.err, /warning\[\w+\]: \/chosen\/hypervisor\/control:mode/);
  assert.match(readFileSync(out, 'latin1'), /control \{\n\t+compatible = "xen,domain";/);
});

test('convert --json: every diagnostic is one JSON object with a path', () => {
  const r = cli('convert', '--json', 'examples/hyperlaunch-x86-dom0.dts', '--to', 'dom0less');
  assert.equal(r.status, 1);
  const lines = jsonLines(r.err);
  assert.equal(lines.length, 11);
  assert.deepEqual(lines.slice(0, 10).map((l) => l.path).slice(0, 2), ['/chosen/hypervisor/dom0:functions', '/chosen/hypervisor/dom0:mode']);
  assert.equal(lines.at(-1)!.code, 'LOSSY_CONVERSION');
});

test('convert: dom0less → Hyperlaunch for x86 drops the Arm-only properties, by path', () => {
  const r = cli('convert', 'examples/static-memory.dts', '--to', 'hyperlaunch', '--arch', 'x86_64');
  assert.equal(r.status, 1);
  assert.match(r.err, /static-memory\.dts:\d+:\d+: error\[\w+\]: \/chosen\/domU1:xen,static-mem: /);
  assert.match(r.err, /static-memory\.dts:\d+:\d+: error\[\w+\]: \/chosen\/domU1:direct-map: /);
});

function writeCase(text: string, name = 'case.dts'): string {
  const dir = tmp();
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('a one-cell memory is an error naming the path and the line', () => {
  const file = writeCase(`/dts-v1/;\n/ {\n\tchosen {\n\t\tdomU1 {\n\t\t\tcompatible = "xen,domain";\n\t\t\tmemory = <0x20000>;\n\t\t\tcpus = <1>;\n\t\t};\n\t};\n};\n`);
  for (const cmd of [['show'], ['convert', '--to', 'hyperlaunch']]) {
    const r = cli(...cmd, file);
    assert.equal(r.status, 1, cmd[0]);
    assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:4: error\\[PROP_NOT_U64\\]: /chosen/domU1:memory must be a 64-bit value`, 'm'));
    assert.doesNotMatch(r.err, /internal error|\n\s+at /);
  }
});

test('a tree mixing both interfaces, or a hypervisor node for another hypervisor, is a located error', () => {
  const mixed = writeCase(`/dts-v1/;\n/ { chosen {\n\thypervisor { compatible = "hypervisor,xen"; };\n\tdomU1 { compatible = "xen,domain"; memory = <0 0x20000>; cpus = <1>; };\n}; };\n`);
  let r = cli('show', mixed);
  assert.equal(r.status, 1);
  assert.match(r.err, /case\.dts:4:\d+: error\[MIXED_INTERFACES\]: \/chosen\/domU1 is a dom0less xen,domain node/);
  const kvm = writeCase(`/dts-v1/;\n/ { chosen {\n\thypervisor { compatible = "hypervisor,kvm"; };\n}; };\n`);
  r = cli('convert', kvm, '--to', 'dom0less');
  assert.equal(r.status, 1);
  assert.match(r.err, /case\.dts:3:\d+: error\[HL_BAD_COMPATIBLE\]: \/chosen\/hypervisor is not compatible "hypervisor,xen"/);
  const none = writeCase(`/dts-v1/;\n/ { chosen { stdout-path = "/uart"; }; };\n`);
  r = cli('show', '--json', none);
  assert.equal(r.status, 1);
  assert.equal(jsonLines(r.err)[0]!.code, 'NO_BOOT_CONFIG');
});

test('a DTS that dtc rejects is reported as the dtc command reports it, exit 1', () => {
  const bad = writeCase(`/dts-v1/;\n/ { chosen { x = <&nowhere>; }; };\n`);
  const r = cli('convert', bad, '--to', 'hyperlaunch');
  assert.equal(r.status, 1);
  assert.match(r.err, /case\.dts:2:\d+: error\[\w+\]: .*nowhere/);
  const missing = cli('show', join(tmp(), 'absent.dts'));
  assert.equal(missing.status, 1);
  assert.match(missing.err, /Couldn't open .*absent\.dts/);
});

test('usage errors exit 2 without a stack trace', () => {
  for (const args of [
    ['convert', 'examples/true-dom0less.dts'],
    ['convert', 'examples/true-dom0less.dts', '--to', 'grub'],
    ['convert', 'examples/true-dom0less.dts', '--to', 'hyperlaunch', '--format', 'yaml'],
    ['convert', 'examples/true-dom0less.dts', '--to', 'hyperlaunch', '--xen', 'latest'],
    ['show', 'examples/true-dom0less.dts', '--arch', 'riscv'],
    ['show', '--bogus', 'examples/true-dom0less.dts'],
    ['show'],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.err, /^hyperlaunch (show|convert): .*\nusage: hyperlaunch/, args.join(' '));
  }
  assert.equal(cli('convert', '--help').status, 0);
  assert.equal(cli('show', '-h').status, 0);
});

test('convert never overwrites its input', () => {
  const src = writeCase(readFileSync(examplePath('true-dom0less.dts'), 'latin1').replace('/include/ "qemu-virt-arm64.dtsi"', ''));
  const before = readFileSync(src);
  const r = cli('convert', src, '--to', 'hyperlaunch', '-o', src);
  assert.equal(r.status, 2);
  assert.match(r.err, /refusing to overwrite input/);
  assert.deepEqual(readFileSync(src), before);
});
