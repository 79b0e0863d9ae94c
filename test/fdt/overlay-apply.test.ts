/**
 * applyOverlays against the real /usr/bin/fdtoverlay (dtc 1.6.1): the same
 * bytes on success, a failure where it fails, and its error line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverlays } from '../../src/fdt/fdtoverlay.js';
import { FdtError } from '../../src/fdt/errors.js';
import { genCase, makeRng } from '../fuzz/overlay-fuzz.js';
import { DTC_TESTS, needShared, sharedPath } from '../support/shared.js';
import { needTool, needTools } from '../support/tools.js';

const corpusDir = sharedPath(DTC_TESTS);
const work = mkdtempSync(join(tmpdir(), 'overlay-apply-'));
after(() => rmSync(work, { recursive: true, force: true }));

function skipWithout(t: TestContext, needCorpus = false): boolean {
  if (!needTools(t, ['dtc', 'fdtoverlay'])) return true;
  return needCorpus && !needShared(t, 'overlays of the dtc corpus', DTC_TESTS);
}

let seq = 0;
/** Compiles DTS text (or a corpus file, run in the corpus dir) to a blob file. */
function compile(source: { text?: string; file?: string }, opts: string[] = ['-@']): string {
  const out = join(work, `b${seq++}.dtb`);
  if (source.file) {
    execFileSync('dtc', [...opts, '-I', 'dts', '-O', 'dtb', '-o', out, source.file], { cwd: corpusDir, stdio: 'pipe', maxBuffer: 1 << 28 });
  } else {
    const src = join(work, `s${seq++}.dts`);
    writeFileSync(src, source.text!);
    execFileSync('dtc', [...opts, '-q', '-I', 'dts', '-O', 'dtb', '-o', out, src], { stdio: 'pipe', maxBuffer: 1 << 28 });
  }
  return out;
}

/** A plain Uint8Array copy: Buffer#slice would share memory. */
function readBlob(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}

function writeBlob(bytes: Uint8Array): string {
  const f = join(work, `w${seq++}.dtb`);
  writeFileSync(f, bytes);
  return f;
}

interface RefResult { out: Buffer | null; stderr: string; crashed?: boolean }

function reference(base: string, overlays: string[]): RefResult {
  const out = join(work, `ref${seq++}.dtb`);
  try {
    execFileSync('fdtoverlay', ['-i', base, '-o', out, ...overlays], { stdio: 'pipe', timeout: 10000 });
    return { out: readFileSync(out), stderr: '' };
  } catch (e) {
    if (existsSync(out)) unlinkSync(out);
    const err = e as { stderr?: Buffer; signal?: string | null };
    // An alias loop overflows libfdt's stack: the tool dies on a signal where we throw.
    return { out: null, stderr: String(err.stderr ?? ''), crashed: Boolean(err.signal) };
  }
}

interface Outcome { same: boolean; ok: boolean; detail: string }

function compare(base: string, overlays: string[]): Outcome {
  const ref = reference(base, overlays);
  let mine: Uint8Array | null = null;
  let detail = '';
  const inputs = [base, ...overlays].map(readBlob);
  try {
    mine = applyOverlays(inputs[0]!, inputs.slice(1), overlays);
    // fdtoverlay works on copies; so must we.
    [base, ...overlays].forEach((f, i) => assert.deepEqual(inputs[i], readBlob(f), `${f} was modified`));
  } catch (e) {
    if (!(e instanceof FdtError)) throw e;
    detail = e.message;
    // fdtoverlay prints the same line on stderr.
    if (ref.out === null && !ref.crashed && e.code.startsWith('FDT_ERR_') && !ref.stderr.includes(e.message)) {
      return { same: false, ok: false, detail: `message '${e.message}' vs '${ref.stderr.trim()}'` };
    }
  }
  if (ref.out === null) return { same: mine === null, ok: false, detail: detail || 'ours succeeded' };
  const same = mine !== null && Buffer.compare(ref.out, Buffer.from(mine)) === 0;
  return { same, ok: true, detail: same ? '' : detail || 'bytes differ' };
}

function tally(label: string, cases: [string, string[]][]): void {
  const bad: string[] = [];
  let ok = 0;
  for (const [base, ovs] of cases) {
    const r = compare(base, ovs);
    if (r.ok) ok++;
    if (!r.same) bad.push(`${base} + ${ovs.join(' ')}: ${r.detail}`);
  }
  console.log(`${label}: identical ${cases.length - bad.length}/${cases.length} (${ok} successful applies)`);
  assert.deepEqual(bad, []);
}

describe('applyOverlays vs fdtoverlay on the dtc corpus', () => {
  const overlayNames = [
    'overlay_overlay', 'overlay_overlay_bypath', 'overlay_overlay_local_merge', 'overlay_overlay_long_path',
    'overlay_overlay_manual_fixups', 'overlay_overlay_no_fixups', 'overlay_overlay_nosugar',
    'overlay_overlay_phandle', 'overlay_overlay_simple', 'stacked_overlay_bar', 'stacked_overlay_baz',
    'stacked_overlay_addlabel',
  ];
  const baseNames = [
    'overlay_base', 'overlay_base_manual_symbols', 'overlay_base_phandle', 'stacked_overlay_base',
    'stacked_overlay_base_nolabel',
  ];

  test('each overlay and each ordered pair, on every base', (t) => {
    if (skipWithout(t, true)) return;
    const ovs = overlayNames.map((n) => compile({ file: `${n}.dts` }));
    const bases = baseNames.map((n) => compile({ file: `${n}.dts` }));
    const cases: [string, string[]][] = [];
    for (const b of bases) for (const o of ovs) cases.push([b, [o]]);
    for (const o of ovs) for (const o2 of ovs) cases.push([bases[0]!, [o, o2]]);
    tally('corpus single+pairs', cases);
  });

  test('stacked overlays as dtc run_tests.sh applies them', (t) => {
    if (skipWithout(t, true)) return;
    const c = (n: string) => compile({ file: `${n}.dts` });
    const [base, nolabel, bar, baz, addlabel] = ['stacked_overlay_base', 'stacked_overlay_base_nolabel',
      'stacked_overlay_bar', 'stacked_overlay_baz', 'stacked_overlay_addlabel'].map(c) as [string, string, string, string, string];
    const all = overlayNames.map((n) => compile({ file: `${n}.dts` }));
    tally('corpus stacked', [
      [base, [bar, baz]],
      [base, [bar]],
      [nolabel, [addlabel, bar, baz]],
      [compile({ file: 'overlay_base.dts' }), all.slice(0, 6)],
    ]);
  });

  test('malformed __fixups__ fail on both', (t) => {
    if (skipWithout(t, true)) return;
    const base = compile({ file: 'overlay_base.dts' });
    const names = ['bad_index', 'empty', 'empty_index', 'index_trailing', 'path_empty_prop', 'path_only',
      'path_only_sep', 'path_prop'];
    const cases: [string, string[]][] = names.map((n) => [base, [compile({ file: `overlay_bad_fixup_${n}.dts` })]]);
    tally('corpus bad fixups', cases);
    for (const [b, ovs] of cases) {
      assert.throws(() => applyOverlays(readBlob(b), [readBlob(ovs[0]!)]), (e: unknown) =>
        e instanceof FdtError && /^FDT_ERR_/.test(e.code) && /^Failed to apply 'overlay\[0\]': FDT_ERR_/.test(e.message));
    }
  });
});

describe('libfdt byte quirks', () => {
  const baseDts = '/dts-v1/;\n/memreserve/ 0x1000 0x10;\n/ { a { x = <1>; y = "yy"; }; z: last { s = "hello world long"; }; };\n';
  const overlays = [
    '/dts-v1/;\n/plugin/;\n&{/a} { q = "abcde"; x = "z"; sub { w = [01]; }; };\n',
    `/dts-v1/;\n/plugin/;\n&{/last} { big = "${'a'.repeat(150)}"; s = "h"; };\n`,
    `/dts-v1/;\n/plugin/;\n&{/last} { s = "${'long '.repeat(30)}"; t = [${Array.from({ length: 129 }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join(' ')}]; };\n`,
    '/dts-v1/;\n/plugin/;\n&z { n: new@1 { status = "okay"; }; };\n&{/} { a { y = "shrunk-then"; }; };\n',
  ];

  /** Rebuilds a dtc blob's blocks in another layout (all fields big-endian). */
  function relayout(blob: Uint8Array, kind: 'nop' | 'misordered' | 'v16' | 'junk' | 'garbage-pad'): Uint8Array {
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const h = (i: number) => dv.getUint32(i * 4);
    const rsv = blob.slice(h(4), h(2));
    let st = blob.slice(h(2), h(2) + h(9));
    const strs = blob.slice(h(3), h(3) + h(8));
    if (kind === 'garbage-pad') {
      const out = blob.slice();
      for (let i = h(3) + h(8); i < out.length; i++) out[i] = (0xa0 + i) & 0xff;
      return out;
    }
    if (kind === 'nop') {
      // fdt_nop_property on the first property.
      const sv = new DataView(st.buffer);
      let i = 0;
      while (sv.getUint32(i) !== 3) i += 4;
      const end = i + 12 + ((sv.getUint32(i + 4) + 3) & ~3);
      for (; i < end; i += 4) sv.setUint32(i, 4);
    }
    if (kind === 'junk') st = Uint8Array.from([...st, 1, 2, 3, 4, 5, 6, 7, 8]);
    const blocks = kind === 'misordered' ? [rsv, strs, st] : [rsv, st, strs];
    const total = 40 + blocks.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(total);
    const ov = new DataView(out.buffer);
    let pos = 40;
    const offs: number[] = [];
    for (const b of blocks) { offs.push(pos); out.set(b, pos); pos += b.length; }
    const [offRsv, offA, offB] = offs as [number, number, number];
    const offStruct = kind === 'misordered' ? offB : offA;
    const offStrings = kind === 'misordered' ? offA : offB;
    [0xd00dfeed, total, offStruct, offStrings, offRsv, kind === 'v16' ? 16 : 17, 16, 0, strs.length,
      kind === 'v16' ? 0 : st.length].forEach((v, i) => ov.setUint32(i * 4, v));
    return out;
  }

  test('stale padding, NOPs, misordered/v16/padded bases, leftover free space', (t) => {
    if (skipWithout(t)) return;
    const ovs = overlays.map((text) => compile({ text }));
    const plain = compile({ text: baseDts }, []);
    const padded = compile({ text: baseDts }, ['-p', '300']);
    const bases = [plain, padded, compile({ text: baseDts }, ['-@', '-R', '2'])];
    for (const kind of ['nop', 'misordered', 'v16', 'junk'] as const) bases.push(writeBlob(relayout(readBlob(plain), kind)));
    bases.push(writeBlob(relayout(readBlob(padded), 'garbage-pad')));
    const cases: [string, string[]][] = [];
    for (const b of bases) {
      for (const o of ovs) cases.push([b, [o]]);
      cases.push([b, ovs]);
      cases.push([b, [...ovs].reverse()]);
    }
    tally('layout quirks', cases);
  });

  test('random bases and overlays (seeded)', (t) => {
    if (skipWithout(t)) return;
    const r = makeRng(7);
    const cases: [string, string[]][] = [];
    while (cases.length < 40) {
      const c = genCase(r);
      try {
        const base = compile({ text: c.base }, [...c.baseOpts, '-f']);
        cases.push([base, c.overlays.map((text) => compile({ text }, ['-@', '-f']))]);
      } catch {
        continue;
      }
    }
    tally('random', cases);
  });
});

describe('fragment targets and symbols', () => {
  test('aliases in target-path, symbol forms, duplicate phandles', (t) => {
    if (skipWithout(t)) return;
    const base = compile({ text: `/dts-v1/;
/ { aliases { ser = "/soc/serial@1"; loop = "loop"; };
    soc { serial@1 { child { }; }; a { phandle = <5>; }; b { phandle = <5>; }; };
    c { linux,phandle = <7>; }; d { phandle = [00 01]; linux,phandle = <8>; }; };
` }, ['-f']);
    const manual = (body: string) => compile({ text: `/dts-v1/;\n/ { ${body} };\n` }, ['-f']);
    const ovs = [
      manual(`fragment@0 { target-path = "ser"; __overlay__ { baud = <9600>; sub { x; }; }; };
        fragment@1 { target-path = "ser/child"; __overlay__ { y = "z"; }; };
        fragment@2 { target-path = "/"; __overlay__ { r = "root"; }; };
        fragment@3 { target = <0>; target-path = "/soc"; __overlay__ { q; }; };
        fragment@4 { target = <5>; __overlay__ { dup; }; };
        fragment@5 { target = <7>; __overlay__ { lp; }; };
        fragment@6 { target = <8>; __overlay__ { lp2; }; };
        __symbols__ { s1 = "/fragment@0/__overlay__/sub"; s2 = "/fragment@2/__overlay__"; s3 = "/fragment@1/__overlay__";
          s4 = "/nofrag"; s5 = "/fragment@0/other"; s6 = "/fragment@4/__overlay__"; s7 = "/fragment@3/__overlay__/"; };`),
      manual('fragment@0 { target-path = "loop"; __overlay__ { x; }; };'),
      manual('fragment@0 { target-path = "nope/x"; __overlay__ { x; }; };'),
      manual('fragment@0 { target = <1 2>; __overlay__ { x; }; };'),
      manual('fragment@0 { __overlay__ { x; }; };'),
      manual('fragment@0 { target = <99>; __overlay__ { x; }; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { x; }; }; __symbols__ { bad = "rel/path"; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { x; }; }; __symbols__ { bad = "/missing/__overlay__"; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { x; }; }; __symbols__ { bad = [2f 61 00 62 00]; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { p = <0 0>; }; }; __local_fixups__ { fragment@0 { __overlay__ { p = <6>; }; }; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { p = <0 0>; }; }; __local_fixups__ { fragment@0 { __overlay__ { q = <0>; }; }; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { p = <0 0>; }; }; __local_fixups__ { fragment@1 { }; };'),
      manual('fragment@0 { target-path = "/soc"; __overlay__ { p = <0 0>; phandle = <1>; }; }; __local_fixups__ { fragment@0 { __overlay__ { p = <4>; }; }; };'),
      manual('fragment@0 { target = <0xffffffff>; __overlay__ { x; }; }; __fixups__ { l = "/fragment@0:target:4"; };'),
    ];
    tally('targets/symbols', [...ovs.map((o): [string, string[]] => [base, [o]]), [base, [ovs[0]!, ovs[0]!]]]);
  });
});

describe('large trees', () => {
  /** n nodes: groups of 200 buses (dtc's parser chokes on ~10k siblings), 3 devices each. */
  const busPath = (i: number) => `/g@${Math.floor(i / 200)}/bus@${i}`;
  function bigBase(n: number): string {
    const parts = ['/dts-v1/;\n/ {\n  compatible = "big";\n'];
    for (let i = 0; i < n / 4; i++) {
      if (i % 200 === 0) parts.push(`${i ? '  };\n' : ''}  g@${i / 200} {\n`);
      parts.push(`  l${i}: bus@${i} {\n    reg = <${i}>;\n    status = "disabled";\n`);
      for (let j = 0; j < 3; j++) parts.push(`    d${i}_${j}: dev@${j} { reg = <${j}>; name${j % 2} = "n"; };\n`);
      parts.push('  };\n');
    }
    parts.push('  };\n};\n');
    return parts.join('');
  }

  /** Fragments by label and by path, plus one root fragment touching many buses. */
  function bigOverlay(n: number, touched: number): string {
    const parts = ['/dts-v1/;\n/plugin/;\n'];
    const fragments = Math.min(touched, 300);
    for (let k = 0; k < fragments; k++) {
      const i = Math.floor((k * 7919) % (n / 4));
      parts.push(`&l${i} { status = "okay"; extra-${k % 5} = <&d${i}_1>; dev@${k % 5} { added = "v${k}"; }; };\n`);
      if (k % 3 === 0) parts.push(`&{${busPath(i)}/dev@2} { reg = <1 2 3>; };\n`);
    }
    const rest = new Map<number, number>();
    for (let k = fragments; k < touched; k++) rest.set(Math.floor((k * 7919) % (n / 4)), k);
    const byGroup = new Map<number, string[]>();
    for (const [i, k] of [...rest].sort((x, y) => x[0] - y[0])) {
      const g = Math.floor(i / 200);
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g)!.push(`    bus@${i} { status = "ok"; dev@${k % 5} { added = "v${k}"; }; };\n`);
    }
    parts.push('&{/} {\n');
    for (const [g, lines] of byGroup) parts.push(`  g@${g} {\n`, ...lines, '  };\n');
    parts.push('};\n');
    return parts.join('');
  }

  test('2,000-node base, overlay touching many nodes, byte-identical', (t) => {
    if (skipWithout(t)) return;
    const base = compile({ text: bigBase(2000) });
    const ov = compile({ text: bigOverlay(2000, 400) });
    const ov2 = compile({ text: bigOverlay(2000, 50).replace(/"v(\d+)"/g, '"w$1"') });
    tally('large', [[base, [ov]], [base, [ov, ov2]]]);
  });

  /** A minimal FDT writer for timing only (dtc itself is quadratic on 40k labelled nodes). */
  interface TNode { name: string; props: [string, Uint8Array][]; kids: TNode[] }
  function writeFdt(root: TNode): Uint8Array {
    const bytes: number[] = [];
    const strings = new Map<string, number>();
    let strtab = '';
    const str = (s: string) => {
      if (!strings.has(s)) { strings.set(s, strtab.length); strtab += s + '\0'; }
      return strings.get(s)!;
    };
    const pushBytes = (b: Uint8Array | number[]) => {
      for (const x of b) bytes.push(x);
      while (bytes.length % 4) bytes.push(0);
    };
    const u32 = (v: number) => bytes.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    const walk = (n: TNode) => {
      u32(1);
      pushBytes([...Buffer.from(n.name + '\0', 'latin1')]);
      for (const [k, v] of n.props) { u32(3); u32(v.length); u32(str(k)); pushBytes(v); }
      for (const c of n.kids) walk(c);
      u32(2);
    };
    walk(root);
    u32(9);
    const st = Uint8Array.from(bytes);
    const strs = Buffer.from(strtab, 'latin1');
    const out = new Uint8Array(40 + 16 + st.length + strs.length);
    const dv = new DataView(out.buffer);
    [0xd00dfeed, out.length, 56, 56 + st.length, 40, 17, 16, 0, strs.length, st.length].forEach((v, i) => dv.setUint32(i * 4, v));
    out.set(st, 56);
    out.set(strs, 56 + st.length);
    return out;
  }

  const cell = (...v: number[]) => Uint8Array.from(v.flatMap((x) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255]));
  const text = (s: string) => Uint8Array.from(Buffer.from(s + '\0', 'latin1'));

  /** The same tree as bigBase(n) compiled with -@, written directly. */
  function bigBaseBlob(n: number): Uint8Array {
    const root: TNode = { name: '', props: [['compatible', text('big')]], kids: [] };
    const symbols: TNode = { name: '__symbols__', props: [], kids: [] };
    let ph = 1;
    for (let i = 0; i < n / 4; i++) {
      if (i % 200 === 0) root.kids.push({ name: `g@${i / 200}`, props: [], kids: [] });
      const bus: TNode = { name: `bus@${i}`, props: [['reg', cell(i)], ['status', text('disabled')], ['phandle', cell(ph++)]], kids: [] };
      symbols.props.push([`l${i}`, text(busPath(i))]);
      for (let j = 0; j < 3; j++) {
        bus.kids.push({ name: `dev@${j}`, props: [['reg', cell(j)], [`name${j % 2}`, text('n')], ['phandle', cell(ph++)]], kids: [] });
        symbols.props.push([`d${i}_${j}`, text(`${busPath(i)}/dev@${j}`)]);
      }
      root.kids[root.kids.length - 1]!.kids.push(bus);
    }
    root.kids.push(symbols);
    return writeFdt(root);
  }

  test('apply time grows linearly with the tree', (t) => {
    if (skipWithout(t)) return;
    const time = (n: number) => {
      const base = bigBaseBlob(n);
      const ov = readBlob(compile({ text: bigOverlay(n, n / 16) }));
      applyOverlays(base, [ov]); // warm-up
      // CPU time: steadier than wall time while QEMU boots share the machine.
      const t0 = process.cpuUsage();
      applyOverlays(base, [ov]);
      const used = process.cpuUsage(t0);
      return (used.user + used.system) / 1000;
    };
    const small = time(4000);
    const big = time(40000);
    console.log(`apply: 4k-node base ${small.toFixed(0)} ms, 40k-node base ${big.toFixed(0)} ms`);
    // Ten times the tree and the overlay; quadratic would be ~100x.
    assert.ok(big < Math.max(small, 50) * 50, `apply looks superlinear: ${small} ms -> ${big} ms`);
  });
});

describe('errors', () => {
  test('bad blobs give FdtErrors in fdtoverlay words, like the real tool', (t) => {
    if (skipWithout(t)) return;
    const base = compile({ text: '/dts-v1/;\n/ { l: n { }; };\n' });
    const ov = compile({ text: '/dts-v1/;\n/plugin/;\n&{/n} { p = <1>; };\n' });
    const good = readBlob(ov);
    const badMagic = good.slice();
    badMagic[0] = 0;
    const truncated = good.slice(0, good.length - 8);
    const noTarget = compile({ text: '/dts-v1/;\n/plugin/;\n&{/nowhere} { p = <1>; };\n' });
    const badRef = compile({ text: '/dts-v1/;\n/plugin/;\n&missing { p = <1>; };\n' });
    const cases: [string, string[]][] = [
      [base, [writeBlob(badMagic)]],
      // Shorter than totalsize but within utilfdt_read's 1 KiB buffer: fdtoverlay reads on.
      [base, [writeBlob(truncated)]],
      [writeBlob(readBlob(base).subarray(0, 60)), [ov]],
      [base, [noTarget]],
      [base, [badRef]],
      [base, [ov, noTarget]],
    ];
    tally('errors', cases);
    const claims = (blob: Uint8Array, totalsize: number) => {
      const out = blob.slice();
      new DataView(out.buffer).setUint32(4, totalsize);
      return out;
    };
    assert.throws(() => applyOverlays(readBlob(base), [claims(good, 4096)]), (e: unknown) =>
      e instanceof FdtError && e.message === "Overlay 'overlay[0]' is incomplete (1024 / 4096 bytes read)");
    assert.throws(() => applyOverlays(claims(readBlob(base), 5000), [good]), (e: unknown) =>
      e instanceof FdtError && e.message === 'Base blob is incomplete (1024 / 5000 bytes read)');
    assert.throws(() => applyOverlays(new Uint8Array(3), [good]), FdtError);
    assert.throws(() => applyOverlays(readBlob(base), [badMagic], ['x.dtbo']), (e: unknown) =>
      e instanceof FdtError && e.code === 'FDT_ERR_BADMAGIC' && e.message === "Failed to apply 'x.dtbo': FDT_ERR_BADMAGIC");
  });

  test('random corruption of blobs never crashes', (t) => {
    if (!needTool(t, 'dtc')) return;
    const base = readBlob(compile({ text: '/dts-v1/;\n/ { l: n { a = "b"; }; m { }; };\n' }));
    const ov = readBlob(compile({ text: '/dts-v1/;\n/plugin/;\n&l { p = <&l>; x: q { r; }; };\n' }));
    const r = makeRng(99);
    for (let i = 0; i < 2000; i++) {
      const b = base.slice();
      const o = ov.slice();
      const target = r() < 0.5 ? b : o;
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) target[Math.floor(r() * target.length)] = Math.floor(r() * 256);
      try {
        applyOverlays(b, [o]);
      } catch (e) {
        if (!(e instanceof FdtError)) throw new Error(`iteration ${i}: ${String(e)}`);
      }
    }
  });
});
