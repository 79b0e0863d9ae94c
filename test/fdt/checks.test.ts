/**
 * The check pass's API edges: -W/-E argument parsing (checked against dtc's
 * own acceptance of every name), the reference fixups on large and deep
 * trees built directly (100,000 nodes must stay fast; dtc itself is
 * quadratic there), and agreement with dtc on a mid-sized generated tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueBuilder } from '../../src/fdt/tree/data.js';
import { FdtError } from '../../src/fdt/errors.js';
import { DeviceTree, Node, Property, addLabel } from '../../src/fdt/tree/livetree.js';
import { CHECK_NAMES, formatCheckDiagnostic, parseCheckOption, processChecks } from '../../src/fdt/checks/dtc-checks.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { needTool } from '../support/tools.js';

test('parseCheckOption: prefixes, no-/no_, levels, unknown names', () => {
  assert.deepEqual(parseCheckOption('-Wno-unit_address_vs_reg', 'W'), { name: 'unit_address_vs_reg', warn: true, error: false, enable: false });
  assert.deepEqual(parseCheckOption('no_reg_format', 'E'), { name: 'reg_format', warn: false, error: true, enable: false });
  assert.deepEqual(parseCheckOption('-Ealways_fail', 'E'), { name: 'always_fail', warn: false, error: true, enable: true });
  assert.throws(() => parseCheckOption('-Wbogus', 'W'), (e: unknown) => e instanceof FdtError && e.code === 'DTC_UNKNOWN_CHECK' && e.message === 'Unrecognized check name "bogus"');
});

test('CHECK_NAMES: every name is one dtc 1.6.1 accepts', (t) => {
  if (!needTool(t, 'dtc')) return;
  const dir = mkdtempSync(join(tmpdir(), 'checks-names-'));
  try {
    const file = join(dir, 'e.dts');
    writeFileSync(file, '/dts-v1/;\n/ { };\n');
    // always_fail would make dtc exit 2, so only ask for the warning level of each name being known
    const args = CHECK_NAMES.flatMap((n) => [`-Wno-${n}`]);
    const ok = spawnSync('dtc', [...args, '-o', '/dev/null', file], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const bad = spawnSync('dtc', ['-Wbogus', '-o', '/dev/null', file], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Unrecognized check name "bogus"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(new Set(CHECK_NAMES).size, CHECK_NAMES.length);
});

/** `count` nodes under `buses` buses; each node is labelled, points at another with <&label> and sometimes by path. */
function wideTree(count: number, buses: number): DeviceTree {
  const tree = new DeviceTree();
  const perBus = Math.ceil(count / buses);
  let made = 0;
  for (let b = 0; b < buses && made < count; b++) {
    const bus = tree.root.addChild(new Node(`bus${b}`));
    for (let i = 0; i < perBus && made < count; i++, made++) {
      const n = bus.addChild(new Node(`dev${i}`));
      addLabel(n.labels, `n${made}`);
      const target = (made * 7919 + 13) % count;
      const v = new ValueBuilder().addMarker('uint32').addMarker('ref-phandle', `n${target}`).appendCell(0);
      n.addProperty(new Property('ref', v.build()));
      if (made % 10 === 0) {
        const p = new ValueBuilder().addMarker('ref-path', `n${(made + 1) % count}`);
        n.addProperty(new Property('path', p.build()));
      }
      if (made % 13 === 5) n.omitIfUnused = true;
    }
  }
  return tree;
}

function wideDts(count: number, buses: number): string {
  const tree = wideTree(count, buses);
  const out = ['/dts-v1/;', '/ {'];
  for (const bus of tree.root.children) {
    out.push(`\t${bus.name} {`);
    for (const n of bus.children) {
      const ref = n.getProperty('ref')!.value.markers[1]!.ref;
      const path = n.getProperty('path')?.value.markers[0]!.ref;
      out.push(`\t\t${n.omitIfUnused ? '/omit-if-no-ref/ ' : ''}${n.labels[0]!.name}: ${n.name} {`);
      out.push(`\t\t\tref = <&${ref}>;`);
      if (path) out.push(`\t\t\tpath = &${path};`);
      out.push('\t\t};');
    }
    out.push('\t};');
  }
  out.push('};');
  return out.join('\n') + '\n';
}

test('fixups on 100,000 nodes stay fast and number phandles in reference order', () => {
  const tree = wideTree(100_000, 100);
  const start = performance.now();
  const r = processChecks(tree);
  const ms = performance.now() - start;
  console.log(`checks: 100,000 nodes in ${ms.toFixed(0)} ms`);
  assert.equal(r.hasErrors, false);
  // the first reference (from n0) gets phandle 1
  const first = tree.root.children[0]!.children[0]!.getProperty('ref')!.bytes;
  assert.deepEqual([...first], [0, 0, 0, 1]);
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test('fixups on a 20,000-deep chain end without stack overflow', () => {
  const tree = new DeviceTree();
  let n = tree.root;
  for (let i = 0; i < 20_000; i++) n = n.addChild(new Node(`c${i}`));
  addLabel(n.labels, 'deep');
  tree.root.addProperty(new Property('ref', new ValueBuilder().addMarker('ref-phandle', 'deep').appendCell(0).build()));
  tree.root.addProperty(new Property('path', new ValueBuilder().addMarker('ref-path', 'deep').build()));
  const r = processChecks(tree);
  assert.equal(r.hasErrors, false);
  assert.equal(n.phandle, 1);
  assert.ok(tree.root.getProperty('path')!.bytes.length > 20_000 * 3);
});

test('a 3,000-node generated tree: diagnostics and bytes agree with dtc', (t) => {
  if (!needTool(t, 'dtc')) return;
  const dir = mkdtempSync(join(tmpdir(), 'checks-wide-'));
  try {
    const src = wideDts(3000, 30);
    writeFileSync(join(dir, 'w.dts'), src);
    const dtc = spawnSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', 'w.dtb', 'w.dts'], { cwd: dir, encoding: 'latin1' });
    const ours = runDtc(new TextEncoder().encode(src), { file: 'w.dts' });
    assert.equal(ours.exitCode, dtc.status);
    const dtcLines = dtc.stderr.split('\n').filter((l) => l !== '');
    assert.deepEqual(ours.diagnostics.map((d) => formatCheckDiagnostic(d, 'w.dtb')), dtcLines);
    assert.ok(ours.output && Buffer.from(ours.output).equals(readFileSync(join(dir, 'w.dtb'))), 'output bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
