/**
 * `xen,static-mem` is in /chosen's cells, not the domain node's, proven on
 * upstream Xen 4.22 (built from ../shared/xen-src, booted with
 * `qemu --xen-image --xen-config`): examples/static-memory.dts with domU1's
 * own cells changed to 1 + 1 (its modules written in them) while /chosen
 * stays 2 + 2, and the bank moved to 0x60000000 (the direct route loads the
 * guests' kernels from 0x50000000, where the example's bank is).
 * - the bank written in /chosen's cells: check finds nothing and every
 *   domain boots on the release build;
 * - the same 256 MiB as two banks in domU1's own cells: check says
 *   static-mem-cells, and Xen, booted anyway (--force), reads the four cells
 *   as one bank far outside RAM and faults before its console exists: the
 *   release build stops silently (seen by hand), so this boot uses the
 *   early-printk build, which shows the fault in about a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootPrerequisites } from './support.js';
import { xen422Builds } from './xen-source-support.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { inTempDir } from '../support/temp-dir.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXAMPLE = readFileSync(join(repoRoot, 'examples', 'static-memory.dts'), 'utf8');

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`static-memory.dts has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** The example with domU1's cells at 1 + 1 (its modules in them) and `staticMem` as domU1's xen,static-mem. */
function ownCellsTree(staticMem: string): string {
  let t = EXAMPLE;
  t = edit(t, 'compatible = "xen,domain";\n\t\t\t#address-cells = <2>;\n\t\t\t#size-cells = <2>;', 'compatible = "xen,domain";\n\t\t\t#address-cells = <1>;\n\t\t\t#size-cells = <1>;');
  t = edit(t, 'reg = <0x0 0x46000000 0x0 0x2000000>;', 'reg = <0x46000000 0x2000000>;');
  t = edit(t, 'reg = <0x0 0x48000000 0x0 0x100000>;', 'reg = <0x48000000 0x100000>;');
  return edit(t, 'xen,static-mem = <0x0 0x50000000 0x0 0x10000000>;', `xen,static-mem = <${staticMem}>;`);
}

/** In /chosen's 2 + 2 cells: one bank, 0x60000000 size 0x10000000. */
const XEN_WAY = ownCellsTree('0x0 0x60000000 0x0 0x10000000');
/** The same 256 MiB as two banks in domU1's 1 + 1: Xen reads one bank at 0x6000000008000000 of size 0x6800000008000000. */
const OWN_WAY = ownCellsTree('0x60000000 0x8000000 0x68000000 0x8000000');

const xen = xen422Builds();
const boot = bootPrerequisites();

/** The Xen build's own .config when there is one, else its release: check judges for the Xen that boots. */
function target(): string[] {
  return xen.release ? ['--xen-config', xen.release.config] : ['--xen', '4.22'];
}

test('check: static-mem in /chosen\'s cells under a domain node with other cells is clean; in the node\'s own cells it is static-mem-cells', () => {
  inTempDir('hl-staticmem-', (dir) => {
    writeFileSync(join(dir, 'xen-way.dts'), XEN_WAY);
    writeFileSync(join(dir, 'own-way.dts'), OWN_WAY);
    const good = cli('check', '-i', 'examples', ...target(), join(dir, 'xen-way.dts'));
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stderr, /0 errors, 0 warnings/);
    const bad = cli('check', '-i', 'examples', ...target(), join(dir, 'own-way.dts'));
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /error\[static-mem-cells\]: \/chosen\/domU1:xen,static-mem looks written in \/chosen\/domU1's own cells \(1 \+ 1: 0x60000000 size 0x8000000, 0x68000000 size 0x8000000\), but Xen reads it with \/chosen's \(2 \+ 2: 0x6000000008000000 size 0x6800000008000000\)/);
    assert.match(bad.stderr, /hint: write it in \/chosen's cells: xen,static-mem = <0x0 0x60000000 0x0 0x8000000 0x0 0x68000000 0x0 0x8000000>/);
    assert.match(bad.stderr, /error\[static-outside-ram\]: domU1 xen,static-mem \[0x6000000008000000, /);
  });
});

test('qemu on Xen 4.22: static-mem in /chosen\'s cells, domain node 1 + 1: every domain boots', (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  inTempDir('hl-staticmem-', (dir) => {
    const file = join(dir, 'xen-way.dts');
    writeFileSync(file, XEN_WAY);
    const log = join(dir, 'serial.log');
    const r = cli('qemu', '-i', 'examples', '--timeout', '400', '--serial-log', log, '--xen-image', xen.release!.image, '--xen-config', xen.release!.config, file);
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /all 2 domain\(s\) passed/);
    // Xen took the bank /chosen's cells give, not one the domain node's 1 + 1 would.
    assert.match(readFileSync(log, 'latin1'), STATIC_BANK_OK);
  });
});

test('qemu --force on Xen 4.22: static-mem in the domain node\'s own cells is misread and Xen faults', (t) => {
  if (!xen.earlyPrintk) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  inTempDir('hl-staticmem-', (dir) => {
    const file = join(dir, 'own-way.dts');
    writeFileSync(file, OWN_WAY);
    const log = join(dir, 'serial.log');
    const own = ['--xen-image', xen.earlyPrintk!.image, '--xen-config', xen.earlyPrintk!.config];
    const refused = cli('qemu', '-i', 'examples', ...own, file);
    assert.equal(refused.status, 1);
    assert.equal(refused.stdout, '', 'booted without --force');
    assert.match(refused.stderr, /error\[static-mem-cells\]/);
    const r = cli('qemu', '-i', 'examples', '--force', '--timeout', '120', '--serial-log', log, ...own, file);
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /problem: Xen panic \(line \d+\): CPU0: Unexpected Trap: Data Abort/);
    const serial = readFileSync(log, 'latin1');
    for (const line of MISREAD_FAULT) assert.match(serial, line);
    assert.doesNotMatch(serial, /STATIC BANK/);
  });
});

/** Written from real boots (docs/fidelity.md, "Xen 4.22"). */
const STATIC_BANK_OK = /\(XEN\) d1: STATIC BANK\[0\] 0x00000060000000-0x00000070000000/;
const MISREAD_FAULT = [
  /\(XEN\) {2}RESVD\[0\]: 6000000008000000 - c80000000fffffff/,
  /\(XEN\) CPU0: Unexpected Trap: Data Abort/,
  /\(XEN\) PC: +[0-9a-f]+ unprepare_staticmem_pages\+/,
];
