/**
 * A short run of the boot-configuration fuzzer (test/fuzz/config-fuzz.ts)
 * in the normal test suite. Longer runs: `npm run fuzz -- --only config`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSeeds, runConfigFuzz } from './config-fuzz.js';

test('config fuzz: the seeds are the repository’s boot configurations, compiled', () => {
  const s = configSeeds();
  assert.ok(s.configs.length >= 150, `${s.configs.length} seeds`);
  assert.ok(s.configs.some((c) => c.file === 'examples/qemu-dom0less.dts'));
  assert.equal(s.hosts.length, 2);
});

test('config fuzz: 200 mutated boot configurations end in a result or typed diagnostics', () => {
  const start = performance.now();
  const r = runConfigFuzz(200, 20261204);
  console.log(`config fuzz: ${r.runs} cases, ${r.ok} ok, ${r.errors} typed, ${r.crashes.length} crashes, ${((performance.now() - start) / 1000).toFixed(1)} s`);
  assert.deepEqual(r.crashes.map((c) => `${c.step}: ${c.error}\n  ${c.label}`), []);
  assert.equal(r.runs, 200);
  assert.ok(r.ok > 20 && r.errors > 20, `${r.ok} ok, ${r.errors} typed`);
});
