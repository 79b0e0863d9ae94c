/**
 * The Map/trie string table against a direct transcription of what dtc's
 * stringtable_insert computes (first byte offset where `name\0` occurs),
 * on random names from a tiny alphabet so that suffixes collide often, with
 * lengths on both sides of the short/long split. dtc itself is the oracle
 * for the same rule in flattree.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../src/fdt/dtb/string-table.js';

/** The rule as dtc states it: scan every offset of the table for `name` followed by NUL. */
function scanInsert(table: string[], name: string): number {
  const joined = table.join('');
  const needle = name + '\0';
  const at = joined.indexOf(needle);
  if (at >= 0) return at;
  table.push(needle);
  return joined.length;
}

test('string table offsets equal the byte-scan rule', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const table = new StringTable();
    const ref: string[] = [];
    const pool: string[] = [];
    for (let i = 0; i < 60; i++) {
      let name: string;
      const k = rnd(4);
      if (k === 0 && pool.length) name = pool[rnd(pool.length)]!.slice(rnd(20));
      else if (k === 1 && pool.length) name = pool[rnd(pool.length)]!;
      else {
        const len = rnd(3) === 0 ? 60 + rnd(90) : rnd(8);
        name = Array.from({ length: len }, () => 'ab'[rnd(2)]).join('');
      }
      pool.push(name);
      assert.equal(table.insert(name), scanInsert(ref, name), `round ${round}, name ${JSON.stringify(name)}`);
    }
    assert.equal(Buffer.from(table.toBytes()).toString('latin1'), ref.join(''));
    assert.equal(table.length, ref.join('').length);
  }
});

test('offsets keep the rule across the switch from bucket scan to trie (tables past 16 KiB)', () => {
  let seed = 99;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let round = 0; round < 4; round++) {
    const table = new StringTable();
    const ref: string[] = [];
    const pool: string[] = [''];
    for (let i = 0; i < 3000; i++) {
      let name: string;
      const k = rnd(4);
      if (k === 0) name = pool[rnd(pool.length)]!.slice(rnd(12));
      else if (k === 1) name = pool[rnd(pool.length)]!;
      else name = Array.from({ length: rnd(3) === 0 ? 30 + rnd(60) : rnd(6) }, () => 'abc'[rnd(3)]).join('');
      pool.push(name);
      assert.equal(table.insert(name), scanInsert(ref, name), `round ${round}, insert ${i}, name ${JSON.stringify(name)}`);
    }
    assert.ok(table.length > 16 << 10, `table of ${table.length} bytes`);
    assert.equal(Buffer.from(table.toBytes()).toString('latin1'), ref.join(''));
  }
});

test('insertName converts as nameToByteString does, and a raw name and its bytes share one offset', () => {
  const table = new StringTable();
  assert.equal(table.insertName('compatible'), 0);
  assert.equal(table.insertName('x\u00e9'), 11); // 0xe9 stays one byte
  assert.equal(table.insertName('\u20ac'), 14); // UTF-8: e2 82 ac
  assert.equal(table.insertName('\u20ac'), 14);
  assert.equal(table.insert('\u00e2\u0082\u00ac'), 14);
  assert.equal(table.insertName('ible\0junk'), 6); // a NUL ends the name: a suffix of compatible
  assert.equal(Buffer.from(table.toBytes()).toString('latin1'), 'compatible\0x\u00e9\0\u00e2\u0082\u00ac\0');
});

test('long names sharing a long tail stay linear', () => {
  const table = new StringTable();
  const tail = 'z'.repeat(200);
  const t0 = performance.now();
  for (let i = 0; i < 5000; i++) table.insert(`p${i}-${tail}`);
  for (let i = 0; i < 5000; i++) assert.equal(table.insert(`${i}-${tail}`) > 0, true);
  assert.ok(performance.now() - t0 < 30_000); // quadratic would take minutes
});

test('many distinct long names: time linear in their total length', () => {
  const table = new StringTable();
  let seed = 7;
  const t0 = performance.now();
  for (let i = 0; i < 400; i++) {
    let name = '';
    for (let k = 0; k < 1000; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      name += String.fromCharCode(97 + (seed >>> 16) % 26);
    }
    table.insert(name);
  }
  assert.equal(table.length, 400 * 1001);
  assert.ok(performance.now() - t0 < 30_000); // quadratic would take minutes
});
