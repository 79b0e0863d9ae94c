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
import { join } from 'node:path';
import fc from 'fast-check';
import { runDtc } from '../../src/fdt/dtc.js';
import { dtcInitialPath, shortenToInitialPath } from '../../src/fdt/dts/annotation.js';
import { encodeDtsText, printDts } from '../../src/fdt/dts/print.js';
import { DTC_TESTS, needShared, sharedPath } from '../support/shared.js';
import { needTool } from '../support/tools.js';

const corpusDir = sharedPath(DTC_TESTS);

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
    if (!needTool(t, 'dtc')) return;
    if (!needShared(t, 'DTS printer over the dtc corpus', DTC_TESTS)) return;
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
  if (!needTool(t, 'dtc')) return;
  if (!needShared(t, 'printer corner cases (incbin.bin of the dtc corpus)', DTC_TESTS)) return;
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

// ---------------------------------------------------------------- random property values, parser + printer vs dtc

const labelArb = fc.constantFrom('', 'la: ', 'lb: ', 'lc: la2: ');
const cellArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => `0x${n.toString(16)}`),
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.constantFrom("'a'", "'\\n'", "'\\0'", '(-1)', '(1 << 31)'),
);
const stringCharArb = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\\n', '\\t', '\\"', '\\\\', '\\0', '\\x01', '\\xff', '\\377', '\\a', '\\r'),
);
const chunkArb = fc.oneof(
  fc.array(stringCharArb, { maxLength: 8 }).map((cs) => `"${cs.join('')}"`),
  fc
    .tuple(fc.constantFrom('', '/bits/ 8 ', '/bits/ 16 ', '/bits/ 32 ', '/bits/ 64 '), fc.array(fc.tuple(labelArb, cellArb), { maxLength: 4 }), labelArb)
    .map(([bits, cells, end]) => {
      // Keep literals inside the width of /bits/ 8 and 16 so dtc accepts them.
      const fit = bits === '/bits/ 8 ' ? (c: string) => `(${c} & 0xff)` : bits === '/bits/ 16 ' ? (c: string) => `(${c} & 0xffff)` : (c: string) => c;
      return `${bits}<${cells.map(([l, c]) => `${l}${fit(c)}`).join(' ')} ${end}>`;
    }),
  fc.array(fc.tuple(labelArb, fc.integer({ min: 0, max: 255 })), { maxLength: 5 }).map((bs) => `[${bs.map(([l, b]) => `${l}${b.toString(16).padStart(2, '0')}`).join(' ')}]`),
);
const propArb = fc.tuple(labelArb, fc.array(fc.tuple(labelArb, chunkArb), { minLength: 0, maxLength: 4 }), labelArb).map(([pl, chunks, end]) =>
  chunks.length === 0 ? `${pl}p` : `${pl}p = ${chunks.map(([l, c]) => `${l}${c}`).join(', ')} ${end}`,
);

test('random property values: parser + printer equal dtc 1.6.1 -O dts (fast-check)', (t) => {
  if (!needTool(t, 'dtc')) return;
  const dir = mkdtempSync(join(tmpdir(), 'dts-print-rand-'));
  let compared = 0;
  try {
    // 30 properties per sample, one dtc run each, to keep the test fast.
    fc.assert(
      fc.property(fc.array(propArb, { minLength: 30, maxLength: 30 }), (props) => {
        // Labels must be unique in a tree; number them per sample.
        let n = 0;
        const body = props.map((p, i) => `\t${p.replace(/\b(l[a-c]2?):/g, (_m, l: string) => `${l}_${n++}:`).replace(/\bp\b/, `p${i}`)};`).join('\n');
        const { dtc, ours } = compileSnippet(dir, `/ {\n${body}\n};`);
        if (dtc.status !== 0) return; // e.g. a literal dtc rejects; the parser has its own tests for that
        compared++;
        assert.equal(ours.exitCode, 0, ours.error?.message);
        assert.equal(Buffer.from(encodeDtsText(printDts(ours.tree!))).toString('latin1'), (dtc.stdout as Buffer).toString('latin1'));
      }),
      { numRuns: 40, seed: 20261126 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`dts-print random values: ${compared}/40 samples accepted by dtc, all identical`);
  assert.ok(compared >= 20, `dtc accepted only ${compared} of 40 samples`);
});

// ---------------------------------------------------------------- -T annotations

test('shortenToInitialPath follows dtc', () => {
  assert.equal(shortenToInitialPath('a.dts', 'a.dts'), undefined);
  assert.equal(shortenToInitialPath('dir/a.dts', 'dir/a.dts'), 'a.dts');
  assert.equal(shortenToInitialPath('dir/inc/b.dtsi', 'dir/a.dts'), 'inc/b.dtsi');
  assert.equal(shortenToInitialPath('/x/y/b.dtsi', '/x/z/w/a.dts'), '../../y/b.dtsi');
  assert.equal(dtcInitialPath('/dts-v1/;\n', 'main.dts'), 'main.dts');
  assert.equal(dtcInitialPath('# 0 "/src/board.dts"\n# 0 "<built-in>"\n', 'x.pp'), '/src/board.dts');
  assert.equal(dtcInitialPath('#line 3 "a\\\\b.dts" 1\n', 'x.pp'), 'a\\b.dts');
});

for (const level of [1, 2]) {
  test(`corpus dts->dts ${'-T '.repeat(level).trim()}: annotations equal dtc 1.6.1`, (t) => {
    if (!needTool(t, 'dtc')) return;
    if (!needShared(t, 'DTS annotations over the dtc corpus', DTC_TESTS)) return;
    let total = 0;
    const differ: string[] = [];
    for (const name of corpusAccepted()) {
      // Absolute names exercise dtc's ../ shortening against the initial path.
      const file = join(corpusDir, `${name}.dts`);
      const run = spawnSync('dtc', ['-q', ...Array<string>(level).fill('-T'), '-I', 'dts', '-O', 'dts', '-i', corpusDir, file], { maxBuffer: 64 << 20, timeout: 10_000 });
      if (run.status !== 0) continue;
      total++;
      const source = readFileSync(file);
      const ours = runDtc(new Uint8Array(source), { file, includeDirs: [corpusDir], inputFormat: 'dts', outputFormat: 'dts', quiet: 1 });
      const initialPath = dtcInitialPath(source.toString('latin1'), file);
      const text = ours.tree ? encodeDtsText(printDts(ours.tree, { annotate: level, initialPath })) : undefined;
      if (!text || !Buffer.from(text).equals(run.stdout)) differ.push(name);
    }
    console.log(`dts-print dts->dts -T x${level}: ${total - differ.length}/${total} identical${differ.length ? ` (differ: ${differ.join(', ')})` : ''}`);
    assert.ok(total > 50);
    assert.deepEqual(differ, []);
  });
}
