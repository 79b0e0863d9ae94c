/**
 * A 100,000-device tree must go through the whole flow (parse + checks +
 * write, read, print) in roughly linear time. Only generous bounds are
 * asserted, on CPU time so a busy machine does not fail it: the run
 * completes within 60 s and doubling the tree costs less
 * than 4x (a quadratic step would give ~4x and more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { walkNodes } from '../../src/fdt/tree/livetree.js';
import { syntheticDts, syntheticNodeCount } from '../../bench/synthetic-tree.js';

interface Timing {
  devices: number;
  /** CPU time of this process (user + system): steadier than wall time on a busy machine. */
  cpuMs: number;
  wallMs: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function fullFlow(devices: number): Timing {
  const opts = { devices, perBus: 1000 };
  const source = new TextEncoder().encode(syntheticDts(opts));
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  const compiled = runDtc(source, { inputFormat: 'dts', outputFormat: 'dtb', file: 'synthetic.dts' });
  assert.equal(compiled.exitCode, 0, compiled.messages.slice(0, 5).join('\n'));
  assert.deepEqual(compiled.messages, [], 'the synthetic tree is warning-free for dtc; ours should be too');
  const tree = readDtb(compiled.output!);
  const text = printDts(tree);
  const cpu = cpuMs() - cpuStart;
  const wall = performance.now() - wallStart;
  let nodes = 0;
  for (const _ of walkNodes(tree.root)) nodes++;
  assert.equal(nodes, syntheticNodeCount(opts));
  assert.ok(text.length > source.length / 2, 'printed text is about as large as the source');
  return { devices, cpuMs: cpu, wallMs: wall };
}

test('a 100,000-device tree parses, writes, reads and prints in linear time', { timeout: 600_000 }, () => {
  fullFlow(5_000); // warm the JIT so the first measured size is not penalised
  const half = fullFlow(50_000);
  const full = fullFlow(100_000);
  const ratio = full.cpuMs / half.cpuMs;
  const show = (x: Timing): string => `${x.devices} devices ${x.cpuMs.toFixed(0)} ms CPU (${x.wallMs.toFixed(0)} ms wall)`;
  console.log(`large tree: ${show(half)}, ${show(full)}, CPU ratio ${ratio.toFixed(2)}`);
  assert.ok(full.cpuMs < 60_000, `100,000 devices took ${full.cpuMs.toFixed(0)} ms of CPU (bound 60 s)`);
  assert.ok(ratio < 4, `doubling the tree cost ${ratio.toFixed(2)}x (bound 4x): something is quadratic`);
});
