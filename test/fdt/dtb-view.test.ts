/** The lazy DtbView against readDtb: same names, bytes and order; and laziness shown on a blob broken after /chosen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { openDtb } from '../../src/fdt/dtb/view.js';
import { FdtError } from '../../src/fdt/errors.js';
import { FDT_BEGIN_NODE } from '../../src/fdt/dtb/format.js';
import { viewDiffersFromReadDtb } from './dtb-view-compare.js';

const SOURCE = `/dts-v1/;
/memreserve/ 0x1000 0x2000;
/ {
  #address-cells = <2>;
  #size-cells = <2>;
  model = "view test";
  chosen {
    bootargs = "console=ttyAMA0";
    empty;
    xen,xen-bootargs = "dom0_mem=512M";
  };
  memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x20000000>; };
  soc {
    big = /bits/ 64 <0x1122334455667788 0x99>;
    serial@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0 0x9000000 0 0x1000>; };
    deep { deeper { deepest { x = [01 02 03]; }; }; };
  };
  chosen2 {};
};
`;

function blob(version?: number): Uint8Array {
  return writeDtb(parseDts(SOURCE, { file: 'view.dts' }), { version });
}

test('DtbView gives readDtb names, bytes and order at every blob version', () => {
  for (const v of [1, 2, 3, 16, 17]) {
    assert.equal(viewDiffersFromReadDtb(blob(v)), undefined, `version ${v}`);
  }
});

test('DtbView finds nodes by path and properties by name', () => {
  const view = openDtb(blob());
  const chosen = view.node('/chosen');
  assert.ok(chosen);
  assert.equal(chosen.name, 'chosen');
  assert.equal(Buffer.from(chosen.property('bootargs')!).toString('latin1'), 'console=ttyAMA0\0');
  assert.equal(chosen.property('empty')!.length, 0);
  assert.equal(chosen.property('missing'), undefined);
  assert.equal(view.node('/soc/deep/deeper/deepest')?.property('x')?.join(','), '1,2,3');
  assert.equal(view.node('/soc/serial@9000000')?.name, 'serial@9000000');
  assert.equal(view.node('/soc/serial'), undefined, 'exact names only');
  assert.equal(view.node('/nope'), undefined);
  assert.equal(view.node('/')?.name, '');
});

test('DtbView values are views into the caller bytes, not copies', () => {
  const b = blob();
  const v = openDtb(b).node('/chosen')!.property('bootargs')!;
  assert.equal(v.buffer, b.buffer);
});

/** The blob with the first FDT_BEGIN_NODE after `/chosen`'s subtree turned into a bad token. */
function brokenAfterChosen(): Uint8Array {
  const b = blob().slice();
  const view = openDtb(b);
  const chosen = view.node('/chosen')!;
  const at = chosen.subtreeEnd();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(dv.getUint32(at), FDT_BEGIN_NODE, 'memory@ follows /chosen');
  dv.setUint32(at, 0xdeadbeef);
  return b;
}

test('a walk to /chosen does not read the rest of the tree: damage after it does not stop it', () => {
  const b = brokenAfterChosen();
  assert.throws(() => readDtb(b), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_TOKEN');
  const view = openDtb(b);
  assert.equal(Buffer.from(view.node('/chosen')!.property('xen,xen-bootargs')!).toString('latin1'), 'dom0_mem=512M\0');
  assert.throws(() => view.node('/soc'), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_TOKEN');
});

test('DtbView refuses a bad header as readDtb does, and a truncated struct when walked', () => {
  const b = blob();
  assert.throws(() => openDtb(b.subarray(0, 3)), (e: unknown) => e instanceof FdtError && e.code === 'DTB_TRUNCATED');
  const bad = b.slice();
  bad[0] = 0;
  assert.throws(() => openDtb(bad), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_MAGIC');
  // A property length running past the blob: a typed error, never a RangeError.
  const long = b.slice();
  const dv = new DataView(long.buffer);
  const view = openDtb(long);
  const chosenAt = view.node('/chosen')!.offset;
  // FDT_BEGIN_NODE, "chosen\0" padded to 8, then FDT_PROP and its length word.
  dv.setUint32(chosenAt + 4 + 8 + 4, 0x7fffffff);
  assert.throws(() => [...openDtb(long).node('/chosen')!.properties()], (e: unknown) => e instanceof FdtError && e.code === 'DTB_TRUNCATED');
});

/** Every name and value of the view, depth first. */
function walkAll(b: Uint8Array): void {
  const stack = [openDtb(b).root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    void n.name;
    for (const p of n.properties()) void p.bytes.length;
    for (const c of n.children()) stack.push(c);
  }
}

/** xorshift32: the same cases on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('DtbView on mutated blobs: only FdtErrors, and readDtb\'s tree whenever readDtb accepts', () => {
  const rnd = prng(16);
  let agreed = 0;
  for (let k = 0; k < 3000; k++) {
    const v = [1, 2, 3, 16, 17][k % 5]!;
    const b = blob(v).slice();
    const flips = 1 + (rnd() % 4);
    for (let i = 0; i < flips; i++) {
      const at = rnd() % b.length;
      // Mostly the struct and strings blocks (past the 40-byte header), sometimes the header.
      const pos = k % 10 === 0 ? at : 40 + (at % (b.length - 40));
      b[pos] = rnd() % 7 === 0 ? 0 : b[pos]! ^ (1 << rnd() % 8);
    }
    const cut = k % 13 === 0 ? b.subarray(0, rnd() % b.length) : b;
    let eagerOk = true;
    try {
      readDtb(cut);
    } catch (e) {
      assert.ok(e instanceof FdtError, `readDtb case ${k}: ${String(e)}`);
      eagerOk = false;
    }
    if (eagerOk) {
      assert.equal(viewDiffersFromReadDtb(cut), undefined, `case ${k}`);
      agreed++;
      continue;
    }
    try {
      walkAll(cut);
    } catch (e) {
      assert.ok(e instanceof FdtError, `openDtb case ${k}: ${String(e)}`);
    }
  }
  assert.ok(agreed > 100, `only ${agreed} cases readable`);
});

/** A v17 blob from raw struct tokens: `/ { a = <1>; child { c = <3>; }; b = "x"; };` (a property after a child). */
function lateProperty(): Uint8Array {
  const strings = 'a\0c\0b\0';
  const words: number[] = [];
  const name = (s: string): void => {
    const bytes = [...s].map((ch) => ch.charCodeAt(0)).concat(0);
    while (bytes.length % 4 !== 0) bytes.push(0);
    for (let i = 0; i < bytes.length; i += 4) words.push(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  };
  words.push(1); // FDT_BEGIN_NODE
  name('');
  words.push(3, 4, 0, 1); // a = <1>
  words.push(1);
  name('child');
  words.push(3, 4, 2, 3); // c = <3>
  words.push(2); // FDT_END_NODE
  words.push(3, 2, 4, 0x78000000); // b = "x"
  words.push(2, 9); // FDT_END_NODE, FDT_END
  const offStruct = 40 + 16; // header, one empty reservation
  const offStrings = offStruct + words.length * 4;
  const total = offStrings + strings.length;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  [0xd00dfeed, total, offStruct, offStrings, 40, 17, 16, 0, strings.length, words.length * 4].forEach((w, i) => dv.setUint32(i * 4, w));
  words.forEach((w, i) => dv.setUint32(offStruct + i * 4, w));
  for (let i = 0; i < strings.length; i++) b[offStrings + i] = strings.charCodeAt(i);
  return b;
}

test('a property after a child is the node\'s, for the view as for readDtb (dtc reads it; libfdt would not)', () => {
  const b = lateProperty();
  const warnings: string[] = [];
  const tree = readDtb(b, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(tree.root.properties.map((p) => p.name), ['a', 'b']);
  assert.deepEqual(warnings, ['Warning: Flat tree input has subnodes preceding a property.']);
  const root = openDtb(b).root;
  assert.deepEqual([...root.properties()].map((p) => p.name), ['a', 'b']);
  assert.equal(Buffer.from(root.property('b')!).toString('latin1'), 'x\0');
  assert.equal(root.property('missing'), undefined);
  assert.deepEqual([...root.children()].map((c) => c.name), ['child']);
  assert.equal(viewDiffersFromReadDtb(b), undefined);
});
