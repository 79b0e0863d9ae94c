/**
 * The DTS printer against the real dtc 1.6.1, run at test time.
 * - hand-made trees without markers (what a DTB gives): the oracle compiles the
 *   same bytes written as `[..]` with dtc and decompiles the blob;
 * - random values (fast-check), same oracle;
 * - trees carrying source markers: the oracle is `dtc -I dts -O dts` of the
 *   DTS text those markers describe;
 * - dtc's own test corpus, dtb -> dts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Marker, PropertyValue } from '../../src/fdt/tree/data.js';
import { DeviceTree, Node, Property, addLabel } from '../../src/fdt/tree/livetree.js';
import { encodeDtsText, printDts, printDtsBytes, printDtsChunks } from '../../src/fdt/dts/print.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { formatPropertyValue, guessValueType } from '../../src/fdt/dts/value-format.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { isFdtError } from '../../src/fdt/errors.js';
import { sortTree } from '../../src/fdt/tree/sort.js';
import { DTC_TESTS, needShared, sharedPath } from '../support/shared.js';
import { needTool } from '../support/tools.js';

const corpusDir = sharedPath(DTC_TESTS);
const dtcVersion = spawnSync('dtc', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
if (dtcVersion && !dtcVersion.includes('1.6.1')) console.log(`dts-print tests: oracle is "${dtcVersion}", expected DTC 1.6.1`);

const tmp = mkdtempSync(join(tmpdir(), 'dts-print-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function dtc(args: string[], input?: string | Uint8Array): Buffer {
  return execFileSync('dtc', args, { input, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
}

// ---------------------------------------------------------------- tree building

function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

function rawProp(name: string, bytes: Uint8Array | number[]): Property {
  return new Property(name, new PropertyValue(Uint8Array.from(bytes)));
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

/** The tree as DTS with every value as raw `[..]` bytes (no type information survives a DTB anyway). */
function rawDtsSource(tree: DeviceTree): string {
  const lines = ['/dts-v1/;'];
  for (const r of tree.reservations) lines.push(`/memreserve/ 0x${r.address.toString(16)} 0x${r.size.toString(16)};`);
  const walk = (n: Node, depth: number): void => {
    const ind = '\t'.repeat(depth);
    lines.push(`${ind}${n.name === '' ? '/' : n.name} {`);
    for (const p of n.liveProperties()) lines.push(p.bytes.length ? `${ind}\t${p.name} = [${hexBytes(p.bytes)}];` : `${ind}\t${p.name};`);
    for (const c of n.liveChildren()) walk(c, depth + 1);
    lines.push(`${ind}};`);
  };
  walk(tree.root, 0);
  return `${lines.join('\n')}\n`;
}

/** What dtc 1.6.1 prints after a dtb round trip of the tree's bytes. */
function dtcDecompiled(tree: DeviceTree): string {
  const src = join(tmp, 'raw.dts');
  writeFileSync(src, rawDtsSource(tree));
  const blob = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-f', src]);
  return dtc(['-q', '-I', 'dtb', '-O', 'dts', '-'], blob).toString('latin1');
}

function treeWith(props: Property[]): DeviceTree {
  const t = new DeviceTree();
  for (const p of props) t.root.addProperty(p);
  return t;
}

// ---------------------------------------------------------------- unit tests (no oracle)

test('guessValueType branches', () => {
  const g = (b: number[]): string => guessValueType(new PropertyValue(Uint8Array.from(b)));
  assert.equal(g([0x61, 0]), 'string');
  assert.equal(g([0x61, 0, 0x62, 0]), 'string');
  assert.equal(g([0, 0, 0, 0]), 'uint32'); // more NULs than text
  assert.equal(g([0]), 'uint8'); // a lone NUL: 1 NUL > 0 text bytes, length 1
  assert.equal(g([0x61, 0x62, 0x63, 0x64]), 'uint32'); // no terminating NUL
  assert.equal(g([0x80, 0]), 'uint8');
  assert.equal(g([1, 2, 3]), 'uint8');
});

test('empty value prints as a bare name', () => {
  assert.equal(formatPropertyValue(new PropertyValue()), ';');
  const t = treeWith([rawProp('e', [])]);
  assert.equal(printDts(t), '/dts-v1/;\n\n/ {\n\te;\n};\n');
});

test('malformed markers throw FdtError, never a TypeError', () => {
  const v = new PropertyValue(Uint8Array.from([1, 2, 3]), [{ type: 'string', offset: 0 }]);
  assert.throws(() => formatPropertyValue(v, () => '/x:p'), (e: unknown) => isFdtError(e) && e.code === 'DTS_PRINT_UNTERMINATED_STRING');
  const w = new PropertyValue(Uint8Array.from([1, 2, 3]), [{ type: 'uint32', offset: 0 }]);
  assert.throws(() => formatPropertyValue(w), (e: unknown) => isFdtError(e) && e.code === 'DTS_PRINT_MISALIGNED');
  const x = new PropertyValue(Uint8Array.from([1, 2, 3, 4]), [{ type: 'uint32', offset: 9 }]);
  assert.throws(() => formatPropertyValue(x), (e: unknown) => isFdtError(e) && e.code === 'DTS_PRINT_BAD_MARKERS');
});

test('a 100,000-level chain prints without overflowing the stack', () => {
  const depth = 100_000;
  const t = new DeviceTree();
  let n = t.root;
  for (let i = 0; i < depth; i++) n = n.addChild(new Node('n'));
  // Streamed: the indentation alone (depth^2 tabs) exceeds a JavaScript string's maximum length.
  let pieces = 0;
  let chars = 0;
  let last = '';
  for (const chunk of printDtsChunks(t)) {
    // Only lengths: reading the characters would flatten depth^2 tabs.
    pieces++;
    chars += chunk.length;
    last = chunk;
  }
  assert.equal(last, '};\n');
  assert.ok(pieces >= 2 * depth);
  // Per node: opening at depth d (d tabs + "n {\n"), blank line, closing (d tabs + "};\n").
  const tabs = depth * (depth + 1); // 2 * sum(1..depth)
  assert.equal(chars, '/dts-v1/;\n\n/ {\n};\n'.length + tabs + depth * ('n {\n'.length + 1 + '};\n'.length));
  // Depth well past the default call-stack limit, still small enough for one string.
  const chain = new DeviceTree();
  n = chain.root;
  for (let i = 0; i < 12_000; i++) n = n.addChild(new Node('c'));
  assert.ok(printDts(chain).endsWith('\t};\n};\n'));
});

// ---------------------------------------------------------------- dtb-shaped trees vs dtc

test('value guessing and escapes match dtc 1.6.1 (hand-made values)', (t) => {
  if (!needTool(t, 'dtc')) return;
  const values: number[][] = [
    ascii('hello\0'),
    ascii('\0'),
    ascii('\0\0'),
    ascii('a\0\0'),
    ascii('a\0b\0'),
    ascii('0\x001\0'), // the 1.6.1 "0\01" quirk
    ascii('ab\0\0\0'),
    ascii('tab\there\nnl\rcr\x07bell\x08bs\x0bvt\x0cff\0'),
    ascii('quote"back\\slash\'apos?\0'),
    ascii('abc'),
    ascii('abcd'),
    ascii('abcdefgh'),
    [0x1b, 0x61, 0],
    [0x61, 0x80, 0],
    [0x7f, 0],
    [0xff, 0xfe, 0xfd, 0xfc],
    [1],
    [1, 2],
    [1, 2, 3],
    [1, 2, 3, 4, 5],
    [0, 0, 0, 1],
    [0, 0, 0, 0x41],
    [0x41, 0, 0, 0],
    [0x41, 0x42, 0x43, 0],
    [0x41, 0x42, 0, 0],
    [0x41, 0, 0x42, 0],
    [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0],
    ascii(`${'long string '.repeat(200)}\0`),
    Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff),
    Array.from({ length: 1023 }, (_, i) => i & 0xff),
    [],
  ];
  const tree = treeWith(values.map((v, i) => rawProp(`p${i}`, v)));
  tree.reservations.push({ address: 0x1000n, size: 0x20n, labels: [] }, { address: 0xffffffff00000000n, size: 0xffffffffffffffffn, labels: [] });
  const child = tree.root.addChild(new Node('child@1'));
  child.addProperty(rawProp('reg', [0, 0, 0, 1]));
  child.addChild(new Node('empty'));
  tree.root.addChild(new Node('no-props')).addChild(new Node('leaf'));
  assert.equal(printDts(tree), dtcDecompiled(tree));
});

test('random values match dtc 1.6.1 (fast-check)', (t) => {
  if (!needTool(t, 'dtc')) return;
  // Bias towards text so the string branch is exercised as often as cells and bytes.
  const textish = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0, 7, 9, 10, 13, 0x22, 0x5c)), { maxLength: 24 });
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 24 }).map((b) => [...b]),
    textish,
    textish.map((b) => [...b, 0]),
  );
  // One dtc run per sample tree of 40 properties keeps this fast.
  fc.assert(
    fc.property(fc.array(value, { minLength: 40, maxLength: 40 }), (vals) => {
      const tree = treeWith(vals.map((v, i) => rawProp(`p${i}`, v)));
      assert.equal(printDts(tree), dtcDecompiled(tree));
    }),
    { numRuns: 25, seed: 20261126 },
  );
});

// ---------------------------------------------------------------- trees with source markers vs dtc -O dts

interface MarkedProp {
  name: string;
  bytes: number[];
  markers: Marker[];
  labels?: string[];
}

function markedTree(props: MarkedProp[]): DeviceTree {
  const tree = new DeviceTree();
  for (const p of props) {
    const prop = new Property(p.name, new PropertyValue(Uint8Array.from(p.bytes), p.markers));
    for (const l of [...(p.labels ?? [])].reverse()) addLabel(prop.labels, l);
    tree.root.addProperty(prop);
  }
  return tree;
}

test('typed chunks, value labels and 1.6.1 delimiter quirks match dtc -O dts', (t) => {
  if (!needTool(t, 'dtc')) return;
  const src = `/dts-v1/;
/memreserve/ 0x1000 0x20;
m1: m2: /memreserve/ 0x2000 0x30;
/ {
	a = "\\x80\\x01\\x1b", "b";
	b = <l: 1>;
	c = <>, "a";
	d = "a", <>;
	g = l1: "a", l2: [01 02] l3:, /bits/ 16 <1 l4: 2>, /bits/ 64 <3 0x100000002>, /bits/ 8 <5>;
	pl1: pl2: e;
	s = "x", "", "y";
	end = <1> le:;
};
`;
  const file = join(tmp, 'marked.dts');
  writeFileSync(file, src);
  const expected = dtc(['-q', '-I', 'dts', '-O', 'dts', file]).toString('latin1');
  const S = (offset: number): Marker => ({ type: 'string', offset });
  const L = (ref: string, offset: number): Marker => ({ type: 'label', offset, ref });
  const tree = markedTree([
    { name: 'a', bytes: [0x80, 1, 0x1b, 0, 0x62, 0], markers: [S(0), S(4)] },
    { name: 'b', bytes: [0, 0, 0, 1], markers: [{ type: 'uint32', offset: 0 }, L('l', 0)] },
    { name: 'c', bytes: [0x61, 0], markers: [{ type: 'uint32', offset: 0 }, S(0)] },
    { name: 'd', bytes: [0x61, 0], markers: [S(0), { type: 'uint32', offset: 2 }] },
    {
      name: 'g',
      bytes: [0x61, 0, 1, 2, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 5],
      markers: [L('l1', 0), S(0), L('l2', 2), { type: 'uint8', offset: 2 }, L('l3', 4), { type: 'uint16', offset: 4 }, L('l4', 6), { type: 'uint64', offset: 8 }, { type: 'uint8', offset: 24 }],
    },
    { name: 'e', bytes: [], markers: [], labels: ['pl1', 'pl2'] },
    { name: 's', bytes: [0x78, 0, 0, 0x79, 0], markers: [S(0), S(2), S(3)] },
    { name: 'end', bytes: [0, 0, 0, 1], markers: [{ type: 'uint32', offset: 0 }, L('le', 4)] },
  ]);
  tree.reservations.push({ address: 0x1000n, size: 0x20n, labels: [] });
  const r = { address: 0x2000n, size: 0x30n, labels: [] };
  addLabel(r.labels, 'm2');
  addLabel(r.labels, 'm1');
  tree.reservations.push(r);
  assert.equal(printDts(tree), expected);
});

test('node labels, deleted entries and resolved references print like dtc -O dts', (t) => {
  if (!needTool(t, 'dtc')) return;
  const src = `/dts-v1/;
/ {
	h = &n1, <&n1 7>;
	gone = <1>;
	n1: x: n1 { p; };
	old {};
};
/ { /delete-property/ gone; /delete-node/ old; };
`;
  const file = join(tmp, 'refs.dts');
  writeFileSync(file, src);
  const expected = dtc(['-q', '-I', 'dts', '-O', 'dts', file]).toString('latin1');
  const tree = new DeviceTree();
  const path = [...ascii('/n1'), 0];
  tree.root.addProperty(
    new Property(
      'h',
      new PropertyValue(Uint8Array.from([...path, 0, 0, 0, 1, 0, 0, 0, 7]), [
        { type: 'string', offset: 0 },
        { type: 'ref-path', offset: 0, ref: 'n1' },
        { type: 'uint32', offset: 4 },
        { type: 'ref-phandle', offset: 4, ref: 'n1' },
      ]),
    ),
  );
  const gone = tree.root.addProperty(new Property('gone', PropertyValue.fromCells([1])));
  gone.deleted = true;
  const n1 = tree.root.addChild(new Node('n1'));
  addLabel(n1.labels, 'x');
  addLabel(n1.labels, 'n1');
  addLabel(n1.labels, 'dead');
  n1.labels[0]!.deleted = true;
  n1.addProperty(new Property('p'));
  n1.addProperty(rawProp('phandle', [0, 0, 0, 1]));
  tree.root.addChild(new Node('old')).deleted = true;
  assert.equal(printDts(tree), expected);
});

// ---------------------------------------------------------------- corpus: dtb -> dts

function corpusAccepted(): string[] {
  const tsv = readFileSync(join(corpusDir, 'expectations.tsv'), 'utf8').split('\n').slice(1);
  return tsv
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length > 4 && cols[4]!.startsWith('ok'))
    .map((cols) => cols[0]!)
    .filter((name) => existsSync(join(corpusDir, `${name}.dts`)));
}

test('corpus: printDts(readDtb(blob)) equals dtc -I dtb -O dts', (t) => {
  if (!needTool(t, 'dtc')) return;
  if (!needShared(t, 'DTB → DTS printer over the dtc corpus', DTC_TESTS)) return;
  let total = 0;
  const differ: string[] = [];
  const differSorted: string[] = [];
  for (const name of corpusAccepted()) {
    const file = join(corpusDir, `${name}.dts`);
    let blob: Buffer;
    try {
      blob = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-i', corpusDir, file]);
    } catch {
      continue; // needs options this run does not give (e.g. search paths); not a printer matter
    }
    // -f: dtc also checks a dtb input, and some accepted sources decompile with check errors.
    const run = spawnSync('dtc', ['-q', '-f', '-I', 'dtb', '-O', 'dts', '-'], { input: blob, maxBuffer: 64 << 20, timeout: 10_000 });
    if (run.status !== 0 && run.status !== 2) continue;
    const expected = run.stdout.toString('latin1');
    total++;
    const ours = printDts(readDtb(new Uint8Array(blob)));
    if (ours !== expected) differ.push(name);
    const sortedRun = spawnSync('dtc', ['-q', '-f', '-s', '-I', 'dtb', '-O', 'dts', '-'], { input: blob, maxBuffer: 64 << 20, timeout: 10_000 });
    const sortedTree = readDtb(new Uint8Array(blob));
    sortTree(sortedTree);
    if (printDts(sortedTree) !== sortedRun.stdout.toString('latin1')) differSorted.push(name);
  }
  console.log(`dts-print corpus dtb->dts: ${total - differ.length}/${total} identical${differ.length ? ` (differ: ${differ.join(', ')})` : ''}`);
  console.log(`dts-print corpus dtb->dts -s: ${total - differSorted.length}/${total} identical${differSorted.length ? ` (differ: ${differSorted.join(', ')})` : ''}`);
  assert.ok(total > 50, `only ${total} corpus files compiled`);
  assert.deepEqual(differ, []);
  assert.deepEqual(differSorted, []);
});

test('names with non-ASCII bytes from a blob come out as the same raw bytes', (t) => {
  if (!needTool(t, 'dtc')) return;
  const blob = dtc(['-q', '-I', 'dts', '-O', 'dtb', '-'], '/dts-v1/; / { pqqq = "v"; nxxx { lyyy: zzzz; }; };');
  // Patch the names in place: same lengths, so the blob stays valid.
  const patch = (from: string, to: number[]): void => {
    const at = blob.indexOf(from);
    assert.ok(at >= 0);
    for (let i = 0; i < to.length; i++) blob[at + i] = to[i]!;
  };
  patch('pqqq', [0x70, 0xe9, 0xff, 0x80]);
  patch('nxxx', [0x6e, 0xc3, 0xa9, 0x7f]);
  const run = spawnSync('dtc', ['-q', '-f', '-I', 'dtb', '-O', 'dts', '-'], { input: blob, timeout: 10_000 });
  assert.ok(run.status === 0 || run.status === 2, run.stderr.toString());
  assert.deepEqual(Buffer.from(encodeDtsText(printDts(readDtb(new Uint8Array(blob))))), run.stdout);
});


test('printDtsBytes, printDts and printDtsChunks write the same bytes, with and without -T', () => {
  // Typed chunks, value labels, escapes, wide integers, labels on everything, a reservation.
  const src = `/dts-v1/;
m: /memreserve/ 0x1000 0x20;
/ {
	a = "\\x80\\x01\\"\\\\", "b";
	g = l1: "a", l2: [01 ff] l3:, /bits/ 16 <1 0xabc>, /bits/ 64 <3 0x100000002>, <0 0x1ff 0xffffffff>;
	pl: e;
	n1: n2: node@1 {
		s = "x\\ty";
		c = <0x12345678>;
	};
};
`;
  const tree = parseDts(src, { file: 't.dts' });
  const node = tree.root.children[0]!;
  // Values as a blob gives them (no markers): guessed types, including a failed string guess.
  node.addProperty(rawProp('raw-string', ascii('ab\ncd\0')));
  node.addProperty(rawProp('raw-nuls', [0, 0, 0, 0x61, 0, 0, 0, 0]));
  node.addProperty(rawProp('raw-bytes', [1, 0x80, 0]));
  // Names with chars above 0xff are written as UTF-8; a NUL ends a name.
  node.addProperty(rawProp('w\u0101', [0, 0, 0, 1]));
  node.addProperty(rawProp('cut\0off', []));
  tree.root.addChild(new Node('z\u20ac@0'));
  const chunked = (opts: { annotate?: number }): Buffer => Buffer.concat([...printDtsChunks(tree, opts)].map((s) => Buffer.from(encodeDtsText(s))));
  for (const annotate of [0, 1, 2]) {
    const opts = { annotate };
    const bytes = Buffer.from(printDtsBytes(tree, opts));
    assert.deepEqual(Buffer.from(encodeDtsText(printDts(tree, opts))), bytes);
    assert.deepEqual(chunked(opts), bytes);
  }
  const text = Buffer.from(printDtsBytes(tree)).toString('latin1');
  assert.ok(text.includes('\tw\xc4\x81 = <0x01>;\n'));
  assert.ok(text.includes('\tcut;\n'));
  assert.ok(text.includes('\n\tz\xe2\x82\xac@0 {\n'));
  assert.ok(text.includes('\traw-string = "ab\\ncd";\n'));
  assert.ok(text.includes('\traw-nuls = <0x61 0x00>;\n'));
  assert.ok(text.includes('\traw-bytes = [01 80 00];\n'));
});
