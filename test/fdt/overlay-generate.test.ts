/**
 * Generated nodes (-A aliases, -@ __symbols__, plugin __fixups__ and
 * __local_fixups__) against dtc 1.6.1. Trees are built by hand in the
 * state dtc's checks leave them (references resolved, explicit phandles so
 * the checks allocate none), run through our generators and writeDtb, and
 * compared byte for byte with dtc's blob for the equivalent source.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PropertyValue, ValueBuilder } from '../../src/fdt/tree/data.js';
import { type DtcOptions, runDtc as runPipeline } from '../../src/fdt/dtc.js';
import { encodeDtsText, printDts } from '../../src/fdt/dts/print.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { DeviceTree, Node, Property, addLabel } from '../../src/fdt/tree/livetree.js';
import { generateFixupsTree, generateLabelTree, generateLocalFixupsTree } from '../../src/fdt/overlay/generate.js';
import type { PhandleFormat } from '../../src/fdt/tree/phandles.js';
import { firstDiff, sameBytes, tempDir } from './dtb-oracle.js';
import type { Skippable } from '../support/skip.js';
import { needTool } from '../support/tools.js';

type Cell = number | { ref: string; to: number };

/** A `<...>` value as the checks leave it: ref markers over the resolved (or 0xffffffff) cells. */
function cells(...cs: Cell[]): PropertyValue {
  const b = new ValueBuilder().addMarker('uint32');
  for (const c of cs) {
    if (typeof c === 'number') b.appendCell(c);
    else b.addMarker('ref-phandle', c.ref).appendCell(c.to);
  }
  return b.build();
}

const str = (s: string): PropertyValue => PropertyValue.fromString(s);

interface NodeOpts {
  /** In the order dtc's parser adds them (each one goes in front). */
  labels?: string[];
  props?: [string, PropertyValue][];
  phandle?: number;
}

function node(name: string, opts: NodeOpts, ...children: Node[]): Node {
  const n = new Node(name);
  for (const l of opts.labels ?? []) addLabel(n.labels, l);
  // Sources below write an explicit phandle before the other properties.
  if (opts.phandle !== undefined) {
    n.phandle = opts.phandle;
    n.addProperty(new Property('phandle', PropertyValue.fromCells([opts.phandle])));
  }
  for (const [k, v] of opts.props ?? []) n.addProperty(new Property(k, v));
  for (const c of children) n.addChild(c);
  return n;
}

function tree(root: Node, plugin = false): DeviceTree {
  const t = new DeviceTree(root);
  t.plugin = plugin;
  return t;
}

interface Gen {
  aliases?: boolean;
  symbols?: boolean;
  format?: PhandleFormat;
}

/** dtc main()'s order after the checks. */
function generate(t: DeviceTree, gen: Gen, warnings: string[] = []): void {
  const warn = (m: string): void => void warnings.push(m);
  if (gen.aliases) generateLabelTree(t, 'aliases', false, gen.format, warn);
  if (gen.symbols) generateLabelTree(t, '__symbols__', true, gen.format, warn);
  if (t.plugin) {
    generateFixupsTree(t, '__fixups__');
    generateLocalFixupsTree(t, '__local_fixups__');
  }
}

function dtcArgs(gen: Gen): string[] {
  const a: string[] = [];
  if (gen.aliases) a.push('-A');
  if (gen.symbols) a.push('-@');
  if (gen.format) a.push('-H', gen.format);
  return a;
}

/** dtc's blob, its dts text (type markers show there) and stderr for `source`. */
function runDtc(source: string, gen: Gen): { dtb: Uint8Array; dts: Uint8Array; stderr: string } {
  const dir = tempDir();
  const file = join(dir, 'in.dts');
  writeFileSync(file, source);
  const out = join(dir, 'out.dtb');
  const errFile = join(dir, 'err.txt');
  const args = dtcArgs(gen).join(' ');
  execFileSync('sh', ['-c', `dtc -I dts -O dtb ${args} -o "$1" "$2" 2>"$3"`, 'sh', out, file, errFile]);
  const dts = execFileSync('sh', ['-c', `dtc -q -I dts -O dts ${args} "$1"`, 'sh', file]);
  return {
    dtb: new Uint8Array(readFileSync(out)),
    dts: new Uint8Array(dts),
    stderr: readFileSync(errFile).toString('latin1'),
  };
}

function compare(t: DeviceTree, source: string, gen: Gen): { ours: string[]; dtcStderr: string } {
  const expected = runDtc(source, gen);
  const warnings: string[] = [];
  generate(t, gen, warnings);
  const got = writeDtb(t);
  assert.ok(sameBytes(got, expected.dtb), `blob differs from dtc at byte ${firstDiff(got, expected.dtb)}`);
  // -O dts shows the type markers: one chunk per appended fixup entry.
  assert.equal(Buffer.from(encodeDtsText(printDts(t))).toString('latin1'), Buffer.from(expected.dts).toString('latin1'));
  return { ours: warnings, dtcStderr: expected.stderr };
}

function skipWithoutDtc(t: Skippable): boolean {
  return !needTool(t, 'dtc');
}

test('-@ symbols: DFS order, prepend label order, phandles allocated in walk order', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/ {
	x: y: a { b: c { v = <1>; }; };
	d { e: f { }; };
	g@1 { phandle = <7>; };
};
w: &x { };
h: &{/g@1} { };
`;
  const root = node(
    '',
    {},
    node('a', { labels: ['y', 'x', 'w'] }, node('c', { labels: ['b'], props: [['v', cells(1)]] })),
    node('d', {}, node('f', { labels: ['e'] })),
    node('g@1', { labels: ['h'], phandle: 7 }),
  );
  compare(tree(root), source, { symbols: true });
});

test('-A and -@ together, -H both, existing aliases reused with dtc\'s warning', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/ {
	aliases { s0 = "/u@0"; };
	s0: u@0 { };
	s1: u@1 { };
};
`;
  const root = node(
    '',
    {},
    node('aliases', { props: [['s0', str('/u@0')]] }),
    node('u@0', { labels: ['s0'] }),
    node('u@1', { labels: ['s1'] }),
  );
  const { ours, dtcStderr } = compare(tree(root), source, { aliases: true, symbols: true, format: 'both' });
  // dtc prints this warning with no newline; drop the checks' own lines.
  const generatorPart = dtcStderr.split('\n').filter((l) => !l.includes(': Warning (')).join('\n');
  assert.equal(ours.join(''), generatorPart);
  assert.equal(ours.length, 1);
});

test('a revived node whose labels were all deleted still gets a phandle from -@', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/ { a: foo { }; b: bar { x = <1>; }; };
/ { /delete-node/ foo; };
/ { foo { }; };
`;
  const foo = node('foo', { labels: ['a'] });
  foo.labels[0]!.deleted = true;
  const root = node('', {}, foo, node('bar', { labels: ['b'], props: [['x', cells(1)]] }));
  compare(tree(root), source, { symbols: true });
});

test('only deleted labels: __symbols__ is still created (empty)', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/ { a: foo { }; };
/ { /delete-node/ foo; };
/ { foo { }; };
`;
  const foo = node('foo', { labels: ['a'] });
  foo.labels[0]!.deleted = true;
  compare(tree(node('', {}, foo)), source, { symbols: true });
});

test('a deleted __symbols__ is not reused; the existing live one is', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/ { __symbols__ { old = "/x"; }; l: x { }; };
/ { /delete-node/ __symbols__; };
`;
  const sym = node('__symbols__', { props: [['old', str('/x')]] });
  sym.deleted = true;
  sym.properties[0]!.deleted = true;
  compare(tree(node('', {}, sym, node('x', { labels: ['l'] }))), source, { symbols: true });

  const source2 = `/dts-v1/;
/ { __symbols__ { old = "/x"; }; l: x { }; };
`;
  const root2 = node('', {}, node('__symbols__', { props: [['old', str('/x')]] }), node('x', { labels: ['l'] }));
  compare(tree(root2), source2, { symbols: true });
});

test('no labels anywhere: nothing generated', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;\n/ { a { }; };\n`;
  compare(tree(node('', {}, node('a', {}))), source, { symbols: true, aliases: true });
});

test('plugin: __fixups__ string lists and __local_fixups__ mirror in DFS order', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/plugin/;
/ {
	q: n {
		phandle = <1>;
		p = <&q &zz &q 5 &{/n}>;
		r = <&zz &yy>;
		sub { s = <&q>; t = <&{/missing/path}>; };
	};
	m { u = <&yy>; v = <&{/n/sub}>; };
	sub2: o { phandle = <2>; };
};
`;
  const U = 0xffffffff;
  const root = node(
    '',
    {},
    node(
      'n',
      {
        labels: ['q'],
        phandle: 1,
        props: [
          ['p', cells({ ref: 'q', to: 1 }, { ref: 'zz', to: U }, { ref: 'q', to: 1 }, 5, { ref: '/n', to: 1 })],
          ['r', cells({ ref: 'zz', to: U }, { ref: 'yy', to: U })],
        ],
      },
      node('sub', { props: [['s', cells({ ref: 'q', to: 1 })], ['t', cells({ ref: '/missing/path', to: U })]] }),
    ),
    node('m', { props: [['u', cells({ ref: 'yy', to: U })], ['v', cells({ ref: '/n/sub', to: 3 })]] }),
    node('o', { labels: ['sub2'], phandle: 2 }),
  );
  const n = root.children[0]!;
  // &{/n/sub} made the checks give /n/sub phandle 3 (after the explicit 1 and 2).
  const sub = n.children[0]!;
  sub.phandle = 3;
  sub.addProperty(new Property('phandle', PropertyValue.fromCells([3])));
  compare(tree(root, true), source, { symbols: true });
});

test('plugin: existing __fixups__ / __local_fixups__ are extended in place', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;
/plugin/;
/ {
	__fixups__ { zz = "/x:old:0"; };
	__local_fixups__ { a { keep = <0>; }; };
	a { phandle = <1>; r = <&zz &{/a}>; };
};
`;
  const U = 0xffffffff;
  const root = node(
    '',
    {},
    node('__fixups__', { props: [['zz', str('/x:old:0')]] }),
    node('__local_fixups__', {}, node('a', { props: [['keep', cells(0)]] })),
    node('a', { phandle: 1, props: [['r', cells({ ref: 'zz', to: U }, { ref: '/a', to: 1 })]] }),
  );
  compare(tree(root, true), source, {});
});

test('plugin with no references: no fixup nodes', (t) => {
  if (skipWithoutDtc(t)) return;
  const source = `/dts-v1/;\n/plugin/;\n/ { a { x = <1>; }; };\n`;
  compare(tree(node('', {}, node('a', { props: [['x', cells(1)]] })), true), source, {});
});

test('deleted properties and nodes contribute no fixups', () => {
  const U = 0xffffffff;
  const gone = node('gone', { props: [['r', cells({ ref: 'zz', to: U })]] });
  gone.deleted = true;
  const a = node('a', { props: [['r', cells({ ref: 'yy', to: U })]] });
  a.properties[0]!.deleted = true;
  const t = tree(node('', {}, gone, a), true);
  generateFixupsTree(t);
  generateLocalFixupsTree(t);
  assert.equal(t.root.children.length, 2);
});

test('a colon in a path of an unresolved reference is fatal, as in dtc', () => {
  const t = tree(node('', {}, node('a:b', { props: [['r', cells({ ref: 'zz', to: 0xffffffff })]] })), true);
  assert.throws(() => generateFixupsTree(t), (e: unknown) => (e as { code?: string }).code === 'FIXUP_NAME_HAS_COLON');
});

test('symbol values go through C escape processing like dtc (names from a dtb)', () => {
  const t = tree(node('', {}, node('a\\x41\\n\\101\\q', { labels: ['l'] })));
  generateLabelTree(t, '__symbols__', false);
  const v = t.root.getChild('__symbols__')!.getProperty('l')!.bytes;
  assert.deepEqual([...v], [...Buffer.from('/aA\nAq\0', 'latin1')]);
});

test('100,000 labelled nodes with references stay fast (linear)', () => {
  const root = new Node('');
  const t = tree(root, true);
  const bus = root.addChild(new Node('bus'));
  for (let i = 0; i < 100_000; i++) {
    const n = bus.addChild(new Node(`n@${i}`));
    addLabel(n.labels, `l${i}`);
    n.addProperty(new Property('r', cells({ ref: `l${(i * 7) % 100_000}`, to: 0 }, { ref: 'ext', to: 0xffffffff })));
  }
  const start = performance.now();
  generateLabelTree(t, '__symbols__', true);
  generateFixupsTree(t);
  generateLocalFixupsTree(t);
  const ms = performance.now() - start;
  assert.equal(root.getChild('__symbols__')!.properties.length, 100_000);
  assert.equal(root.getChild('__fixups__')!.getProperty('ext')!.value.markers.length, 100_000);
  assert.equal(root.getChild('__local_fixups__')!.getChild('bus')!.children.length, 100_000);
  // A quadratic pass (a tree walk per reference, as dtc does) would take minutes here.
  assert.ok(ms < 30_000, `took ${ms} ms`);
});

/** Odd sources through the whole pipeline (runDtc) against dtc: blob, dts text, exit code, generator warnings. */
const PIPELINE_CASES: Record<string, string> = {
  // References to generated nodes resolve once those exist: the third one lands in both fixup trees.
  generatedTargets: `/dts-v1/;
/plugin/;
/ { a { r = <&{/__symbols__} &{/__fixups__} &{/__local_fixups__/a}>; }; l: b { }; };
`,
  duplicateLabel: `/dts-v1/;
/ { x: a { }; x: b { }; y: c { r = <&x>; }; };
`,
  deletedAliases: `/dts-v1/;
/ { aliases { x = "/b"; }; x: a { }; z: b { }; };
/ { /delete-node/ aliases; };
`,
  pluginSugar: `/dts-v1/;
/plugin/;
&{/} { lbl: a { r = <&lbl &ext>; }; };
&ext { q = <&ext2>; sub { z = <&lbl>; }; };
`,
  existingSymbols: `/dts-v1/;
/ { __symbols__ { a = "/zz"; }; a: n1 { }; b: n2 { }; aliases { b = "/x"; }; };
`,
  deletedReferrers: `/dts-v1/;
/plugin/;
/ { a { p = <&missing>; /delete-property/ p; }; b { q = <&missing2>; }; };
/ { /delete-node/ b; };
`,
  deletedTarget: `/dts-v1/;
/plugin/;
/ { a: n { p = <&a>; }; m { q = <&a 1 &a>; }; };
/ { /delete-node/ n; };
`,
};

const PIPELINE_VARIANTS: { args: string[]; opts: DtcOptions }[] = [
  { args: ['-@'], opts: { symbols: true } },
  { args: ['-A'], opts: { autoAliases: true } },
  { args: ['-A', '-@', '-s', '-H', 'legacy'], opts: { autoAliases: true, symbols: true, sort: true, phandleFormat: 'legacy' } },
  { args: [], opts: {} },
];

test('pipeline: odd sources with -@ / -A / -s / -f match dtc', (t) => {
  if (skipWithoutDtc(t)) return;
  const dir = tempDir();
  const failures: string[] = [];
  for (const [name, source] of Object.entries(PIPELINE_CASES)) {
    const file = join(dir, `${name}.dts`);
    writeFileSync(file, source);
    for (const v of PIPELINE_VARIANTS) {
      for (const fmt of ['dtb', 'dts'] as const) {
        for (const force of [false, true]) {
          const args = [...v.args, ...(force ? ['-f'] : []), '-I', 'dts', '-O', fmt, file];
          const dtc = spawnSync('dtc', args);
          const ours = runPipeline(new TextEncoder().encode(source), { ...v.opts, force, outputFormat: fmt, file });
          const label = `${name}: dtc ${args.slice(0, -1).join(' ')}`;
          if (dtc.status !== ours.exitCode) failures.push(`${label}: exit ${ours.exitCode} vs ${dtc.status}`);
          else if (dtc.status === 0 && !Buffer.from(ours.output!).equals(dtc.stdout)) failures.push(`${label}: output differs`);
          const dtcWarn = dtc.stderr.toString('latin1').split('\n').filter((l) => l.startsWith('WARNING: label')).join('\n');
          const ourWarn = ours.notes.filter((n) => n.startsWith('WARNING: label')).join('');
          if (dtcWarn !== ourWarn) failures.push(`${label}: warnings ${JSON.stringify(ourWarn)} vs ${JSON.stringify(dtcWarn)}`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('a 50,000-deep chain does not exhaust the stack', () => {
  const root = new Node('');
  const t = tree(root, true);
  let n = root;
  for (let i = 0; i < 50_000; i++) n = n.addChild(new Node(`c${i}`));
  addLabel(n.labels, 'deep');
  n.addProperty(new Property('r', cells({ ref: 'deep', to: 1 }, { ref: 'ext', to: 0xffffffff })));
  // No phandle allocation: that is phandles.ts's walk, not this module's.
  generateLabelTree(t, '__symbols__', false);
  generateFixupsTree(t);
  generateLocalFixupsTree(t);
  const sym = root.getChild('__symbols__')!.getProperty('deep')!.bytes;
  assert.equal(sym.length, 1 + Array.from({ length: 50_000 }, (_, i) => `/c${i}`).join('').length);
  let m = root.getChild('__local_fixups__')!;
  for (let i = 0; i < 50_000; i++) m = m.getChild(`c${i}`)!;
  assert.deepEqual([...m.getProperty('r')!.bytes], [0, 0, 0, 0]);
});
