/**
 * Bring your own Xen: `qemu --xen-image FILE [--xen-config FILE]`, and
 * `check --xen-config FILE`, with the 4.22 source build as the user's Xen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootPrerequisites } from '../qemu/support.js';
import { xen422Builds } from '../qemu/xen-source-support.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { inTempDir } from '../support/temp-dir.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('qemu: --xen-config and --xen describe a --xen-image; --xen-image is for a devicetree', () => {
  const noImage = cli('qemu', '--xen-config', 'x.config', 'examples/qemu-dom0less.dts');
  assert.equal(noImage.status, 2);
  assert.match(noImage.stderr, /--xen-config describes the Xen that boots: give --xen-image FILE too/);
  const withConfig = cli('qemu', '-c', 'cfg', '-d', '.', '--xen-image', 'xen');
  assert.equal(withConfig.status, 2);
  assert.match(withConfig.stderr, /--xen-image is for a devicetree/);
});

test('qemu / check: an unusable Xen Image or .config is an input error with a code, no stack trace', () => {
  const notImage = cli('qemu', '--xen-image', 'examples/qemu-dom0less.dts', 'examples/qemu-dom0less.dts');
  assert.equal(notImage.status, 1);
  assert.match(notImage.stderr, /^examples\/qemu-dom0less\.dts: error\[XEN_IMAGE_FORMAT\]: .*not an arm64 Image/m);
  assert.doesNotMatch(notImage.stderr, /\n\s+at /);
  const missing = cli('check', '--xen-config', 'no/such.config', 'examples/static-memory.dts');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /error\[FILE_READ\]: cannot read the Xen build's \.config no\/such\.config: ENOENT/);
  const notConfig = cli('check', '--json', '--xen-config', 'examples/static-memory.dts', 'examples/static-memory.dts');
  assert.equal(notConfig.status, 1);
  // --json output is the command's product, on stdout like the findings it stands in for.
  assert.equal(JSON.parse(notConfig.stdout.trim()).code, 'KCONFIG_SYNTAX');
  assert.equal(JSON.parse(notConfig.stdout.trim()).location, 'examples/static-memory.dts:1');
  const sarif = JSON.parse(cli('check', '--sarif', '--xen-config', 'examples/static-memory.dts', 'examples/static-memory.dts').stdout);
  assert.deepEqual(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId), ['KCONFIG_SYNTAX']);
  assert.equal(cli('check', '--xen', 'four', '--xen-config', 'x', 'examples/static-memory.dts').status, 2);
});

const xen = xen422Builds();

test('check --xen-config: the 4.22 build reads xen,static-mem; the same .config without CONFIG_STATIC_MEMORY is flagged', (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  inTempDir('hl-own-xen-', (dir) => {
    const text = readFileSync(xen.release!.config, 'utf8');
    assert.match(text, /^CONFIG_STATIC_MEMORY=y$/m);
    const withIt = cli('check', '--xen-config', xen.release!.config, 'examples/static-memory.dts');
    assert.doesNotMatch(withIt.stderr, /build-static-memory/);
    const without = join(dir, 'no-static-memory.config');
    writeFileSync(without, text.replace(/^CONFIG_STATIC_MEMORY=y$/m, '# CONFIG_STATIC_MEMORY is not set'));
    const r = cli('check', '--xen-config', without, 'examples/static-memory.dts');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /error\[build-static-memory\]: domU1: xen,static-mem needs CONFIG_STATIC_MEMORY, which Xen 4\.22\.0 \(no-static-memory\.config\) lacks/);
    // The finding is the only difference the option makes.
    assert.equal(withIt.status, 0, withIt.stderr);
  });
});

const boot = bootPrerequisites();

test('qemu --xen-image <4.22 build> --xen-config <its .config> examples/static-memory.dts: a feature Debian lacks boots on a user\'s own build, every domain passing', (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  inTempDir('hl-own-xen-', (dir) => {
    const log = join(dir, 'serial.log');
    const r = cli('qemu', '--timeout', '400', '--serial-log', log, '--xen-image', xen.release!.image, '--xen-config', xen.release!.config, 'examples/static-memory.dts');
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^examples\/static-memory\.dts: Xen 4\.22\.0, direct route/);
    assert.match(r.stdout, /all 2 domain\(s\) passed/);
    assert.match(readFileSync(log, 'latin1'), /\(XEN\) Xen version 4\.22\.0 /);
  });
});
