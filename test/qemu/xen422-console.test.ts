/**
 * True dom0less on upstream Xen 4.22 (the source build): with no dom0, Xen
 * hands serial input to d1, whose vpl011 output then comes out without the
 * "DOM1: " prefix. Both domains must still be read as alive, each from its
 * own console. serial-log.test.ts reads excerpts of such a log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanSerialLog } from '../../src/qemu/serial-log.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { inTempDir } from '../support/temp-dir.js';
import { bootPrerequisites } from './support.js';
import { xen422Builds } from './xen-source-support.js';

const xen = xen422Builds();
const boot = bootPrerequisites();

test('Xen 4.22, true dom0less: d1 holds serial input and prints unprefixed; both domUs are alive on their own consoles', (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  inTempDir('hl-xen422-console-', (dir) => {
    const log = join(dir, 'serial.log');
    const args = ['qemu', '--timeout', '400', '--serial-log', log, '--xen-image', xen.release!.image, '--xen-config', xen.release!.config, 'examples/true-dom0less.dts'];
    const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8' });
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^examples\/true-dom0less\.dts: Xen 4\.22\.0, direct route/);
    // d1's marker is Xen's own text now; d2's keeps its prefix. Both write to
    // one serial line, so d2's log line may begin with a fragment of d1's
    // output (seen once: "(XEN) [(XEN) DOM2: HYPERLAUNCH-MARKER domU2 up");
    // the report quotes d2's line from its own prefix.
    assert.match(r.stdout, /^ {2}domU1 +1 +PASS +alive: line \d+: \(XEN\) HYPERLAUNCH-MARKER domU1 up/m);
    assert.match(r.stdout, /^ {2}domU2 +2 +PASS +alive: line \d+: \(XEN\) DOM2: HYPERLAUNCH-MARKER domU2 up/m);
    assert.match(r.stdout, /all 2 domain\(s\) passed/);
    const text = readFileSync(log, 'latin1');
    assert.match(text, /^\(XEN\) \*\*\* Serial input to DOM1 /m);
    assert.doesNotMatch(text, /\(XEN\) DOM1: /, 'd1 holds input: none of its lines carries the prefix');
    // Each kernel's first line lands on its own console, and nothing on a dom0 console that does not exist.
    const f = scanSerialLog(text);
    assert.equal(f.inputDomU, 1);
    assert.equal(f.dom0Output, undefined);
    const booting = f.consoles.filter((c) => /Booting Linux on physical CPU/.test(c.text)).map((c) => c.domid);
    assert.deepEqual(booting.sort(), [1, 2]);
  });
});
