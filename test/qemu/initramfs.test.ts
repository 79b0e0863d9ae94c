/**
 * The init script's optional device-tree report: off by default (the marker
 * line other code parses stays as it was), and the lines it adds run in a
 * real shell against a stand-in /proc/device-tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dtReportLine, initScript } from '../../src/qemu/initramfs.js';
import { skipNotice } from '../support/paths.js';

test('initScript: no report asked, no report line; the marker line is unchanged', () => {
  assert.equal(initScript('domU1', { reportDtPaths: [] }), initScript('domU1'));
  assert.doesNotMatch(initScript('domU1'), /HYPERLAUNCH-DT/);
  assert.match(initScript('domU1'), /^echo "HYPERLAUNCH-MARKER domU1 up kernel=\$\(\/bin\/busybox uname -r\)"$/m);
});

test('initScript: each reported path prints present or absent, before the marker', (t) => {
  const script = initScript('dom U1', { reportDtPaths: ['/passthrough/pl061@9030000', '/chosen/missing,node'] });
  const lines = script.split('\n');
  const marker = lines.findIndex((l) => l.includes('HYPERLAUNCH-MARKER'));
  const report = lines.filter((l) => l.includes('HYPERLAUNCH-DT'));
  assert.equal(report.length, 2);
  assert.ok(lines.indexOf(report[1]!) < marker, 'the report comes before the marker');
  const sh = spawnSync('sh', ['-c', 'true']);
  if (sh.error) return skipNotice(t, 'no sh to run the report lines');
  const root = mkdtempSync(join(tmpdir(), 'hl-dtreport-'));
  try {
    mkdirSync(join(root, 'passthrough', 'pl061@9030000'), { recursive: true });
    // The same lines, pointed at a stand-in tree and the host's test(1).
    const runnable = report.map((l) => l.replace('/bin/busybox test', 'test').replace('/proc/device-tree', root)).join('\n');
    const r = spawnSync('sh', ['-c', runnable], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      dtReportLine('dom U1', '/passthrough/pl061@9030000', true),
      dtReportLine('dom U1', '/chosen/missing,node', false),
    ]);
    assert.equal(r.stdout.split('\n')[0], 'HYPERLAUNCH-DT dom_U1 /passthrough/pl061@9030000 present');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('initScript: a path that could break out of the script is refused with a typed error', () => {
  for (const bad of ['relative/node', '/a"; reboot; "', '/a b', '/$(x)', '/', '']) {
    assert.throws(() => initScript('domU1', { reportDtPaths: [bad] }), (e: Error & { code?: string; hint?: string }) => e.code === 'BAD_DT_PATH' && /node-name characters/.test(e.hint ?? ''), bad);
  }
});
