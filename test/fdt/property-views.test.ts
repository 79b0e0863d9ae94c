import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cellsToBigInt,
  hasProperty,
  propCells,
  propertyPath,
  propPhandle,
  propString,
  propStringList,
  propU32,
  propU64,
  propU64s,
  readProperty,
} from '../../src/fdt/tree/property-views.js';
import { FdtError } from '../../src/fdt/errors.js';
import { Node, Property } from '../../src/fdt/tree/livetree.js';
import { PropertyValue } from '../../src/fdt/tree/data.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const prop = (name: string, ...b: number[]) => new Property(name, new PropertyValue(bytes(...b)));

function throwsFdt(fn: () => unknown, code: string, path?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FdtError, String(e));
    assert.equal(e.code, code);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  });
}

test('u32 and cell lists', () => {
  assert.equal(propU32(bytes(0xde, 0xad, 0xbe, 0xef)), 0xdeadbeef);
  assert.deepEqual(propCells(bytes(0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff)), [1, 0xffffffff]);
  assert.deepEqual(propCells(bytes()), []);
  throwsFdt(() => propU32(bytes(1, 2, 3)), 'PROP_BAD_LENGTH');
  throwsFdt(() => propU32(bytes(0, 0, 0, 1, 0, 0, 0, 2)), 'PROP_BAD_LENGTH');
  throwsFdt(() => propCells(bytes(1, 2, 3, 4, 5)), 'PROP_BAD_LENGTH');
});

test('u64 values and multi-cell numbers', () => {
  assert.equal(propU64(bytes(0, 0, 0, 1, 0, 0, 0, 2)), 0x1_0000_0002n);
  assert.equal(propU64(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), 0xffff_ffff_ffff_ffffn);
  assert.deepEqual(propU64s(bytes(0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0)), [7n, 0x1_0000_0000n]);
  throwsFdt(() => propU64(bytes(0, 0, 0, 1)), 'PROP_BAD_LENGTH');
  throwsFdt(() => propU64s(bytes(0, 0, 0, 1)), 'PROP_BAD_LENGTH');
  assert.equal(cellsToBigInt([0x1, 0x80000000, 0x3], 0, 3), 0x1_8000_0000_0000_0003n);
  assert.equal(cellsToBigInt([5], 0, 0), 0n);
});

test('strings and string lists', () => {
  assert.equal(propString(PropertyValue.fromString('console=ttyS0').bytes), 'console=ttyS0');
  assert.equal(propString(bytes(0)), '');
  assert.equal(propString(bytes(0xc3, 0xa9, 0)), 'é');
  throwsFdt(() => propString(bytes(0x61, 0x62)), 'PROP_NOT_STRING');
  throwsFdt(() => propString(bytes()), 'PROP_NOT_STRING');
  throwsFdt(() => propString(bytes(0x61, 0, 0x62, 0)), 'PROP_NOT_STRING');
  assert.deepEqual(propStringList(bytes(0x61, 0, 0x62, 0x63, 0, 0)), ['a', 'bc', '']);
  assert.deepEqual(propStringList(bytes()), []);
  throwsFdt(() => propStringList(bytes(0x61, 0, 0x62)), 'PROP_NOT_STRING');
});

test('phandles', () => {
  assert.equal(propPhandle(bytes(0, 0, 0, 5)), 5);
  throwsFdt(() => propPhandle(bytes(0, 0, 0, 0)), 'PROP_BAD_PHANDLE');
  throwsFdt(() => propPhandle(bytes(0xff, 0xff, 0xff, 0xff)), 'PROP_BAD_PHANDLE');
  throwsFdt(() => propPhandle(bytes(0, 5)), 'PROP_BAD_LENGTH');
});

test('errors name the property as dtc does: /path:prop', () => {
  const root = new Node('');
  const cpus = root.addChild(new Node('cpus'));
  const cpu = cpus.addChild(new Node('cpu@0'));
  const reg = cpu.addProperty(prop('reg', 0, 0, 1));
  throwsFdt(() => propU32(reg, cpu), 'PROP_BAD_LENGTH', '/cpus/cpu@0:reg');
  throwsFdt(() => propU32(reg, '/x'), 'PROP_BAD_LENGTH', '/x:reg');
  throwsFdt(() => propU32(reg), 'PROP_BAD_LENGTH', 'reg');
  assert.match(String(catchIt(() => propU32(reg, cpu))), /^FdtError: \/cpus\/cpu@0:reg: property is not a single cell/);
  assert.equal(propertyPath(bytes(), cpu), '/cpus/cpu@0');
});

function catchIt(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

test('node helpers: readProperty, hasProperty, deleted properties ignored', () => {
  const n = new Node('intc');
  n.addProperty(prop('interrupt-controller'));
  n.addProperty(prop('#interrupt-cells', 0, 0, 0, 3));
  const gone = n.addProperty(prop('status', 0x6f, 0x6b, 0));
  gone.deleted = true;
  assert.equal(hasProperty(n, 'interrupt-controller'), true);
  assert.equal(readProperty(n, '#interrupt-cells', propU32), 3);
  assert.equal(readProperty(n, 'status', propString), undefined);
  assert.equal(readProperty(n, 'missing', propCells), undefined);
});
