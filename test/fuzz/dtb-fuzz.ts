/**
 * DTB reader fuzzer: real dtc-made blobs (and a libfdt-style one) mutated by
 * fast-check — bit flips, truncation, byte insertion and deletion, header
 * field edits, token rewrites — must each end in a DeviceTree or an
 * FdtError. Accepted trees must also write, re-read and re-write to the same
 * bytes, and sort without error. Anything else fails with the seed and case.
 */
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { openDtb } from '../../src/fdt/dtb/view.js';
import { viewDiffersFromReadDtb } from '../fdt/dtb-view-compare.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { sortTree } from '../../src/fdt/tree/sort.js';
import { FdtError } from '../../src/fdt/errors.js';
import { DeviceTree, Node, Property } from '../../src/fdt/tree/livetree.js';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { DTC_TESTS, sharedOrNotice } from '../support/shared.js';
import { skipLine } from '../support/skip.js';

const INLINE_SOURCE = `/dts-v1/;
/memreserve/ 0x1000 0x2000;
/ {
	#address-cells = <2>;
	#size-cells = <1>;
	compatible = "vendor,board", "generic";
	model = "fuzz";
	chosen { bootargs = "console=ttyS0"; };
	cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; device_type = "cpu"; }; };
	intc: intc@100 { reg = <0 0x100 0x10>; interrupt-controller; #interrupt-cells = <2>; };
	dev@200 { reg = <0 0x200 0x20>; interrupt-parent = <&intc>; interrupts = <1 2>; big = /bits/ 64 <0x123456789>; bytes = [00 01 02]; };
};`;

const CORPUS_SOURCES = ['test_tree1.dts', 'references.dts', 'overlay_overlay.dts', 'stringlist.dts', 'sized_cells.dts'];

function findCorpus(): string | undefined {
  return sharedOrNotice('dtc-corpus seed blobs for the DTB fuzzer', DTC_TESTS);
}

function dtc(args: string[], input?: string, cwd?: string): Uint8Array | undefined {
  try {
    return new Uint8Array(execFileSync('dtc', ['-q', ...args], { input, cwd, stdio: ['pipe', 'pipe', 'pipe'] }));
  } catch {
    return undefined;
  }
}

/** A tree built in code, for when dtc is missing. */
function fallbackTree(): DeviceTree {
  const root = new Node('');
  root.addProperty(new Property('compatible', PropertyValue.fromString('fallback')));
  const a = root.addChild(new Node('a@1'));
  a.addProperty(new Property('reg', PropertyValue.fromCells([1, 2, 3])));
  a.addChild(new Node('b')).addProperty(new Property('phandle', PropertyValue.fromCells([1])));
  const tree = new DeviceTree(root);
  tree.reservations.push({ address: 0x1000n, size: 0x10n, labels: [] });
  return tree;
}

/** libfdt leaves the rsvmap at 48 and slack after the strings; here with 256 spare bytes. */
function libfdtStyle(blob: Uint8Array): Uint8Array {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out = new Uint8Array(blob.length + 8 + 256);
  const o = new DataView(out.buffer);
  out.set(blob.subarray(0, 40));
  out.set(blob.subarray(40), 48);
  o.setUint32(4, out.length);
  for (const f of [8, 12, 16]) o.setUint32(f, v.getUint32(f) + 8);
  return out;
}

let seedsCache: { label: string; blob: Uint8Array }[] | undefined;

/** Seed blobs: dtc output of a few corpus sources and an inline source, in versions 17, 16 and 1. */
export function seedBlobs(): { label: string; blob: Uint8Array }[] {
  if (seedsCache) return seedsCache;
  const seeds: { label: string; blob: Uint8Array }[] = [];
  const corpus = findCorpus();
  for (const version of ['17', '16', '1']) {
    const inline = dtc(['-I', 'dts', '-O', 'dtb', '-V', version, '-'], INLINE_SOURCE);
    if (inline) seeds.push({ label: `inline -V ${version}`, blob: inline });
    if (!corpus || version === '1') continue;
    for (const f of CORPUS_SOURCES) {
      const b = dtc(['-I', 'dts', '-O', 'dtb', '-V', version, f], undefined, corpus);
      if (b) seeds.push({ label: `${f} -V ${version}`, blob: b });
    }
  }
  if (seeds.length === 0) {
    // the fuzzing still runs, on our own blobs: a notice for the dtc-made seeds it leaves out
    console.log(skipLine('dtc-made seed blobs for the DTB fuzzer', 'dtc: not installed; fuzzing blobs made by writeDtb instead'));
    for (const version of [17, 16, 1]) seeds.push({ label: `writeDtb v${version}`, blob: writeDtb(fallbackTree(), { version }) });
  }
  seeds.push({ label: 'libfdt-style', blob: libfdtStyle(seeds[0]!.blob) });
  seedsCache = seeds;
  return seeds;
}

export type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'truncate'; len: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'delete'; pos: number; count: number }
  | { kind: 'header'; field: number; value: number }
  | { kind: 'token'; word: number; value: number }
  | { kind: 'fixTotalsize' };

const INTERESTING = [0, 1, 2, 3, 4, 9, 16, 17, 27, 28, 36, 40, 48, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), len: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), count: fc.integer({ min: 1, max: 12 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      field: fc.integer({ min: 0, max: 9 }),
      value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 4096 }), fc.integer({ min: 0, max: 0xffffffff })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('token' as const), word: fc.nat(), value: fc.constantFrom(1, 2, 3, 4, 5, 9, 0, 0xffffffff, 0x10000) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'fixTotalsize' as const }) },
);

function setWord(b: Uint8Array, off: number, v: number): void {
  if (off + 4 <= b.length) new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v >>> 0);
}

export function applyMutation(blob: Uint8Array, m: Mutation): Uint8Array {
  const n = blob.length;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return blob;
      const b = blob.slice();
      b[m.pos % n]! ^= 1 << m.bit;
      return b;
    }
    case 'truncate':
      return blob.slice(0, m.len % (n + 1));
    case 'insert': {
      const p = m.pos % (n + 1);
      const b = new Uint8Array(n + m.bytes.length);
      b.set(blob.subarray(0, p));
      b.set(m.bytes, p);
      b.set(blob.subarray(p), p + m.bytes.length);
      return b;
    }
    case 'delete': {
      const p = n === 0 ? 0 : m.pos % n;
      const b = new Uint8Array(n - Math.min(m.count, n - p));
      b.set(blob.subarray(0, p));
      b.set(blob.subarray(p + m.count), p);
      return b;
    }
    case 'header': {
      const b = blob.slice();
      setWord(b, m.field * 4, m.value);
      return b;
    }
    case 'token': {
      // Rewrite an aligned word inside the structure block, where tokens live.
      if (n < 16) return blob;
      const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      const off = dv.getUint32(8);
      const end = Math.min(n, dv.getUint32(12));
      if (off >= end || end - off < 4) return blob;
      const b = blob.slice();
      setWord(b, off + 4 * (m.word % Math.floor((end - off) / 4)), m.value);
      return b;
    }
    case 'fixTotalsize': {
      const b = blob.slice();
      setWord(b, 4, n);
      return b;
    }
  }
}

function describe(seed: string, ms: Mutation[]): string {
  return `${seed}: ${JSON.stringify(ms, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The lazy view on the same blob: only FdtErrors, and readDtb's tree whenever readDtb accepted the blob. */
function checkView(blob: Uint8Array, what: string, accepted: boolean): void {
  if (accepted) {
    const d = viewDiffersFromReadDtb(blob);
    if (d) throw new Error(`openDtb differs from readDtb on ${what}: ${d}`);
    return;
  }
  try {
    const stack = [openDtb(blob).root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      void n.name;
      for (const p of n.properties()) void p.bytes.length;
      for (const c of n.children()) stack.push(c);
    }
  } catch (e) {
    if (e instanceof FdtError && e.code) return;
    throw new Error(`openDtb threw a non-FdtError on ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}

/** One case: read; when accepted, the tree must round-trip and sort. Returns true when accepted. */
function runCase(blob: Uint8Array, what: string): boolean {
  let tree: DeviceTree;
  try {
    tree = readDtb(blob);
  } catch (e) {
    if (e instanceof FdtError && e.code && typeof e.offset === 'number') {
      checkView(blob, what, false);
      return false;
    }
    throw new Error(`readDtb threw a non-FdtError (or one without code/offset) on ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  checkView(blob, what, true);
  const once = writeDtb(tree);
  const twice = writeDtb(readDtb(once));
  if (!sameBytes(once, twice)) throw new Error(`write/read/write is not stable on ${what}`);
  sortTree(tree);
  writeDtb(tree);
  return true;
}

export function runDtbFuzz(numRuns: number, seed?: number, onCase?: (n: number) => void): { runs: number; errors: number; ok: number } {
  const seeds = seedBlobs();
  let errors = 0;
  let ok = 0;
  let runs = 0;
  const property = fc.property(
    fc.integer({ min: 0, max: seeds.length - 1 }),
    fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    (which, mutations) => {
      const s = seeds[which]!;
      let blob = s.blob;
      for (const m of mutations) blob = applyMutation(blob, m);
      runs++;
      onCase?.(runs);
      if (runCase(blob, describe(s.label, mutations))) ok++;
      else errors++;
    },
  );
  const params: fc.Parameters<[number, Mutation[]]> = { numRuns };
  if (seed !== undefined) params.seed = seed;
  fc.assert(property, params);
  return { runs, errors, ok };
}
