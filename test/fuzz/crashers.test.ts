/**
 * Crashes the fuzzers found. Not yet fixed: each JSON file in
 * test/fuzz/crashers/ (as `npm run fuzz` writes them) is replayed through
 * the fuzz harness and marked todo, so it reports without failing the
 * suite. Fixed: the file moves to test/fuzz/regressions/ with the outcome
 * it must now have (`expect`: ok or typed), a normal test. Each replays in
 * a worker with a deadline, so a hang that comes back fails instead of
 * blocking. The first tests show the replay format itself round-trips.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { repoRoot } from '../support/paths.js';
import { configCaseToJson, configSeeds } from './config-fuzz.js';
import { imageBuilderCaseToJson, imageBuilderSeeds, sampleImageBuilderCases } from './imagebuilder-fuzz.js';
import type { judgeCase } from './harness.js';
import { replayCase } from './replay.js';

const CRASHERS = join(repoRoot, 'test', 'fuzz', 'crashers');

test('replay: a boot configuration written as a case JSON replays to the same outcome', () => {
  const seed = configSeeds().configs.find((c) => c.file === 'examples/qemu-dom0less.dts')!;
  const dtb = { format: 'dtb' as const, file: 'x.dtb', input: seed.dtb, xen: '4.17' };
  assert.equal(replayCase(JSON.parse(JSON.stringify(configCaseToJson(dtb)))), 'ok');
  const text = { format: 'dts' as const, file: join(repoRoot, seed.file), input: Buffer.from(seed.text, 'latin1') };
  assert.equal(replayCase(JSON.parse(JSON.stringify(configCaseToJson(text)))), 'ok');
  const truncated = { ...dtb, input: seed.dtb.subarray(0, 100) };
  assert.equal(replayCase(JSON.parse(JSON.stringify(configCaseToJson(truncated)))), 'typed');
});

test('replay: ImageBuilder cases written as case JSON replay to the same outcome', () => {
  const ok = { text: imageBuilderSeeds()[0]!, overrides: { loadCmd: 'tftp' }, naming: 'current' as const, avoidReserved: false };
  assert.equal(replayCase({ case: JSON.parse(JSON.stringify(imageBuilderCaseToJson(ok))) }), 'ok');
  const refused = sampleImageBuilderCases(200, 1).find((c) => c.text.includes('$('))!;
  assert.equal(replayCase(JSON.parse(JSON.stringify(imageBuilderCaseToJson(refused)))), 'typed');
});

const REGRESSIONS = join(repoRoot, 'test', 'fuzz', 'regressions');
/** Far above the 1 s CPU bound of a case, for a loaded machine and the worker's start. */
const DEADLINE_MS = 60_000;

type Replayed = ReturnType<typeof judgeCase> | 'no result before the deadline';

function replayInWorker(json: Record<string, unknown>): Promise<Replayed> {
  // A heap bound, so that a case that allocates without bound fails its test instead of ending the run.
  const worker = new Worker(new URL('./replay-worker.js', import.meta.url), { workerData: json, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve('no result before the deadline')), DEADLINE_MS);
    worker.once('message', (r: Replayed) => {
      clearTimeout(timer);
      void worker.terminate().then(() => resolve(r));
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function caseFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
}

const describe = (r: Replayed): string => (typeof r === 'object' ? `${r.step}: ${r.error}` : r);

const open = caseFiles(CRASHERS);
if (open.length === 0) console.log('crashers: none recorded in test/fuzz/crashers/');
for (const f of open) {
  const json = JSON.parse(readFileSync(join(CRASHERS, f), 'utf8')) as Record<string, unknown>;
  const what = String(json.summary ?? json.step ?? f);
  test(`crasher ${f}`, { todo: `crash: ${what}` }, async () => {
    const r = await replayInWorker(json);
    assert.ok(r === 'ok' || r === 'typed', describe(r));
  });
}

test('regressions: the crashes fixed so far are recorded', () => {
  assert.ok(caseFiles(REGRESSIONS).length >= 4, 'test/fuzz/regressions/ lost its cases');
});

for (const f of caseFiles(REGRESSIONS)) {
  const json = JSON.parse(readFileSync(join(REGRESSIONS, f), 'utf8')) as Record<string, unknown>;
  test(`regression ${f}: ${String(json.summary)}`, async () => {
    assert.ok(json.expect === 'ok' || json.expect === 'typed', `${f} has no expect`);
    assert.equal(describe(await replayInWorker(json)), json.expect);
  });
}
