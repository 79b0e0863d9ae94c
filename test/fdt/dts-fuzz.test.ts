/**
 * A short run of the DTS fuzzer (test/fuzz/dts-fuzz.ts) in the normal test
 * suite: 2,000 mutated sources and generated expressions, each ending in a
 * tree or an FdtError; and 300 mutated sources compared with dtc itself. Longer runs: `npm run fuzz -- --only dts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDtsFuzz, sampleGeneratedPrograms, sampleMutatedSources } from '../fuzz/dts-fuzz.js';
import { needTool } from '../support/tools.js';
import { dtcOutcome, ourOutcome, writeTree } from './dts-oracle.js';

test('DTS fuzz: 2,000 cases end in a tree or an FdtError', () => {
  const start = performance.now();
  const r = runDtsFuzz(2000, 20261126);
  const secs = (performance.now() - start) / 1000;
  console.log(`dts fuzz: ${r.runs} cases, ${r.ok} parsed, ${r.errors} FdtError, ${secs.toFixed(1)} s`);
  assert.equal(r.runs, 2000);
  assert.equal(r.ok + r.errors, r.runs);
  assert.ok(r.ok > 0 && r.errors > 0);
});

function compareWithDtc(label: string, sources: string[]): void {
  const diffs: string[] = [];
  let compared = 0;
  for (const text of sources) {
    const dir = writeTree({ 'main.dts': text });
    const want = dtcOutcome(dir, 'dts');
    if (want.exit === null) continue; // dtc 1.6.1 crashed or hung in its checks
    compared++;
    const got = ourOutcome(dir, 'dts');
    if (want.text !== got.text) diffs.push(`${JSON.stringify(text).slice(0, 400)}\n  dtc : ${want.text.slice(0, 200)}\n  ours: ${got.text.slice(0, 200)}`);
  }
  console.log(`${label}: ${compared - diffs.length}/${compared} identical to dtc`);
  assert.deepEqual(diffs, []);
}

test('DTS differential fuzz: mutated sources give dtc’s output or dtc’s first error', (t) => {
  if (!needTool(t, 'dtc')) return;
  compareWithDtc('dts differential fuzz (mutated corpus)', sampleMutatedSources(300, 31337));
});

test('DTS differential fuzz: generated merge/delete/label programs give dtc’s output or first error', (t) => {
  if (!needTool(t, 'dtc')) return;
  compareWithDtc('dts differential fuzz (generated programs)', sampleGeneratedPrograms(200, 2026));
});
