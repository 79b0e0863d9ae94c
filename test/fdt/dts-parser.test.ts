/**
 * The DTS front end, case by case. Differential cases compile small sources
 * with the installed dtc (1.6.1) and with runDtc and compare the `-O dts`
 * text, or dtc's first error line (position and message) when it fails.
 * Structural cases check the pre-check tree itself: markers, labels,
 * deleted entries, merges, plugin fragments, positions, limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { FdtError } from '../../src/fdt/errors.js';
import { formatDtcPosition, formatPosition } from '../../src/fdt/srcpos.js';
import type { Node } from '../../src/fdt/tree/livetree.js';
import type { Skippable } from '../support/skip.js';
import { needTool } from '../support/tools.js';
import { type SourceTree, dtcOutcome, ourOutcome, writeTree } from './dts-oracle.js';

function needDtc(t: Skippable): boolean {
  return needTool(t, 'dtc');
}

const V1 = '/dts-v1/;\n';

/** Single-file sources; each must give dtc's `-O dts` text or dtc's first error line. */
const CASES: string[] = [
  // values, markers, labels
  `${V1}/ { a = "x", <1>, [02], &n, "y"; n: n {}; };\n`,
  `${V1}/ { l0: a = l1: "x" l2:, l3: <l4: 1 l5:> l6:, [01] l7:; };\n`,
  `${V1}/ { a = [0102 03 0a0B]; b = [ ]; c = [l1: 01 l2: 02 l3:]; };\n`,
  `${V1}/ { a; b = ""; c = <>; d = []; };\n`,
  `${V1}/ { a = <&l>; l: n { }; b = <1 &l 2 &{/n}>; c = <&{/}>; d = &{/}; };\n`,
  `${V1}/ { a = /bits/ 64 <(-1) 0xffffffffffffffff (1 << 63)>; b = /bits/ 16 <0xffff (-1)>; c = /bits/ 8 <255 (-128) 'x'>; };\n`,
  `${V1}/ { a = <1ULL 2U 3L 4LL 5UL 0x10ULL 0X1f 017 0>; };\n`,
  `${V1}/ { a = "\\x4", "\\0123", "\\q", "\\"", "\\777", "a\\0b", "\\a\\b\\t\\n\\v\\f\\r"; };\n`,
  `${V1}/ { a = <'\\'' 'a' '\\x41' '\\377' '\\n' '\\0'>; };\n`,
  `${V1}/ { a = "\xe9\xff"; };\n`,
  `${V1}/ { a = "abc\n"; };\n`,
  `${V1}/ { a = [01 /* c */ 02 // x\n 03]; };\n`,
  `${V1}/ { a = /* comment */ <1>; // x\n /** multi\n * line */ b; };\n`,
  `${V1}/{a=<1>;b{c;};};`,
  `${V1.replace('\n', '\r\n')}/ {\r\n\ta = <1>;\f\v};\r\n`,
  `${V1}/ { n@1,2 { #a-b,c+d.e_f?g*h = <1>; \\/x { }; }; };\n`,
  `${V1}/ { a = <(-1) (~0) (!5) (1 ? 2 : 3) (0 ? 1 : 0 ? 2 : 3) (1 << 64) (1 << 63 >> 63) (5 % 3) (7 / 2) (-5 / 2)>; };\n`,
  `${V1}/ { a = <(3 > 2) (3 >= 3) (2 <= 1) (1 == 1) (1 != 1) (1 && 0) (0 || 2) (6 & 3) (6 | 3) (6 ^ 3) (0 ? 1/1 : 2)>; };\n`,
  `${V1}/ { a = <(1 + 2 * 3 - 4 / 2 % 3 << 2 >> 1 < 5 > 0 <= 1 >= 0 == 1 != 0 & 1 ^ 0 | 1 && 1 || 0) ((((((1))))))>; };\n`,
  `${V1}/memreserve/ 1 2; l: m: /memreserve/ (3+4) 'a';\n/ { };\n`,
  `${V1}/ { cpus { cpu@0 { reg = <7>; }; }; };\n`,
  // merges, deletes, revivals, labels
  `${V1}/ { a = <1>; /delete-property/ a; };\n`,
  `${V1}/ { a: b: n { c: d: p = <1>; }; };\n/ { e: n { f: p = <2>; }; };\n`,
  `${V1}/ { n { p = <1>; q = <2>; }; };\n/ { /delete-node/ n; };\n/ { n { q = <3>; }; };\n`,
  `${V1}/ { n { p = <1>; q = <2>; }; };\n/ { n { /delete-property/ p; }; };\n/ { n { r; p = "x"; }; };\n`,
  `${V1}/ { x: n { }; };\n/delete-node/ &{/n};\n&{/n} { };\n`,
  `${V1}/ { x: n { }; };\ny: &x { p; };\n&{/n} { q; };\n`,
  `${V1}/ { x: n { }; };\ny: &{/n} { p; };\n`,
  `${V1}/ { n { }; };\n&{/} { x; };\n&{//n/} { y; };\n`,
  `${V1}/ { l: /delete-node/ x; };\n/ { x {}; };\n`,
  `${V1}/ { /omit-if-no-ref/ n { }; l: /omit-if-no-ref/ m: o { }; };\n/omit-if-no-ref/ &{/n};\n`,
  `${V1}/dts-v1/;\n/ { };\n`,
  // plugins
  `${V1}/plugin/;\n&foo { a = <1>; };\n&{/bar} { b; };\n/ { c: d { }; };\n&c { e; };\n`,
  `${V1}/plugin/;\n/ { };\n&foo { a = <&foo>; };\n`,
  // line markers and positions
  `${V1}# 10 "foo.dts"\n/ { a = <1 2;\n`,
  `${V1}#line 10 "foo.dts" 1 3\n/ { a = <1 2;\n`,
  // errors dtc reports while parsing
  '',
  '/ { };\n',
  `${V1}/ { a = <'ab'>; };\n`,
  `${V1}/ { a = <''>; };\n`,
  `${V1}/ { a = "\\x"; };\n`,
  `${V1}/ { a = /bits/ 8 <256>; };\n`,
  `${V1}/ { a = /bits/ 8 <(-129)>; };\n`,
  `${V1}/ { a = /bits/ 7 <1>; };\n`,
  `${V1}/ { a = /bits/ (32) <1>; };\n`,
  `${V1}/ { a = /bits/ 16 <&l>; l: n { }; };\n`,
  `${V1}/ { a = <0x100000000>; };\n`,
  `${V1}/ { a = <18446744073709551616>; };\n`,
  `${V1}/ { a = <1LU>; };\n`,
  `${V1}/ { a = <077 08>; };\n`,
  `${V1}/ { a = <0x>; };\n`,
  `${V1}/ { a = [012]; };\n`,
  `${V1}/ { a = [ab:cd]; };\n`,
  `${V1}/ { a = <(1/0)>; };\n`,
  `${V1}/ { a = <((2 * 3) / 0 + 1)>; };\n`,
  `${V1}/ { a = <(8 % (2 - 2))>; };\n`,
  `${V1}/ { a = <(1 + )>; };\n`,
  `${V1}/ { a = <1 ? 2 : 3>; };\n`,
  `${V1}/ { a = <-1>; };\n`,
  `${V1}/ { a = < 1 2 >; }\n`,
  `${V1}/ { a = <1>,; };\n`,
  `${V1}/ { a = ; };\n`,
  `${V1}/ { a = 'x'; };\n`,
  `${V1}/ { a = < 1 >>; };\n`,
  `${V1}/ { n { }; p = <1>; };\n`,
  `${V1}/ { n { }; l: m: p = <1>; };\n`,
  `${V1}/ { /omit-if-no-ref/ p = <1>; };\n`,
  `${V1}/ { l: };\n`,
  `${V1}/ { /delete-property/ x y; };\n`,
  `${V1}/ { n { }; };\n&nolabel { };\n`,
  `${V1}/ { n { }; };\n&{/n/m} { y; };\n`,
  `${V1}/ { };\n/delete-node/ n;\n`,
  `${V1}/ { };\nl: / { };\n`,
  `${V1}l: / { };\n`,
  `${V1}&foo { };\n`,
  `${V1}/plugin/;\n/dts-v1/;\n/ { };\n`,
  `${V1}/ { }\n`,
  `${V1}/ { };;\n`,
  `${V1}/ { };\n// no newline at the end`,
  `${V1}/ {\n// a\n// b\n`,
  `${V1}/ { /* a *//* b */`,
  `${V1}/ {\n\t\n`,
  `${V1}/ { };\n\0 garbage after a NUL`,
  `${V1}/ { a = <1>; \0 };`,
  `${V1}/ { a = "unterminated; };\n`,
  `${V1}/ { a = <1>; /* unterminated };\n`,
  `${V1}/ { a = "abc\\\n"; };\n`,
  `${V1}/ { \xe9 = <1>; };\n`,
  `${V1}# 3 "a\\0b.dts"\n/ { };\n`,
];

test('DTS cases: same -O dts text or first error line as dtc', (t) => {
  if (!needDtc(t)) return;
  const diffs: string[] = [];
  for (const src of CASES) {
    const dir = writeTree({ 'main.dts': src });
    const want = dtcOutcome(dir, 'dts');
    const got = ourOutcome(dir, 'dts');
    if (want.text !== got.text) diffs.push(`${JSON.stringify(src)}\n  dtc : ${want.text}\n  ours: ${got.text}`);
  }
  console.log(`DTS cases: ${CASES.length - diffs.length}/${CASES.length} identical to dtc`);
  assert.deepEqual(diffs, []);
});

/** Multi-file trees: /include/, /incbin/, -i search order, line markers in included files. */
const TREES: Array<{ files: SourceTree; include?: string[] }> = [
  {
    files: {
      'main.dts': `${V1}/include/ "sub/a.dtsi"\n/ { z = /incbin/("sub/bin", 1, 2); };\n`,
      'sub/a.dtsi': '/include/ "b.dtsi"\n/ { a = /incbin/("bin"); c = <1>;\n};\n',
      'sub/b.dtsi': '/ { b = "from b"; i = /incbin/("i.bin"); };\n',
      'sub/bin': 'ABCDEF',
      'idir/i.bin': 'xyz',
    },
    include: ['idir'],
  },
  {
    files: {
      'main.dts': `${V1}/include/ "sub/a.dtsi"\n/ { };\n`,
      'sub/a.dtsi': '/include/ "b.dtsi"\n/ { a;\n};\n',
      'sub/b.dtsi': '/ { b = "from b";\n bad = <1 2\n',
    },
  },
  {
    files: {
      'main.dts': `${V1}/ { a = /incbin/("bin", 4, 100); b = /incbin/("bin", 100, 4); c = /incbin/("bin", 0, 0); d = <1>, /incbin/("bin", 2, 4); };\n`,
      bin: '0123456789',
    },
  },
  {
    files: {
      'main.dts': `${V1}/ {\n# 1 "inc/x.dtsi" 1\n\tp = <1>;\n\tq = <1 2>;\n# 5 "main.dts" 2\n\tr = <(1/0)>;\n};\n`,
    },
  },
  {
    files: { 'main.dts': `${V1}/ {\n/include/ "props.dtsi"\n\tn { /include/ "props.dtsi" };\n};\n`, 'inc/props.dtsi': 'x = <1>;\n' },
    include: ['inc'],
  },
  { files: { 'main.dts': `${V1}/include/ "missing.dtsi"\n` } },
  { files: { 'main.dts': `${V1}/ { a = /incbin/("missing.bin"); };\n` } },
];

test('DTS include trees: same output or first error line as dtc', (t) => {
  if (!needDtc(t)) return;
  const diffs: string[] = [];
  for (const { files, include } of TREES) {
    const dir = writeTree(files);
    for (const format of ['dts', 'dtb'] as const) {
      const want = dtcOutcome(dir, format, include);
      const got = ourOutcome(dir, format, include);
      if (want.text !== got.text) diffs.push(`${Object.keys(files).join(',')} -O ${format}\n  dtc : ${want.text}\n  ours: ${got.text}`);
    }
  }
  assert.deepEqual(diffs, []);
});

/** Syntax errors: the FdtError position is the line and column dtc prints. */
const POSITION_FIXTURES: string[] = [
  `${V1}/ {\n\tcompatible = "a"\n\tmodel = "b";\n};\n`,
  `${V1}/ {\n\tn {\n\t\tp = <1 2>;\n\t}\n};\n`,
  `${V1}\n\n/ {\n\ta = <1 +>;\n};\n`,
  `${V1}/ {\n\ta = [0g];\n};\n`,
  `${V1}/ {\n\ta = <1>;\n`,
  `${V1}/ {\n\tlabel: ;\n};\n`,
  `${V1}/memreserve/ 1;\n/ { };\n`,
];

test('DTS syntax errors: file:line:col as dtc reports them', (t) => {
  if (!needDtc(t)) return;
  for (const src of POSITION_FIXTURES) {
    const dir = writeTree({ 'main.dts': src });
    const r = spawnSync('dtc', ['-O', 'dtb', '-o', '/dev/null', 'main.dts'], { cwd: dir, encoding: 'utf8' });
    const m = /^Error: main\.dts:(\d+)\.(\d+)(?:-\S+)? (.*)$/m.exec(r.stderr);
    assert.ok(m, `dtc did not report a syntax error for ${JSON.stringify(src)}: ${r.stderr}`);
    const err = (() => {
      try {
        parseDts(src, { file: 'main.dts' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof FdtError, `no FdtError for ${JSON.stringify(src)}`);
    assert.equal(err.code, 'DTS_SYNTAX');
    assert.equal(err.message, m[3]);
    assert.equal(formatPosition(err.position!), `main.dts:${m[1]}:${m[2]}`);
    assert.equal(`main.dts:${formatDtcPosition(err.position!).split(':')[1]}`, /main\.dts:(\S+)/.exec(r.stderr)![0]);
  }
});

const OPERATORS = ['+', '-', '*', '/', '%', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||'];

const exprArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }).map((v) => `0x${v.toString(16)}`),
      fc.integer({ min: 0, max: 70 }).map(String),
      fc.constantFrom("'a'", "'\\n'", '0', '1', '64', '63', '32'),
    ),
    fc.tuple(tie('e'), fc.constantFrom(...OPERATORS), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom('-', '~', '!'), tie('e')).map(([op, a]) => `${op}(${a})`),
    tie('e').map((a) => `(${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
  ),
})).e;

test('generated integer expressions evaluate like dtc (64-bit, precedence, errors)', (t) => {
  if (!needDtc(t)) return;
  const batches = fc.sample(fc.array(exprArb, { minLength: 10, maxLength: 10 }), { numRuns: 30, seed: 4242 });
  const diffs: string[] = [];
  let errors = 0;
  for (const exprs of batches) {
    const props = exprs.map((e, i) => `\tp${i} = /bits/ 64 <(${e})>;\n\tq${i} = <((${e}) & 0xffffffff)>;\n`).join('');
    const dir = writeTree({ 'main.dts': `${V1}/ {\n${props}};\n` });
    const want = dtcOutcome(dir, 'dts');
    const got = ourOutcome(dir, 'dts');
    if (want.exit !== 0) errors++;
    if (want.text !== got.text) diffs.push(`${exprs.join(' ;; ')}\n  dtc : ${want.text.slice(0, 300)}\n  ours: ${got.text.slice(0, 300)}`);
  }
  console.log(`expressions: ${batches.length * 10} in ${batches.length} files, ${errors} files rejected by dtc (division by zero)`);
  assert.deepEqual(diffs, []);
});

const SLIPS = ['(', ')', '?', ':', '+', '-', '!', '1', '0', '/', '08', "'a'", '>', '<'];

test('malformed expressions fail where dtc fails, with dtc\'s message', (t) => {
  if (!needDtc(t)) return;
  const arb = fc.tuple(exprArb, fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.constantFrom(...SLIPS)), { minLength: 1, maxLength: 2 })).map(([e, edits]) => {
    const toks = e.split(' ');
    for (const [at, del, tok] of edits) {
      const i = at % (toks.length + 1);
      if (del) toks.splice(i, 1);
      else toks.splice(i, 0, tok);
    }
    return toks.join(' ');
  });
  const diffs: string[] = [];
  for (const e of fc.sample(arb, { numRuns: 150, seed: 99 })) {
    const dir = writeTree({ 'main.dts': `${V1}/ {\n\tp = /bits/ 64 <(${e})>;\n};\n` });
    const want = dtcOutcome(dir, 'dts');
    const got = ourOutcome(dir, 'dts');
    if (want.text !== got.text) diffs.push(`${e}\n  dtc : ${want.text.slice(0, 200)}\n  ours: ${got.text.slice(0, 200)}`);
  }
  assert.deepEqual(diffs, []);
});

// ---------------------------------------------------------------- structure

function child(n: Node, name: string): Node {
  const c = n.children.find((x) => x.name === name);
  assert.ok(c, `no child ${name} under ${n.path}`);
  return c;
}

test('markers sit at dtc’s offsets, in dtc’s order', () => {
  const tree = parseDts(`${V1}/ { p = l0: "ab", <l1: 1 &n l2:>, [01 l3: 02], &n, /bits/ 16 <2> l4:; n: n {}; };\n`, { file: 'm.dts' });
  const p = tree.root.getProperty('p')!;
  assert.deepEqual(
    p.value.markers.map((m) => [m.type, m.offset, m.ref]),
    [
      ['label', 0, 'l0'],
      ['string', 0, undefined],
      ['uint32', 3, undefined],
      ['label', 3, 'l1'],
      ['ref-phandle', 7, 'n'],
      ['label', 11, 'l2'],
      ['uint8', 11, undefined],
      ['label', 12, 'l3'],
      ['string', 13, 'n'],
      ['ref-path', 13, 'n'],
      ['uint16', 13, undefined],
      ['label', 15, 'l4'],
    ],
  );
  assert.deepEqual([...p.bytes], [0x61, 0x62, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1, 2, 0, 2]);
});

test('/incbin/ data starts with a type-less marker, read through the injected readFile', () => {
  const files: Record<string, string> = { 'dir/main.dts': `${V1}/ { a = "x", /incbin/("b.bin", 1, 2); };\n`, 'dir/b.bin': 'WXYZ' };
  const readFile = (p: string): Uint8Array => {
    if (!(p in files)) throw new Error('ENOENT');
    return Buffer.from(files[p]!, 'latin1');
  };
  const tree = parseDts(files['dir/main.dts']!, { file: 'dir/main.dts', readFile });
  const a = tree.root.getProperty('a')!;
  assert.deepEqual([...a.bytes], [0x78, 0, 0x58, 0x59]);
  assert.deepEqual(a.value.markers.map((m) => [m.type, m.offset]), [['string', 0], ['none', 2]]);
});

test('deleted entries stay in place and revive in place; labels prepend', () => {
  const tree = parseDts(
    `${V1}/ { a: b: n { p = <1>; q = <2>; }; m { }; };\n/ { /delete-node/ n; };\n/ { c: n { q = <3>; }; };\n/ { m { /delete-property/ z; }; };\n`,
    { file: 'm.dts' },
  );
  const n = child(tree.root, 'n');
  assert.equal(n.deleted, false);
  assert.deepEqual(tree.root.children.map((c) => c.name), ['n', 'm']);
  assert.deepEqual(n.labels.map((l) => [l.name, l.deleted]), [['c', false], ['a', true], ['b', true]]);
  assert.deepEqual(n.properties.map((p) => [p.name, p.deleted]), [['p', true], ['q', false]]);
  assert.deepEqual([...n.getProperty('q')!.bytes], [0, 0, 0, 3]);
  assert.ok(n.position && n.alsoDefinedAt?.length === 1);
  // A /delete-property/ inside a new node is kept as a deleted placeholder, like dtc.
  const fresh = parseDts(`${V1}/ { a = <1>; /delete-property/ a; /delete-node/ x; };\n`, { file: 'm.dts' });
  assert.deepEqual(fresh.root.properties.map((p) => [p.name, p.deleted]), [['a', false], ['a', true]]);
  assert.deepEqual(fresh.root.children.map((c) => [c.name, c.deleted]), [['x', true]]);
});

test('plugin sugar: fragments with target / target-path and __overlay__', () => {
  const tree = parseDts(`${V1}/plugin/;\n&foo { a; };\n&{/bar/baz} { b; };\n`, { file: 'o.dts' }).root;
  assert.equal(tree.name, '');
  assert.deepEqual(tree.children.map((c) => c.name), ['fragment@0', 'fragment@1']);
  const t0 = child(tree, 'fragment@0').getProperty('target')!;
  assert.deepEqual([...t0.bytes], [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(t0.value.markers, [{ type: 'ref-phandle', offset: 0, ref: 'foo' }]);
  const t1 = child(tree, 'fragment@1').getProperty('target-path')!;
  assert.equal(Buffer.from(t1.bytes).toString('latin1'), '/bar/baz\0');
  assert.ok(child(child(tree, 'fragment@1'), '__overlay__').getProperty('b'));
  // A labelled reference must exist even in a plugin (dtc's grammar has no fragment for it).
  assert.throws(() => parseDts(`${V1}/plugin/;\n/ { };\nx: &foo { c; };\n`, { file: 'o.dts' }), { code: 'DTS_LABEL_NOT_FOUND' });
});

test('positions: nodes span { to ;, properties name to ;, line markers rename the file', () => {
  const tree = parseDts(`${V1}/ {\n\tn {\n\t\tp = <1>;\n\t};\n};\n# 20 "other.dtsi"\n/ { q; };\n`, { file: 'm.dts' });
  const n = child(tree.root, 'n');
  assert.equal(formatDtcPosition(n.position!), 'm.dts:3.4-5.4');
  assert.equal(formatDtcPosition(n.getProperty('p')!.position!), 'm.dts:4.3-11');
  assert.equal(formatDtcPosition(tree.root.getProperty('q')!.position!), 'other.dtsi:20.5-7');
  // Expected values as printed by `dtc -O dts -TT` for this source.
  assert.equal(formatDtcPosition(tree.root.position!), 'm.dts:2.3-6.3');
  assert.deepEqual(tree.root.alsoDefinedAt?.map(formatDtcPosition), ['other.dtsi:20.3-10']);
  assert.equal(tree.bootCpuidPhys, 0);
  assert.equal(tree.dtsV1, true);
  assert.equal(tree.plugin, false);
});

test('include confinement, cycles and depth end in FdtError', () => {
  const files: Record<string, string> = {
    'p/main.dts': `${V1}/include/ "a.dtsi"\n/ { };\n`,
    'p/self.dtsi': '/include/ "self.dtsi"\n',
    'x.dtsi': '/ { };\n',
  };
  const readFile = (p: string): Uint8Array => {
    const key = p.replace(/^\.\//, '');
    if (!(key in files)) throw new Error('ENOENT');
    return Buffer.from(files[key]!, 'latin1');
  };
  const code = (src: string, opts: object = {}): string | undefined => {
    try {
      parseDts(src, { file: 'p/main.dts', readFile, ...opts });
    } catch (e) {
      assert.ok(e instanceof FdtError, String(e));
      assert.ok(e.position && e.hint);
      return e.code;
    }
    return undefined;
  };
  assert.equal(code(`${V1}/include/ "a.dtsi"\n`), 'DTS_INCLUDE_NOT_FOUND');
  assert.equal(code(`${V1}/include/ "../x.dtsi"\n`), 'DTS_INCLUDE_FORBIDDEN');
  assert.equal(code(`${V1}/include/ "/etc/hostname"\n`), 'DTS_INCLUDE_FORBIDDEN');
  assert.equal(code(`${V1}/ { a = /incbin/("../x.dtsi"); };\n`), 'DTS_INCLUDE_FORBIDDEN');
  assert.equal(code(`${V1}/include/ "self.dtsi"\n`), 'DTS_INCLUDE_CYCLE');
  assert.equal(code(`${V1}/include/ "self.dtsi"\n`, { maxIncludeDepth: 1 }), 'DTS_INCLUDE_DEPTH');
  // An include directory is an allowed root: "../x.dtsi" from it would still escape.
  assert.equal(code(`${V1}/include/ "x.dtsi"\n/ { };\n`, { includeDirs: ['.'] }), undefined);
});

test('deep nesting and 100,000 siblings parse without exhausting the stack', () => {
  const depth = 20_000;
  const deep = `${V1}/ {${' n {'.repeat(depth)} p = <1>;${' };'.repeat(depth)} };\n`;
  let node = parseDts(deep, { file: 'deep.dts' }).root;
  for (let i = 0; i < depth; i++) node = node.children[0]!;
  assert.ok(node.getProperty('p'));
  // Merging the deep tree into itself walks it iteratively too.
  parseDts(`${deep}/ {${' n {'.repeat(depth)} q;${' };'.repeat(depth)} };\n`, { file: 'deep.dts' });

  const parts: string[] = [];
  for (let i = 0; i < 100_000; i++) parts.push(`n${i} { reg = <${i}>; };`);
  const wide = parseDts(`${V1}/ { ${parts.join(' ')} };\n/ { ${parts.slice(0, 1000).join(' ')} };\n`, { file: 'wide.dts' });
  assert.equal(wide.root.children.length, 100_000);

  // Expressions too: 100,000 nested parentheses and a long ?: chain (dtc itself stops near 10,000).
  const parens = `${V1}/ { a = <${'(-'.repeat(100_000)}1${')'.repeat(100_000)}>; b = <(${'0 ? 1 : '.repeat(50_000)}7)>; };\n`;
  const root = parseDts(parens, { file: 'p.dts' }).root;
  assert.deepEqual([...root.getProperty('a')!.bytes], [0, 0, 0, 1]);
  assert.deepEqual([...root.getProperty('b')!.bytes], [0, 0, 0, 7]);
  assert.throws(() => parseDts(`${V1}/ { a = <${'('.repeat(100_000)}1>; };\n`, { file: 'p.dts' }), { code: 'DTS_SYNTAX' });
});

test('label lookups pick dtc’s depth-first node, skipping deleted ones', () => {
  const tree = parseDts(
    `${V1}/ { a { l: x { }; }; l: b { }; };\n&l { p; };\n/delete-node/ &{/a/x};\n&l { q; };\n/ { a { x { }; }; };\n&l { r; };\n`,
    { file: 'm.dts' },
  ).root;
  const x = child(child(tree, 'a'), 'x');
  const b = child(tree, 'b');
  assert.deepEqual(x.properties.map((p) => [p.name, p.deleted]), [['p', true]]);
  assert.deepEqual(b.properties.map((p) => p.name), ['q', 'r']); // x's label stays deleted after the revival
  // 20,000 labels with an override each stay fast (no tree walk per reference).
  const n = 20_000;
  const nodes = Array.from({ length: n }, (_, i) => `l${i}: n${i} { };`).join(' ');
  const overrides = Array.from({ length: n }, (_, i) => `&l${i} { v = <${i}>; };`).join('\n');
  const start = performance.now();
  const big = parseDts(`${V1}/ { ${nodes} };\n${overrides}\n`, { file: 'big.dts' }).root;
  assert.deepEqual([...child(big, 'n19999').getProperty('v')!.bytes], [0, 0, 0x4e, 0x1f]);
  assert.ok(performance.now() - start < 30_000); // a walk per reference would take minutes
});

test('include depth limit: dtc 1.6.1 opens at most 200 files at once, and so do we', (t) => {
  if (!needDtc(t)) return;
  for (const includes of [199, 200]) {
    const files: SourceTree = { 'main.dts': `${V1}/include/ "i1.dtsi"\n` };
    for (let i = 1; i <= includes; i++) files[`i${i}.dtsi`] = i < includes ? `/include/ "i${i + 1}.dtsi"\n` : '/ { deepest; };\n';
    const dir = writeTree(files);
    const want = dtcOutcome(dir, 'dtb');
    const got = ourOutcome(dir, 'dtb');
    assert.equal(got.exit, want.exit, `${includes} nested includes`);
    if (want.exit === 0) assert.equal(got.text, want.text);
    else assert.equal(got.text.replace(/^(exit 1: FATAL ERROR: Includes nested too deeply).*/, '$1'), want.text);
  }
});
