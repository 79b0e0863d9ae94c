/**
 * ~3,000 mutated blobs through the DTB reader (see test/fuzz/dtb-fuzz.ts):
 * each must give a DeviceTree or an FdtError. The seed is fixed so a
 * failure reproduces; `npm run fuzz` runs the long, random-seed version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDtbFuzz } from '../fuzz/dtb-fuzz.js';

const RUNS = 3000;
const SEED = 20261126;

test(`DTB fuzz: ${RUNS} mutated blobs end in a tree or an FdtError`, (t) => {
  const start = performance.now();
  const r = runDtbFuzz(RUNS, SEED);
  const secs = (performance.now() - start) / 1000;
  t.diagnostic(`seed ${SEED}: ${r.runs} cases, ${r.ok} accepted, ${r.errors} FdtErrors, ${secs.toFixed(1)} s`);
  assert.equal(r.runs, RUNS);
  assert.equal(r.ok + r.errors, RUNS);
  assert.ok(r.ok > 0 && r.errors > 0, 'both outcomes occur');
});
