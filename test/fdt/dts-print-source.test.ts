/**
 * DTS -> DTS through the whole pipeline (parse, checks, print) against
 * `dtc -I dts -O dts` of the real dtc 1.6.1, run at test time, over dtc's own
 * test corpus. Here the printer works from the parser's type markers and
 * labels, not from guessing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDtc } from '../../src/fdt/dtc.js';
import { encodeDtsText, printDts } from '../../src/fdt/dts-print.js';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

const corpusDir = join(findRepoRoot(), '..', 'shared', 'corpus', 'dtc-tests');
const haveDtc = spawnSync('dtc', ['--version'], { encoding: 'utf8' }).stdout?.includes('DTC') ?? false;
if (!haveDtc) console.log('dts-print-source tests: dtc not installed, oracle comparisons skipped');

/** Corpus files dtc 1.6.1 accepts (the expectations table; crashes and hangs are listed as such there). */
function corpusAccepted(): string[] {
  const rows = readFileSync(join(corpusDir, 'expectations.tsv'), 'utf8').split('\n').slice(1);
  return rows
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length > 4 && cols[4]!.startsWith('ok'))
    .map((cols) => cols[0]!)
    .filter((name) => existsSync(join(corpusDir, `${name}.dts`)));
}

interface Variant {
  label: string;
  dtcArgs: string[];
  opts: { sort?: boolean; symbols?: boolean; phandleFormat?: 'legacy' | 'epapr' | 'both' };
}

const VARIANTS: Variant[] = [
  { label: 'dts->dts', dtcArgs: [], opts: {} },
  { label: 'dts->dts -s', dtcArgs: ['-s'], opts: { sort: true } },
  { label: 'dts->dts -@ -H both', dtcArgs: ['-@', '-H', 'both'], opts: { symbols: true, phandleFormat: 'both' } },
];

for (const v of VARIANTS) {
  test(`corpus ${v.label}: our text equals dtc 1.6.1`, (t) => {
    if (!haveDtc) return t.skip('dtc not installed');
    if (!existsSync(corpusDir)) {
      console.log(`dts-print-source tests: corpus not found at ${corpusDir}, skipped`);
      return t.skip('corpus absent');
    }
    let total = 0;
    const differ: string[] = [];
    for (const name of corpusAccepted()) {
      const file = join(corpusDir, `${name}.dts`);
      const args = ['-q', '-I', 'dts', '-O', 'dts', '-i', corpusDir, ...v.dtcArgs, file];
      const run = spawnSync('dtc', args, { maxBuffer: 64 << 20, timeout: 10_000 });
      if (run.status !== 0) continue; // rejected with these options: not a printer comparison
      total++;
      const ours = runDtc(new Uint8Array(readFileSync(file)), {
        file,
        includeDirs: [corpusDir],
        inputFormat: 'dts',
        outputFormat: 'dts',
        quiet: 1,
        ...v.opts,
      });
      // Compare the printer's own bytes, independent of how the pipeline encodes its output.
      const text = ours.tree ? encodeDtsText(printDts(ours.tree)) : undefined;
      if (ours.exitCode !== 0 || !text || !Buffer.from(text).equals(run.stdout)) differ.push(name);
    }
    console.log(`dts-print ${v.label}: ${total - differ.length}/${total} identical${differ.length ? ` (differ: ${differ.join(', ')})` : ''}`);
    assert.ok(total > 50, `only ${total} corpus files accepted by dtc`);
    assert.deepEqual(differ, []);
  });
}
