/**
 * A short run of the ImageBuilder config fuzzer (test/fuzz/imagebuilder-fuzz.ts)
 * in the normal test suite, and proof that its "nothing executed" check can
 * fail. Longer runs: `npm run fuzz -- --only imagebuilder`.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { judgeCase } from './harness.js';
import { MARKER, imageBuilderSeeds, runImageBuilderCase, runImageBuilderFuzz, sampleImageBuilderCases } from './imagebuilder-fuzz.js';

const plain = { overrides: { loadCmd: 'scsi' }, naming: 'current' as const, avoidReserved: false };

test('imagebuilder fuzz: every seed builds, as a script and as a FIT', () => {
  const seeds = imageBuilderSeeds();
  assert.ok(seeds.length >= 4);
  for (const text of seeds) {
    for (const fit of [false, true]) {
      const overrides = { ...plain.overrides, fit, outputName: text.includes('UBOOT_SOURCE') ? undefined : 'linuxboot' };
      assert.equal(judgeCase(() => runImageBuilderCase({ ...plain, text, overrides })), 'ok', text);
    }
  }
});

test('imagebuilder fuzz: a command in the config is refused, and a created marker would be caught', () => {
  rmSync(MARKER, { force: true });
  const text = `${imageBuilderSeeds()[0]}\nXEN="$(touch ${MARKER})"\n`;
  assert.equal(judgeCase(() => runImageBuilderCase({ ...plain, text })), 'typed');
  assert.equal(existsSync(MARKER), false);
  writeFileSync(MARKER, '');
  const caught = judgeCase(() => runImageBuilderCase({ ...plain, text: imageBuilderSeeds()[0]! }));
  assert.ok(typeof caught === 'object' && caught.step === 'nothing executed', JSON.stringify(caught));
  assert.equal(existsSync(MARKER), false);
});

test('imagebuilder fuzz: 500 mutated configs end in a build or typed diagnostics, nothing executed', () => {
  const sample = sampleImageBuilderCases(500, 20261204);
  assert.ok(sample.filter((c) => c.text.includes(MARKER)).length > 20, 'the sample tries to run commands');
  const start = performance.now();
  const r = runImageBuilderFuzz(500, 20261204);
  console.log(`imagebuilder fuzz: ${r.runs} cases, ${r.ok} ok, ${r.errors} typed, ${r.crashes.length} crashes, ${((performance.now() - start) / 1000).toFixed(1)} s`);
  assert.deepEqual(r.crashes.map((c) => `${c.step}: ${c.error}\n  ${c.label}`), []);
  assert.equal(r.runs, 500);
  assert.ok(r.ok > 20 && r.errors > 20, `${r.ok} ok, ${r.errors} typed`);
  assert.equal(existsSync(MARKER), false);
});
