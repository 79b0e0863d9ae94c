/** The overlap sweep against brute force, and Xen's merging of shared blobs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModel } from '../../src/check/engine.js';
import { RULES } from '../../src/check/rules/index.js';
import { overlappingPairs, overlaps } from '../../src/check/rules/support.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { newDomain } from '../../src/model/domain.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';

/** xorshift32: deterministic ranges, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('overlappingPairs finds exactly the pairs a quadratic scan finds', () => {
  const r = rng(12345);
  for (let round = 0; round < 50; round++) {
    const items = Array.from({ length: 40 }, (_, id) => ({ id, address: BigInt(Math.floor(r() * 1000)), size: BigInt(Math.floor(r() * 60)) }));
    const brute: string[] = [];
    for (let i = 0; i < items.length; i++) for (let j = 0; j < i; j++) if (overlaps(items[i]!.address, items[i]!.size, items[j]!.address, items[j]!.size)) brute.push(`${i}>${j}`);
    const swept = overlappingPairs(items).map(([a, b]) => `${a.id}>${b.id}`);
    assert.deepEqual(swept.sort(), brute.sort());
  }
});

function model(n: number, shared: boolean): BootModel {
  const domains = Array.from({ length: n }, (_, i) =>
    newDomain(`d${i}`, {
      memoryKiB: 0x4000n,
      vcpus: 1,
      modules: [newModule('kernel', { compatible: ['multiboot,kernel', 'multiboot,module'], location: { type: 'range', address: shared ? 0x50000000n : 0x50000000n + BigInt(i) * 0x1000000n, size: 0x1000000n } })],
    }),
  );
  return { interface: 'dom0less', target: {}, hypervisor: newHypervisor(), domains, cpupools: [], hostPassthrough: [] };
}

test('one kernel blob shared by 40 domains is one module to Xen: no mod-count, no overlap', () => {
  const rules = RULES.filter((r) => r.id === 'mod-count' || r.id === 'mod-overlap');
  assert.deepEqual(checkModel(model(40, true), { rules }), []);
  assert.deepEqual(checkModel(model(40, false), { rules }).map((f) => f.ruleId), ['mod-count']);
});
