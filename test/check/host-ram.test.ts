/**
 * A board DTB whose /memory the firmware fills at boot: one host-ram-missing
 * finding, the RAM rules listed as not evaluated, and --ram (check's
 * option) making them run; --place lays the modules out on that RAM.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runDtc } from '../../src/fdt/dtc.js';
import { cliPath, repoRoot } from '../support/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hl-host-ram-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** QEMU virt's CPUs, GIC, timer and PSCI, with `memory` for its RAM. */
function board(name: string, memory: string): string {
  const dts = `/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;
    cpus { #address-cells = <1>; #size-cells = <0>;
      cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
      cpu@1 { device_type = "cpu"; reg = <1>; enable-method = "psci"; }; };
    psci { compatible = "arm,psci-1.0"; method = "smc"; };
    timer { compatible = "arm,armv8-timer"; interrupts = <1 13 4>, <1 14 4>, <1 11 4>, <1 10 4>; };
    gic: intc@8000000 { compatible = "arm,gic-v3"; #interrupt-cells = <3>; interrupt-controller;
      reg = <0x0 0x8000000 0x0 0x10000>, <0x0 0x80a0000 0x0 0xf60000>; interrupts = <1 9 4>; };
    ${memory} };\n`;
  const path = join(dir, `${name}.dtb`);
  writeFileSync(path, runDtc(new TextEncoder().encode(dts), { file: `${name}.dts` }).output!);
  return path;
}

const noMemory = board('no-memory', '');
const sizeZero = board('size-zero', 'memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x0>; };');
// domU1: 128 MiB, its kernel at 0x50000000 (16 MiB): inside QEMU virt's 2 GiB from 0x40000000
const config = join('test', 'check', 'fixtures', 'host-vcpus.ok.dts');

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'check', ...args], { cwd: repoRoot });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function jsonLines(stdout: string): { rule: string; severity: string; message: string; notEvaluated?: string[] }[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('a board without /memory, and one with size-0 memory: one finding each, the RAM rules listed as not evaluated', () => {
  for (const [host, says] of [[noMemory, /has no \/memory node/], [sizeZero, /declares \/memory with size 0/]] as const) {
    const r = check('--json', '--host', host, config);
    assert.equal(r.status, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.deepEqual(lines.map((l) => `${l.severity}:${l.rule}`), ['warning:host-ram-missing', 'note:not-evaluated']);
    assert.match(lines[0]!.message, says);
    assert.match(lines[0]!.message, /firmware or bootloader fills in RAM at boot/);
    assert.deepEqual(lines[1]!.notEvaluated, ['memory-fit', 'mod-outside-ram', 'static-outside-ram']);
    const text = check('--host', host, config);
    assert.match(text.stderr, /warning\[host-ram-missing\]/);
    assert.match(text.stderr, /hint: give it: --ram START:SIZE .*MEMORY_START\/MEMORY_END.*\/sys\/firmware\/fdt/);
    assert.match(text.stderr, /note\[not-evaluated\]: not evaluated, .* describes no RAM: memory-fit, mod-outside-ram, static-outside-ram/);
    assert.match(text.stderr, /: 0 errors, 1 warning\n$/);
  }
});

test('--ram gives the RAM: the board passes clean, and the RAM rules run (a bank too small is an error)', () => {
  for (const host of [noMemory, sizeZero]) {
    const ok = check('--host', host, '--ram', '0x40000000:2G', config);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr, `${config}: 0 errors, 0 warnings\n`);
    const small = check('--json', '--host', host, '--ram', '0x40000000:0x10000000', config);
    assert.equal(small.status, 1);
    assert.deepEqual(jsonLines(small.stdout).map((l) => l.rule), ['mod-outside-ram']);
  }
  // two banks: the module's bank is the second one
  assert.equal(check('--host', noMemory, '--ram', '0:256M', '--ram', '0x50000000:512M', config).status, 0);
});

test('--place lays the modules out on the given RAM, so a configuration for another board fits this one', () => {
  const r = check('--json', '--host', noMemory, '--ram', '0x80000000:1G', config);
  assert.deepEqual(jsonLines(r.stdout).map((l) => l.rule), ['mod-outside-ram']);
  const placed = check('--host', noMemory, '--ram', '0x80000000:1G', '--place', config);
  assert.equal(placed.status, 0, placed.stderr);
  assert.equal(placed.stderr, `${config}: 0 errors, 0 warnings\n`);
});

test('a configuration without a board: the rules that need one are listed as not evaluated', () => {
  const cfg = join(dir, 'chosen-only.dts');
  writeFileSync(cfg, `/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; chosen { #address-cells = <2>; #size-cells = <2>;
    domU1 { compatible = "xen,domain"; #address-cells = <1>; #size-cells = <1>; memory = <0x0 0x20000>; cpus = <1>;
      kernel@50000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x50000000 0x1000000>; }; }; }; };\n`);
  const r = check('--json', cfg);
  assert.equal(r.status, 0, r.stderr);
  const note = jsonLines(r.stdout).find((l) => l.rule === 'not-evaluated');
  assert.ok(note, r.stdout);
  for (const id of ['memory-fit', 'mod-outside-ram', 'board-gic', 'board-timer', 'host-ram-missing']) assert.ok(note.notEvaluated!.includes(id), id);
  const sarif = JSON.parse(check('--sarif', cfg).stdout) as { runs: { results: { level: string; message: { text: string } }[] }[] };
  assert.ok(sarif.runs[0]!.results.some((x) => x.level === 'note' && /not evaluated/.test(x.message.text)));
});

test('--ram usage errors exit 2', () => {
  for (const bad of ['0x40000000', ':1G', '0x40000000:', 'zero:1G', '0x40000000:0', '0x40000000:1T']) assert.equal(check('--host', noMemory, '--ram', bad, config).status, 2, bad);
  assert.equal(check('--host', noMemory, '--ram', '0:1G', '--ram', '0x20000000:1G', config).status, 2, 'overlapping banks');
});
