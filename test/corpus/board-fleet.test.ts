/**
 * The fleet run: examples/qemu-dom0less.dts (dom0 + two domUs) placed on
 * and checked against every arm64 board DTB Debian's kernel package ships,
 * in this one process; docs/boards.md is what src/cli/boards-doc.ts makes of
 * the result. Skips with a notice without the corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeBoard } from '../../src/artifacts/board-verdict.js';
import { boardsMarkdown, fleetConfig, runFleet } from '../../src/cli/boards-doc.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { repoRoot } from '../support/paths.js';
import { getKernelDtbs, isUnavailable, skipUnavailable } from './debian-corpus.js';

const NO_MEMORY = 'allwinner/sun50i-a100-allwinner-perf1.dtb';
const SIZE_ZERO = 'broadcom/bcm2711-rpi-4-b.dtb';

test('fleet: every Debian arm64 board DTB gets a verdict, docs/boards.md is the generated table, one finding per missing fact', { timeout: 600_000 }, async (t) => {
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const started = performance.now();
  const entries = runFleet(fleetConfig(repoRoot), corpus.dir);
  const seconds = (performance.now() - started) / 1000;
  console.log(`fleet: ${entries.length} boards in ${seconds.toFixed(1)} s: ${['ready', 'ready with --ram', 'not ready'].map((v) => `${entries.filter((e) => e.verdict === v).length} ${v}`).join(', ')}`);
  assert.equal(entries.length, corpus.files.filter((f) => f.endsWith('.dtb')).length);
  for (const e of entries) {
    const rules = e.findings.map((f) => f.ruleId);
    assert.equal(new Set(rules).size, rules.length, `${e.board}: two findings of one rule: ${rules.join(', ')}`);
  }
  const doc = readFileSync(join(repoRoot, 'docs', 'boards.md'), 'utf8');
  const corpusName = `${corpus.packageName}_${corpus.version}`;
  const regenerate = `node dist/src/cli/boards-doc.js ${corpus.dir} ${corpusName} > docs/boards.md`;
  // The page names the package it was made from: a newer Debian kernel is a new fleet, not a stale page.
  const madeFrom = /Debian's `([^`]+)`/.exec(doc)?.[1];
  if (madeFrom !== corpusName) {
    console.log(`board-fleet: docs/boards.md was made from ${madeFrom ?? '?'}, the corpus here is ${corpusName}: not compared (${regenerate})`);
    return;
  }
  assert.ok(doc === boardsMarkdown(entries, corpusName), `docs/boards.md is stale: ${regenerate}`);
});

test('fleet: a board without /memory and one with size-0 memory each get the one finding, and are ready once --ram is given', { timeout: 600_000 }, async (t) => {
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const config = fleetConfig(repoRoot);
  for (const [board, ram] of [[NO_MEMORY, { address: 0x40000000n, size: 1n << 30n }], [SIZE_ZERO, { address: 0n, size: 0x3b400000n }]] as const) {
    const tree = readDtb(readFileSync(join(corpus.dir, board)));
    const without = judgeBoard(config, tree, board);
    assert.equal(without.verdict, 'ready with --ram', board);
    assert.deepEqual(without.findings.map((f) => f.ruleId), ['host-ram-missing'], board);
    const withRam = judgeBoard(config, tree, board, [ram]);
    assert.equal(withRam.verdict, 'ready', `${board}: ${withRam.findings.map((f) => f.message).join('; ')}`);
    assert.deepEqual(withRam.findings, []);
    // placed: every module inside the given bank
    for (const d of withRam.placed.domains) {
      for (const m of d.modules) {
        if (m.location?.type !== 'range') continue;
        assert.ok(m.location.address >= ram.address && m.location.address + m.location.size <= ram.address + ram.size, `${board}: ${d.name} ${m.kind} at 0x${m.location.address.toString(16)}`);
      }
    }
  }
});
