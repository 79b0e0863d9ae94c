/**
 * Typed reads of property values: big-endian u32 cells, u64s, strings,
 * string lists, phandles. A value of the wrong shape is an FdtError naming
 * the property as dtc does in its messages (`/path:prop`), so callers can
 * report bad input instead of misreading it.
 */
import type { FdtCode } from '../codes.js';
import { FdtError } from '../errors.js';
import type { Node, Property } from './livetree.js';

/** A property, or bare bytes (then `where` names it in errors). */
export type PropertySource = Property | Uint8Array;

/** Where a value comes from: the owning node (or its path), for error locations. */
export type ValueOwner = Node | string | undefined;

function bytesOf(src: PropertySource): Uint8Array {
  return src instanceof Uint8Array ? src : src.value.bytes;
}

/** `/path:prop` (dtc's way of naming a property), or whatever part is known. */
export function propertyPath(src: PropertySource, owner?: ValueOwner): string | undefined {
  const node = typeof owner === 'string' ? owner : owner?.path;
  const name = src instanceof Uint8Array ? undefined : src.name;
  if (node !== undefined && name !== undefined) return `${node}:${name}`;
  return node ?? name;
}

function fail(code: FdtCode, message: string, src: PropertySource, owner: ValueOwner, hint?: string): FdtError {
  const path = propertyPath(src, owner);
  return new FdtError(code, path ? `${path}: ${message}` : message, { path, hint });
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Exactly one u32 cell. */
export function propU32(src: PropertySource, owner?: ValueOwner): number {
  const b = bytesOf(src);
  if (b.length !== 4) throw fail('PROP_BAD_LENGTH', `property is not a single cell (${b.length} bytes)`, src, owner, 'expected <u32>');
  return view(b).getUint32(0);
}

/** A list of u32 cells (any count, including none). */
export function propCells(src: PropertySource, owner?: ValueOwner): number[] {
  const b = bytesOf(src);
  if (b.length % 4 !== 0) throw fail('PROP_BAD_LENGTH', `property is not a list of cells (${b.length} bytes)`, src, owner, 'length must be a multiple of 4');
  const dv = view(b);
  const out = new Array<number>(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(i * 4);
  return out;
}

/** Exactly one u64 (two cells, high first). */
export function propU64(src: PropertySource, owner?: ValueOwner): bigint {
  const b = bytesOf(src);
  if (b.length !== 8) throw fail('PROP_BAD_LENGTH', `property is not a single 64-bit value (${b.length} bytes)`, src, owner, 'expected /bits/ 64 <u64> or <hi lo>');
  return view(b).getBigUint64(0);
}

/** A list of u64 values. */
export function propU64s(src: PropertySource, owner?: ValueOwner): bigint[] {
  const b = bytesOf(src);
  if (b.length % 8 !== 0) throw fail('PROP_BAD_LENGTH', `property is not a list of 64-bit values (${b.length} bytes)`, src, owner, 'length must be a multiple of 8');
  const dv = view(b);
  const out = new Array<bigint>(b.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = dv.getBigUint64(i * 8);
  return out;
}

/** `count` cells from `cells[start]` as one big-endian number (ePAPR multi-cell addresses and sizes). */
export function cellsToBigInt(cells: readonly number[], start: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(cells[start + i]! >>> 0);
  return v;
}

const utf8 = new TextDecoder('utf-8');

/** Exactly one NUL-terminated string without embedded NULs (dtc's data_is_one_string), decoded as UTF-8. */
export function propString(src: PropertySource, owner?: ValueOwner): string {
  const b = bytesOf(src);
  if (b.length === 0 || b[b.length - 1] !== 0) {
    throw fail('PROP_NOT_STRING', 'property is not a string (no terminating NUL)', src, owner, 'expected "text"');
  }
  const nul = b.indexOf(0);
  if (nul !== b.length - 1) throw fail('PROP_NOT_STRING', `property is not a single string (NUL at byte ${nul})`, src, owner, 'use propStringList for "a", "b"');
  return utf8.decode(b.subarray(0, b.length - 1));
}

/** NUL-terminated strings back to back (`"a", "b"`); empty value = empty list. */
export function propStringList(src: PropertySource, owner?: ValueOwner): string[] {
  const b = bytesOf(src);
  if (b.length > 0 && b[b.length - 1] !== 0) {
    throw fail('PROP_NOT_STRING', 'property is not a string list (no terminating NUL)', src, owner, 'expected "a", "b"');
  }
  const out: string[] = [];
  let start = 0;
  while (start < b.length) {
    const end = b.indexOf(0, start);
    out.push(utf8.decode(b.subarray(start, end)));
    start = end + 1;
  }
  return out;
}

/** A phandle: one cell, neither 0 nor 0xffffffff (dtc's invalid values). */
export function propPhandle(src: PropertySource, owner?: ValueOwner): number {
  const v = propU32(src, owner);
  if (v === 0 || v === 0xffffffff) {
    throw fail('PROP_BAD_PHANDLE', `bad phandle value 0x${v.toString(16)}`, src, owner, 'phandles are 1..0xfffffffe');
  }
  return v;
}

/** Whether the node has a live property `name` (boolean properties like `interrupt-controller`). */
export function hasProperty(node: Node, name: string): boolean {
  return node.getProperty(name) !== undefined;
}

/** The named property of a node through a view, or undefined when absent. */
export function readProperty<T>(node: Node, name: string, as: (src: PropertySource, owner?: ValueOwner) => T): T | undefined {
  const p = node.getProperty(name);
  return p === undefined ? undefined : as(p, node);
}
