import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressCells, decodeRanges, decodeReg, sizeCells, translateAddress, translatedReg } from '../../src/fdt/tree/addresses.js';
import { FdtError } from '../../src/fdt/errors.js';
import { Node, Property, walkNodes } from '../../src/fdt/tree/livetree.js';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { acceptedSources, needDtcCorpus, tempDir } from './dtb-oracle.js';

function node(name: string, props: Record<string, number[]> = {}): Node {
  const n = new Node(name);
  for (const [k, v] of Object.entries(props)) n.addProperty(new Property(k, PropertyValue.fromCells(v)));
  return n;
}

test('cell counts: own #address-cells / #size-cells, defaults 2 and 1', () => {
  assert.equal(addressCells(node('a')), 2);
  assert.equal(sizeCells(node('a')), 1);
  assert.equal(addressCells(node('a', { '#address-cells': [3] })), 3);
  assert.equal(sizeCells(node('a', { '#size-cells': [0] })), 0);
  assert.throws(() => addressCells(node('a', { '#address-cells': [1, 2] })), (e: unknown) => e instanceof FdtError && e.code === 'PROP_BAD_LENGTH' && e.path === '/:#address-cells');
});

test('reg with the parent cell sizes, including defaults and 0 size cells', () => {
  const root = node('', { '#address-cells': [2], '#size-cells': [2] });
  const mem = root.addChild(node('memory@40000000', { reg: [0, 0x40000000, 0, 0x80000000, 0x8, 0, 0x1, 0] }));
  assert.deepEqual(decodeReg(mem), [
    { address: 0x40000000n, size: 0x80000000n },
    { address: 0x8_0000_0000n, size: 0x1_0000_0000n },
  ]);
  const cpus = root.addChild(node('cpus', { '#address-cells': [1], '#size-cells': [0] }));
  const cpu = cpus.addChild(node('cpu@101', { reg: [0x101] }));
  assert.deepEqual(decodeReg(cpu), [{ address: 0x101n, size: 0n }]);
  const dflt = cpus.addChild(node('bus')).addChild(node('dev@1', { reg: [0, 1, 0x100] }));
  assert.deepEqual(decodeReg(dflt), [{ address: 1n, size: 0x100n }]);
  assert.deepEqual(decodeReg(node('x')), []);
});

test('reg errors carry dtc wording and the DT path', () => {
  const root = node('', { '#address-cells': [1], '#size-cells': [1] });
  const bad = root.addChild(node('uart@1000', { reg: [0x1000, 0x100, 7] }));
  assert.throws(
    () => decodeReg(bad),
    (e: unknown) =>
      e instanceof FdtError &&
      e.code === 'REG_BAD_LENGTH' &&
      e.path === '/uart@1000:reg' &&
      e.message === '/uart@1000:reg: property has invalid length (12 bytes) (#address-cells == 1, #size-cells == 1)',
  );
  const rootReg = node('', { reg: [1] });
  assert.throws(() => decodeReg(rootReg), (e: unknown) => e instanceof FdtError && e.code === 'REG_IN_ROOT');
  const zero = node('', { '#address-cells': [0], '#size-cells': [0] });
  assert.throws(() => decodeReg(zero.addChild(node('z', { reg: [1] }))), (e: unknown) => e instanceof FdtError && e.code === 'REG_BAD_LENGTH');
});

test('ranges: identity, triples, translation through nested buses', () => {
  const root = node('', { '#address-cells': [2], '#size-cells': [2] });
  const soc = root.addChild(node('soc', { '#address-cells': [1], '#size-cells': [1], ranges: [0, 0, 0xf0000000, 0x10000000] }));
  const sub = soc.addChild(node('sub@1000000', { '#address-cells': [1], '#size-cells': [1], ranges: [0, 0x1000000, 0x10000] }));
  const uart = sub.addChild(node('uart@200', { reg: [0x200, 0x100] }));
  const flat = soc.addChild(node('flat', { '#address-cells': [1], '#size-cells': [1] }));
  flat.addProperty(new Property('ranges'));
  const dev = flat.addChild(node('dev@50', { reg: [0x50, 0x10] }));
  assert.deepEqual(decodeRanges(soc), { identity: false, entries: [{ childAddress: 0n, parentAddress: 0xf0000000n, size: 0x10000000n }] });
  assert.deepEqual(decodeRanges(flat), { identity: true, entries: [] });
  assert.equal(decodeRanges(uart), undefined);
  assert.equal(translateAddress(sub, 0x200n), 0xf1000200n);
  assert.deepEqual(translatedReg(uart), [{ address: 0xf1000200n, size: 0x100n }]);
  assert.deepEqual(translatedReg(dev), [{ address: 0xf0000050n, size: 0x10n }]);
  assert.equal(translateAddress(sub, 0x20000n), undefined, 'outside every window');
  const noRanges = root.addChild(node('i2c', { '#address-cells': [1], '#size-cells': [0] }));
  assert.equal(translateAddress(noRanges, 0x50n), undefined, 'no ranges: not memory-mapped');
  assert.throws(
    () => decodeRanges(root.addChild(node('bad', { ranges: [1, 2, 3] }))),
    (e: unknown) => e instanceof FdtError && e.code === 'RANGES_BAD_LENGTH' && e.path === '/bad:ranges' && /parent #address-cells == 2, child #address-cells == 2, #size-cells == 1/.test(e.message),
  );
  assert.throws(() => decodeRanges(node('', { ranges: [] })), (e: unknown) => e instanceof FdtError && e.code === 'RANGES_IN_ROOT');
});

/**
 * Cross-check with dtc: over the corpus, decodeReg / decodeRanges must fail
 * on exactly the properties dtc's reg_format / ranges_format /
 * dma_ranges_format checks call "invalid length".
 */
test('corpus: invalid-length reg/ranges match dtc warnings', (t) => {
  const corpus = needDtcCorpus(t, 'reg/ranges warnings over the dtc corpus');
  if (!corpus) return;
  const dir = tempDir();
  let compared = 0;
  let flagged = 0;
  for (const s of acceptedSources(corpus)) {
    const out = join(dir, `${s.name}.dtb`);
    const stderr: string = execFileSync('sh', ['-c', `dtc -I dts -O dtb ${s.includes.map((i) => `-i ${i}`).join(' ')} -o "${out}" "${s.rel}" 2>&1 >/dev/null || true`], { cwd: corpus }).toString();
    if (/Failed prerequisite 'addr_size_cells'/.test(stderr) || !existsSync(out)) continue;
    const expected = new Set<string>(
      [...stderr.matchAll(/Warning \((?:reg_format|ranges_format|dma_ranges_format)\): (\S+): (?:"[^"]+" )?property has invalid length/g)].map((m) => m[1]!),
    );
    const got = new Set<string>();
    const tree = readDtb(new Uint8Array(readFileSync(out)));
    for (const n of walkNodes(tree.root)) {
      for (const [name, fn] of [['reg', () => decodeReg(n)], ['ranges', () => decodeRanges(n)], ['dma-ranges', () => decodeRanges(n, 'dma-ranges')]] as const) {
        try {
          fn();
        } catch (e) {
          assert.ok(e instanceof FdtError, String(e));
          if (/_BAD_LENGTH$/.test(e.code) && e.path === `${n.path}:${name}`) got.add(e.path);
        }
      }
    }
    assert.deepEqual([...got].sort(), [...expected].sort(), s.rel);
    compared++;
    flagged += got.size;
  }
  t.diagnostic(`${compared} sources compared, ${flagged} invalid-length properties agreed with dtc`);
  assert.ok(compared > 50, `only ${compared} corpus sources compared`);
});
