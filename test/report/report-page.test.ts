/**
 * The page against its DOM contract (docs/report.md), read with regexes
 * over the contract's attributes: the three faults of
 * fixtures/three-faults.dts (an overlap, a one-sided event channel, an
 * over-committed pool) are each drawn in error and linked to the finding
 * check gives for them; the page fetches nothing; user strings are escaped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkSource } from '../../src/check/engine.js';
import { reportHtml } from '../../src/report/html-page.js';
import { elementsWithClass, examplePartial, examplesDir, reportOf } from './report-helpers.js';
import { repoRoot } from '../support/paths.js';

const faults = join(repoRoot, 'test/report/fixtures/three-faults.dts');

/** The id check's finding of `rule` gets on the page (findings are numbered in check's order). */
function findingId(rule: string): string {
  const findings = checkSource(readFileSync(faults), { file: faults, includeDirs: [examplesDir] }).findings;
  const i = findings.findIndex((f) => f.ruleId === rule);
  assert.ok(i >= 0, `check gives no ${rule}: ${findings.map((f) => f.ruleId).join(', ')}`);
  return `finding-${i + 1}`;
}

function findingItem(html: string, id: string): string {
  const m = new RegExp(`<li class="finding [a-z]+" id="${id}"[^>]*>.*?</li>`).exec(html);
  assert.ok(m, `no <li id="${id}">`);
  return m[0];
}

test('the overlap: both module rects in error, linked to check\'s mod-overlap finding', () => {
  const html = reportHtml(reportOf(faults));
  const id = findingId('mod-overlap');
  const rects = elementsWithClass(html, 'range').filter((r) => r['class']!.split(' ').includes('error'));
  // domU1's ramdisk [0x46000000, 0x47000000) and domU2's kernel [0x46800000, 0x48800000), as the fixture writes them.
  assert.deepEqual(rects.map((r) => [r['data-start'], r['data-end'], r['data-owner'], r['data-finding']]), [
    ['0x46000000', '0x47000000', 'domU1', id], ['0x46800000', '0x48800000', 'domU2', id],
  ]);
  for (const r of rects) assert.ok(html.includes(`<a href="#${id}"><rect class="range error" data-kind="module" data-start="${r['data-start']}"`), `rect ${r['data-start']} not wrapped in its link`);
  assert.match(findingItem(html, id), /data-rule="mod-overlap" data-severity="error"/);
});

test('the one-sided event channel: a dashed edge from domU3 in error, linked to evtchn-remote, which links back to domU3', () => {
  const html = reportHtml(reportOf(faults));
  const id = findingId('evtchn-remote');
  const edges = elementsWithClass(html, 'edge');
  assert.deepEqual(edges.map((e) => [e['data-kind'], e['data-from'], e['data-to'], e['class']]), [
    ['evtchn', 'domU1', 'domU2', 'edge'], ['evtchn', 'domU3', 'domU2', 'edge dangling error'],
  ]);
  assert.equal(edges[1]!['data-finding'], id);
  const li = findingItem(html, id);
  assert.match(li, /data-domain="domU3"/);
  assert.match(li, /href="#domain-domU3"/);
  assert.match(html, /<tr class="domain has-error" id="domain-domU3" data-domain="domU3" data-domid="3">/);
  assert.match(html, /#comm-graph \.edge\.dangling \{ stroke-dasharray/);
});

test('the over-committed pool: cpu 1 (one CPU, domU2\'s 3 vCPUs) overcommitted and in error, linked to cpupool-overcommit and host-vcpus; cpu 0 (domU1 and domU3 on one CPU) overcommitted without a finding, so not in error', () => {
  const html = reportHtml(reportOf(faults));
  const ids = [findingId('cpupool-overcommit'), findingId('host-vcpus')];
  const row1 = /<tr data-cpu="1"[^>]*>.*?<\/tr>/.exec(html)![0];
  assert.match(row1, /^<tr data-cpu="1" class="overcommitted error" data-finding="(finding-\d+)">/);
  assert.ok(ids.includes(/data-finding="(finding-\d+)"/.exec(row1)![1]!));
  for (const id of ids) assert.ok(row1.includes(`<a href="#${id}">`), `${id} not linked from cpu 1`);
  assert.match(row1, /domU2 ×3/);
  assert.equal(/<tr data-cpu="0"[^>]*>/.exec(html)![0], '<tr data-cpu="0" class="overcommitted">');
});

test('every example: one row per domain with its domid, one rect per range with its start label; the page fetches nothing and prints on A4', () => {
  for (const name of ['qemu-dom0less.dts', 'static-shm-evtchn.dts', 'boot-cpupools.dts', 'true-dom0less.dts']) {
    const data = reportOf(join(examplesDir, name));
    const html = reportHtml(data);
    const rows = elementsWithClass(html, 'domain');
    assert.deepEqual(rows.map((r) => [r['data-domain'], r['data-domid']]), data.domains.map((d) => [d.name, String(d.domid)]), name);
    const rects = elementsWithClass(html, 'range');
    assert.equal(rects.length, data.memory.length, name);
    const labels = [...html.matchAll(/<text class="addr"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(labels, rects.map((r) => r['data-start']), name);
    for (const r of rects) assert.match(`${r['data-start']} ${r['data-end']}`, /^0x[0-9a-f]+ 0x[0-9a-f]+$/);
    assert.doesNotMatch(html, /<script|<link|url\(|@import|@font-face|src=/i, name);
    assert.match(html, /@page \{ size: A4;/);
    assert.match(html, /@media print/);
    assert.match(html, /<section id="target">/);
  }
});

test('user strings are escaped: a bootargs with markup stays text', () => {
  const data = reportOf(join(examplesDir, 'qemu-dom0less.dts'));
  data.target.xenCommandLine = '<script>alert(1)</script> & "quotes"';
  data.domains[1]!.name = 'x"><img src=y>';
  const html = reportHtml(data);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
  assert.doesNotMatch(html, /<script|<img/);
});

test('a host device two domains\' partial device trees claim: both rows marked claimed-twice', () => {
  const file = join(examplesDir, 'qemu-dom0less.dts');
  const partial = examplePartial();
  const one = reportOf(file, [examplesDir], new Map([['domU1', partial]]));
  const two = reportOf(file, [examplesDir], new Map([['domU1', partial], ['domU2', partial]]));
  // qemu-dom0less.dts describes no /pl061@9030000: check's pdt-path-exists marks each row in error too.
  assert.deepEqual(elementsWithClass(reportHtml(one), 'device').map((r) => [r['data-domain'], r['class']]), [['domU1', 'device error']]);
  assert.deepEqual(elementsWithClass(reportHtml(two), 'device').map((r) => [r['data-domain'], r['class']]), [['domU1', 'device claimed-twice error'], ['domU2', 'device claimed-twice error']]);
  const html = reportHtml(one);
  const id = elementsWithClass(html, 'device')[0]!['data-finding']!;
  assert.match(html, new RegExp(`<li class="finding error" id="${id}" data-rule="pdt-path-exists"`));
});
