/**
 * Slow, thorough companion of dtb-fuzz: the same fast-check mutations of
 * dtc-made blobs, each also given to dtc. Where dtc accepts, our round trip
 * must give its bytes; where it fails, we must throw an FdtError. Cases
 * where dtc would read header fields past totalsize (undefined behaviour in
 * dtc) only check our side. Needs dtc; about 3 ms per case.
 * Run: npx tsx test/fuzz/dtb-differential-fuzz.ts [cases] [seed]
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { applyMutation, mutationArb, seedBlobs } from './dtb-fuzz.js';
import { compareWithDtc, type Disagreement } from '../fdt/dtb-differential.js';

/** dtc reads size fields beyond a totalsize of 28..39 bytes. */
function dtcReadsPastHeader(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  const total = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
  return total >= 28 && total < 40;
}

export async function runDtbDifferentialFuzz(numRuns: number, seed: number): Promise<{ cases: number; disagreements: Disagreement[] }> {
  const seeds = seedBlobs().filter((s) => s.blob.length < 4096);
  const arb = fc.tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 }));
  const cases = fc.sample(arb, { numRuns, seed }).map(([which, ms]) => {
    let blob = seeds[which]!.blob;
    for (const m of ms) blob = applyMutation(blob, m);
    const label = `${seeds[which]!.label} ${JSON.stringify(ms, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`;
    return { label, blob, dtcUnsafe: dtcReadsPastHeader(blob) };
  });
  return { cases: cases.length, disagreements: await compareWithDtc(cases) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 2000);
  const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
  const r = await runDtbDifferentialFuzz(runs, seed);
  console.log(`dtb differential fuzz: seed ${seed}, ${r.cases} cases, ${r.disagreements.length} disagreements`);
  for (const d of r.disagreements) console.log(`${d.label}\n  ${d.detail}`);
}
