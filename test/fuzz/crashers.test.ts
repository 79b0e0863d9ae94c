/**
 * Crashes the fuzzers found, kept until src is fixed: each JSON file in
 * test/fuzz/crashers/ (as `npm run fuzz` writes them) is replayed through
 * the fuzz harness and marked todo, so it reports without failing the
 * suite; once it passes, the todo and the file can go. The first tests
 * show the replay format itself round-trips.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths.js';
import { configCaseToJson, configSeeds } from './config-fuzz.js';
import { imageBuilderCaseToJson, imageBuilderSeeds, sampleImageBuilderCases } from './imagebuilder-fuzz.js';
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

const files = existsSync(CRASHERS) ? readdirSync(CRASHERS).filter((f) => f.endsWith('.json')).sort() : [];
if (files.length === 0) console.log('crashers: none recorded in test/fuzz/crashers/');
for (const f of files) {
  const json = JSON.parse(readFileSync(join(CRASHERS, f), 'utf8')) as Record<string, unknown>;
  const what = String(json.summary ?? json.step ?? f);
  test(`crasher ${f}`, { todo: `crash: ${what}` }, () => {
    const r = replayCase(json);
    assert.ok(r === 'ok' || r === 'typed', typeof r === 'object' ? `${r.step}: ${r.error}` : r);
  });
}
