/** `hyperlaunch check`: exit codes, compiler-style text, JSON, SARIF 2.1.0, --host, --partial, docs/rules.md drift. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../src/check/rules/index.js';
import { rulesMarkdown } from '../../src/check/rules-doc.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { writeSyntheticKernel } from './x86-kernel-images.js';

const fx = (name: string) => join('test', 'check', 'fixtures', name);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'check', ...args], { cwd: repoRoot });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

test('exit codes: 0 clean, 0 with warnings only, 1 on an error, 2 on usage errors', () => {
  assert.equal(cli(fx('caps-mask.ok.dts')).status, 0);
  assert.equal(cli(fx('dom-name-unit.dts')).status, 0);
  assert.equal(cli(fx('caps-mask.dts')).status, 1);
  assert.equal(cli().status, 2);
  assert.equal(cli('--json', '--sarif', fx('caps-mask.dts')).status, 2);
  assert.equal(cli('--xen', 'four', fx('caps-mask.dts')).status, 2);
  assert.equal(cli('--bogus', fx('caps-mask.dts')).status, 2);
});

test('human output: file:line:col: error[id], the source line, a caret under the column, the Xen message, a hint', () => {
  const r = cli(fx('caps-hw-unique.dts'));
  const lines = r.stderr.split('\n');
  const head = lines.findIndex((l) => l.includes('error[caps-hw-unique]'));
  assert.ok(head >= 0, r.stderr);
  const m = /^(.+):(\d+):(\d+): error\[caps-hw-unique\]: domU1 is a second hardware domain/.exec(lines[head]!);
  assert.ok(m, lines[head]);
  const src = readFileSync(join(repoRoot, m[1]!), 'utf8').split('\n')[Number(m[2]) - 1]!;
  assert.match(src.slice(Number(m[3]) - 1), /^capabilities = <0x2>;/);
  assert.ok(lines[head + 1]!.endsWith(src.trimEnd()), lines[head + 1]);
  const caret = lines[head + 2]!;
  const bar = caret.indexOf('| ') + 2;
  assert.equal(caret.length - bar, Number(m[3]), 'caret under the column');
  assert.equal(lines[head + 3], '  = xen: Only 1 hardware domain can be specified! (%pd)');
  assert.match(lines[head + 4]!, /^ {2}hint: /);
  assert.match(r.stderr, /1 error, 0 warnings\n$/);
});

test('a value the reader refuses is a finding in the same format, not a crash', () => {
  const r = cli(fx('memory-u64.dts'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /memory-u64\.dts:\d+:\d+: error\[memory-u64\]: /);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  const missing = cli('no/such/file.dts');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /error\[config-read\]: cannot read no\/such\/file\.dts: ENOENT/);
});

test('--json: one object per finding with rule, severity, location, path, Xen message', () => {
  const r = cli('--json', fx('staticmem-sum.dts'));
  assert.equal(r.status, 1);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.rule, 'staticmem-sum');
  assert.equal(rows[0]!.severity, 'error');
  assert.equal(rows[0]!.path, '/chosen/domU1:memory');
  assert.equal(rows[0]!.xenSource, 'xen/common/device-tree/static-memory.c');
  assert.equal(typeof rows[0]!.line, 'number');
});

test('--sarif: SARIF 2.1.0 with the rule table, results with levels, physical and logical locations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-check-'));
  const out = join(dir, 'out.sarif');
  const r = cli('--sarif', '-o', out, fx('caps-hw-unique.dts'));
  assert.equal(r.status, 1, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(s.version, '2.1.0');
  assert.match(s.$schema, /sarif-2\.1\.0/);
  const driver = s.runs[0].tool.driver;
  assert.equal(driver.name, 'hyperlaunch');
  assert.equal(driver.rules.length, RULES.length);
  const ids = driver.rules.map((x: { id: string }) => x.id);
  const res = s.runs[0].results;
  assert.equal(res.length, 1);
  assert.equal(res[0].ruleId, 'caps-hw-unique');
  assert.equal(ids[res[0].ruleIndex], 'caps-hw-unique');
  assert.equal(res[0].level, 'error');
  assert.match(res[0].message.text, /second hardware domain/);
  const loc = res[0].locations[0];
  assert.equal(loc.physicalLocation.artifactLocation.uri, 'test/check/fixtures/caps-hw-unique.dts');
  assert.ok(Number.isInteger(loc.physicalLocation.region.startLine) && loc.physicalLocation.region.startLine > 0);
  assert.ok(Number.isInteger(loc.physicalLocation.region.startColumn) && loc.physicalLocation.region.startColumn > 0);
  assert.equal(loc.logicalLocations[0].fullyQualifiedName, '/chosen/domU1:capabilities');
  // Refuses to write over its input.
  assert.equal(cli('--sarif', '-o', fx('caps-hw-unique.dts'), fx('caps-hw-unique.dts')).status, 2);
});

test('--host: a board DTB with one CPU and 256 MiB makes a configuration that fits QEMU virt fail', () => {
  const board = `/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>;
    cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { device_type = "cpu"; reg = <0>; }; };
    intc@8000000 { compatible = "arm,gic-v3"; interrupt-controller; reg = <0x0 0x8000000 0x0 0x10000>, <0x0 0x80a0000 0x0 0xf60000>; interrupts = <1 9 4>; };
    timer { compatible = "arm,armv8-timer"; };
    memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x10000000>; }; };\n`;
  const dtb = runDtc(new TextEncoder().encode(board), { file: 'board.dts' }).output!;
  const dir = mkdtempSync(join(tmpdir(), 'hl-check-'));
  const host = join(dir, 'board.dtb');
  writeFileSync(host, dtb);
  assert.equal(cli(fx('host-vcpus.ok.dts')).status, 0);
  const r = cli('--json', '--host', host, fx('host-vcpus.ok.dts'));
  const rules = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule).sort();
  // cpus = <2> on one CPU (warning); the kernel at 0x50000000 lies beyond 256 MiB of RAM (error).
  assert.deepEqual(rules, ['host-vcpus', 'mod-outside-ram']);
  assert.equal(r.status, 1);
});

test('--partial: a passthrough blob naming a device the host lacks', () => {
  const bad = cli('--partial', `domU1=${fx('pdt-path-exists.partial.dts')}`, fx('pdt-path-exists.dts'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error\[pdt-path-exists\]: domU1: \/passthrough\/gpio@9030000 points at \/gpio@9030000/);
  assert.equal(cli('--partial', `domU1=${fx('pdt-path-exists.ok.partial.dts')}`, fx('pdt-path-exists.ok.dts')).status, 0);
  assert.equal(cli('--partial', 'nodomain', fx('pdt-path-exists.dts')).status, 2);
});

test('--xen debian-4.17: static memory is an error for Debian\'s build, fine for an unknown 4.17 build', () => {
  assert.equal(cli(fx('build-static-memory.dts')).status, 0);
  assert.equal(cli('--xen', '4.17', fx('build-static-memory.dts')).status, 0);
  const r = cli('--xen', 'debian-4.17', fx('build-static-memory.dts'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[build-static-memory\]: domU1: xen,static-mem needs CONFIG_STATIC_MEMORY, which Xen Debian 4.17 lacks/);
});

test('--xen 4.17: the Xen message is 4.17\'s own (users grep their serial log for it)', () => {
  const old = cli('--xen', '4.17', fx('xenstore-needed.dts'));
  assert.equal(old.status, 1);
  assert.match(old.stderr, /\n {2}= xen: At the moment, Xenstore support requires dom0 to be present\n/);
  const now = cli('--xen', '4.21', fx('xenstore-needed.dts'));
  assert.match(now.stderr, /\n {2}= xen: xenstore requested, but xenstore domain not present\n/);
});

test('docs/rules.md is the text generated from the rule table', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'rules.md'), 'utf8');
  assert.equal(doc, rulesMarkdown(RULES), 'regenerate: node bin/hyperlaunch.js check --rules-md > docs/rules.md');
  for (const r of RULES) assert.ok(doc.includes(`| \`${r.id}\` | ${r.severity} |`), r.id);
});

test('--kernel and --ramdisk: dom0\'s memory against its kernel\'s bootstrap block and its ramdisk; a malformed --ramdisk is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-fit-'));
  const kernel = writeSyntheticKernel(dir, 'generic-span');
  const ramdisk = join(dir, 'initrd.img');
  writeFileSync(ramdisk, Buffer.alloc(1051216));
  const args = ['--xen', 'debian-4.17', '--kernel', `dom0=${kernel}`];
  const r = cli(...args, '--ramdisk', `dom0=${ramdisk}`, fx('x86-dom0-kernel-fit.dts'));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /error\[x86-dom0-kernel-fit\]: dom0: 128 MiB \(32768 pages\) .* one block of 128 MiB \(2\^15 pages\) \+ the ramdisk's 257 pages = 33025 pages; .* The smallest dom0 that fits: 130 MiB/);
  assert.equal(cli(...args, '--ramdisk', `dom0=${ramdisk}`, fx('x86-dom0-kernel-fit.ok.dts')).status, 0);
  // Without the ramdisk's file, the block alone fits in 128 MiB: nothing to say.
  assert.equal(cli(...args, fx('x86-dom0-kernel-fit.dts')).status, 0);
  assert.equal(cli(...args, '--ramdisk', 'dom0', fx('x86-dom0-kernel-fit.dts')).status, 2);
  rmSync(dir, { recursive: true, force: true });
});
