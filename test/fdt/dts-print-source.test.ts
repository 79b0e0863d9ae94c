/**
 * DTS -> DTS through the whole pipeline (parse, checks, print) against
 * `dtc -I dts -O dts` of the real dtc 1.6.1, run at test time, over dtc's own
 * test corpus. Here the printer works from the parser's type markers and
 * labels, not from guessing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Small sources for the printer's corner cases; each is compiled alone by dtc and by us. */
const SNIPPETS: Record<string, string> = {
  'typed chunks and value labels': `
/memreserve/ 0x1000 0x20;
m1: m2: /memreserve/ 0x2000 0x30;
/ {
	a = "\\x80\\x01\\x1b", "b";
	b = <l: 1>;
	c = <>, "a";
	d = "a", <>;
	g = l1: "a", l2: [01 02] l3:, /bits/ 16 <1 l4: 2>, /bits/ 64 <3 0x100000002>, /bits/ 8 <5 'c'>;
	pl1: pl2: e;
	s = "x", "", "y";
	end = <1> le:;
	esc = "\\t\\n\\r\\a\\b\\v\\f\\"\\\\\\0\\101\\x7f";
	chars = <'a' '\\n' 0xffffffff (-1)>;
	bytes = [], [00], [0123456789abcdef];
};`,
  'references print as numbers and strings': `
/ {
	h = &n1, <&n1 7>, <&{/n1}>;
	n1: x: n1 { p; };
	n2 { r = <&n1>; s = &{/n1}; };
};
/ { y: n2 { }; };
&n1 { z: q = <1>; };`,
  '/incbin/ alone': `
/ {
	a = /incbin/("incbin.bin", 0, 3);
	b = /incbin/("incbin.bin", 0, 4);
	d = la: /incbin/("incbin.bin", 0, 4) lb:;
	e = /incbin/("incbin.bin");
};`,
  'deleted entries': `
/ {
	gone = <1>;
	keep: kept = "k";
	old: old { };
	n { };
};
/ { /delete-property/ gone; /delete-node/ old; };
/delete-node/ &{/n};`,
};

/** Sources on which dtc 1.6.1 fails an assertion while printing (exit 134); we must fail cleanly instead. */
const ABORTING: Record<string, string> = {
  'string then /incbin/': '/ { e = "a", /incbin/("incbin.bin", 0, 3); };',
  '/incbin/ then string': '/ { f = /incbin/("incbin.bin", 0, 3), "x"; };',
  '/incbin/ then cells': '/ { c = /incbin/("incbin.bin", 0, 4), <5>; };',
};

function compileSnippet(dir: string, source: string): { dtc: ReturnType<typeof spawnSync>; ours: ReturnType<typeof runDtc>; file: string } {
  const file = join(dir, 'snippet.dts');
  writeFileSync(file, `/dts-v1/;\n${source}\n`);
  const dtc = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dts', file], { timeout: 10_000 });
  const ours = runDtc(new Uint8Array(readFileSync(file)), { file, inputFormat: 'dts', outputFormat: 'dts', quiet: 1 });
  return { dtc, ours, file };
}

test('printer corner cases through the pipeline equal dtc 1.6.1', (t) => {
  if (!haveDtc) return t.skip('dtc not installed');
  if (!existsSync(corpusDir)) return t.skip('corpus absent (incbin.bin)');
  const dir = mkdtempSync(join(tmpdir(), 'dts-print-src-'));
  try {
    copyFileSync(join(corpusDir, 'incbin.bin'), join(dir, 'incbin.bin'));
    for (const [name, source] of Object.entries(SNIPPETS)) {
      const { dtc, ours } = compileSnippet(dir, source);
      assert.equal(dtc.status, 0, `${name}: dtc rejected the snippet: ${String(dtc.stderr)}`);
      assert.equal(ours.exitCode, 0, `${name}: ${ours.error?.message}`);
      assert.equal(Buffer.from(encodeDtsText(printDts(ours.tree!))).toString('latin1'), (dtc.stdout as Buffer).toString('latin1'), name);
    }
    for (const [name, source] of Object.entries(ABORTING)) {
      const { dtc, ours } = compileSnippet(dir, source);
      assert.ok(dtc.status !== 0, `${name}: dtc 1.6.1 was expected to abort`);
      assert.equal(ours.exitCode, 1, name);
      assert.match(ours.error?.code ?? '', /^DTS_PRINT_/, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
