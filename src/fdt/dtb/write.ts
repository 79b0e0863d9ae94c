/**
 * Live tree → DTB, byte-identical to dtc's dt_to_blob: header, memory
 * reservation block, structure block, strings block, then the padding asked
 * for with -S / -p / -a. The structure walk is iterative and the strings
 * table is Map-based, so the writer is linear in the size of the tree.
 */
import { FdtError } from '../errors.js';
import {
  DEFAULT_BLOB_VERSION,
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  RESERVE_ENTRY_SIZE,
  type BlobVersion,
  findBlobVersion,
  joinNodePath,
} from './format.js';
import type { DeviceTree, Node, ReserveEntry } from '../tree/livetree.js';
import { PropertyValue } from '../tree/data.js';
import { StringTable, byteStringToBytes, nameToByteString } from './string-table.js';

export interface DtbWriteOptions {
  /** Blob version (dtc -V): 1, 2, 3, 16 or 17; default 17. */
  version?: number;
  /** Extra empty reservation entries (dtc -R). */
  reserveExtra?: number;
  /** Minimum total size (dtc -S). */
  minSize?: number;
  /** Padding bytes (dtc -p); overrides minSize. */
  padSize?: number;
  /** Round the total size up to a multiple of this power of two (dtc -a), after -S/-p. */
  align?: number;
  onWarning?: (msg: string) => void;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** A growable big-endian byte buffer. */
class ByteSink {
  buf: Uint8Array;
  len = 0;

  /** `buf` must be all zeroes (see align). */
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  cell(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const n = this.len;
    b[n] = (v >>> 24) & 0xff;
    b[n + 1] = (v >>> 16) & 0xff;
    b[n + 2] = (v >>> 8) & 0xff;
    b[n + 3] = v & 0xff;
    this.len += 4;
  }

  /**
   * FDT_PROP, the value's length, the name's offset, then the value and its
   * padding (to 8 first when `align8` and the value is 8 bytes or more):
   * one capacity check for the lot, as this runs once per property.
   */
  property(nameOffset: number, v: PropertyValue, align8: boolean): void {
    const n = v.length;
    this.ensure(12 + 4 + n + 3);
    const b = this.buf;
    let at = this.len;
    putU32(b, at, FDT_PROP);
    putU32(b, at + 4, n);
    putU32(b, at + 8, nameOffset);
    at += 12;
    if (align8 && n >= 8) at += -at & 7;
    v.copyInto(b, at);
    at += n;
    this.len = at + (-at & 3);
  }

  /** A byte string followed by its NUL. */
  cstring(s: string): void {
    this.ensure(s.length + 1);
    byteStringToBytes(s, this.buf, this.len);
    this.buf[this.len + s.length] = 0;
    this.len += s.length + 1;
  }

  /**
   * nameToByteString(raw) and its NUL, converted as it is copied: names
   * are nearly always plain byte strings already, and this is one per node.
   */
  name(raw: string): void {
    const n = raw.length;
    this.ensure(n + 1);
    const b = this.buf;
    const at = this.len;
    let i = 0;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c === 0) break;
      if (c > 0xff) return this.cstring(nameToByteString(raw));
      b[at + i] = c;
    }
    b[at + i] = 0;
    this.len = at + i + 1;
  }

  /**
   * Pad with zeroes up to a multiple of `a` (a power of two). Nothing is ever
   * written past `len` and growth copies into a zeroed buffer, so the padding
   * bytes are already zero: no fill, and a bit mask instead of a division.
   */
  align(a: number): void {
    const pad = -this.len & (a - 1);
    if (pad === 0) return;
    this.ensure(pad);
    this.len += pad;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** What flattening needs per node: the node and, for legacy blobs, its full path. */
interface Pending {
  node: Node;
  fullPath: string;
  /** true once the node's properties are out and its END_NODE is due. */
  closing: boolean;
}

/** `name` as the tree holds it: the string table converts it (see nameToByteString). */
function emitProperty(sink: ByteSink, strings: StringTable, vi: BlobVersion, name: string, value: PropertyValue): void {
  sink.property(strings.insertName(name), value, vi.varAlign);
}

/** dtc's flatten_tree, with an explicit stack. */
function flattenTree(root: Node, vi: BlobVersion, sink: ByteSink, strings: StringTable): void {
  if (root.deleted) return;
  const stack: Pending[] = [{ node: root, fullPath: '/', closing: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.closing) {
      sink.cell(FDT_END_NODE);
      stack.pop();
      continue;
    }
    top.closing = true;
    const node = top.node;
    sink.cell(FDT_BEGIN_NODE);
    if (vi.fullPath) sink.cstring(top.fullPath);
    else sink.name(node.name);
    sink.align(4);
    let seenNameProp = false;
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      if (vi.nameProps && nameToByteString(prop.name) === 'name') seenNameProp = true;
      emitProperty(sink, strings, vi, prop.name, prop.value);
    }
    if (vi.nameProps && !seenNameProp) emitNameProperty(sink, strings, vi, node);
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      const c = kids[i]!;
      if (c.deleted) continue;
      stack.push({ node: c, fullPath: vi.fullPath ? joinNodePath(top.fullPath, nameToByteString(c.name)) : '', closing: false });
    }
  }
}

/** Legacy blobs carry `name` = the node name without its unit address, NUL-terminated. */
function emitNameProperty(sink: ByteSink, strings: StringTable, vi: BlobVersion, node: Node): void {
  const full = nameToByteString(node.name);
  const at = full.indexOf('@');
  const base = at < 0 ? full : full.slice(0, at);
  const value = new Uint8Array(base.length + 1);
  byteStringToBytes(base, value, 0);
  emitProperty(sink, strings, vi, 'name', new PropertyValue(value));
}

function reserveBlock(list: readonly ReserveEntry[], extra: number): Uint8Array {
  const out = new Uint8Array((list.length + extra + 1) * RESERVE_ENTRY_SIZE);
  const view = new DataView(out.buffer);
  list.forEach((re, i) => {
    view.setBigUint64(i * RESERVE_ENTRY_SIZE, BigInt.asUintN(64, re.address));
    view.setBigUint64(i * RESERVE_ENTRY_SIZE + 8, BigInt.asUintN(64, re.size));
  });
  return out;
}

/** A size option: dtc ignores zero and negative values; anything not an integer is refused. */
function sizeOption(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v)) {
    throw new FdtError('DTB_BAD_OPTION', `Invalid ${name} ${v}`, { hint: `${name} must be an integer` });
  }
  return Math.max(0, v);
}

/** dt_to_blob's padding rule: -S gives a minimum, -p overrides it, -a rounds up what results. */
function paddingLength(totalsize: number, opts: DtbWriteOptions, warn: (m: string) => void): number {
  const minSize = sizeOption('minimum size', opts.minSize);
  const padSize = sizeOption('pad size', opts.padSize);
  const align = opts.align ?? 0;
  let padlen = 0;
  if (minSize > 0) {
    padlen = minSize - totalsize;
    if (padlen < 0) {
      padlen = 0;
      warn(`Warning: blob size ${totalsize} >= minimum size ${minSize}`);
    }
  }
  if (padSize > 0) padlen = padSize;
  if (align !== 0 && (!Number.isSafeInteger(align) || align < 0 || align > 0x80000000 || (align & (align - 1)) !== 0)) {
    throw new FdtError('DTB_BAD_OPTION', `Invalid argument "${align}" to -a option`, { hint: 'the alignment must be a power of two' });
  }
  if (align > 0) {
    padlen = Math.ceil((totalsize + padlen) / align) * align - totalsize;
  }
  return padlen;
}

/** totalsize is a u32. */
const MAX_BLOB = 0xffffffff;

function tooLarge(size: number): FdtError {
  return new FdtError('DTB_TOO_LARGE', `Blob size ${size} does not fit the 32-bit totalsize field`, { hint: 'reduce -R, -S, -p or -a' });
}

/** The output buffer; an allocation the engine refuses is reported, not thrown as a RangeError. */
function allocate(size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new FdtError('DTB_TOO_LARGE', `Cannot allocate a blob of ${size} bytes`, { hint: 'reduce -R, -S, -p or -a' });
  }
}

/**
 * The last call's structure buffer, zeroed: growing a fresh one by doubling
 * for every blob cost a tenth of writeDtb. Kept only up to SPARE_MAX bytes.
 */
let spareStruct: Uint8Array | undefined;
const SPARE_MAX = 1 << 20;

/** Serialise a tree as dtc does. Throws FdtError for an unknown version or bad padding options. */
export function writeDtb(tree: DeviceTree, opts: DtbWriteOptions = {}): Uint8Array {
  const version = opts.version ?? DEFAULT_BLOB_VERSION;
  const vi = findBlobVersion(version);
  if (!vi) {
    throw new FdtError('DTB_BAD_VERSION', `Unknown device tree blob version ${version}`, { hint: 'use 1, 2, 3, 16 or 17' });
  }
  const warn = opts.onWarning ?? (() => {});
  const struct = new ByteSink(spareStruct ?? new Uint8Array(4096));
  spareStruct = undefined;
  const strings = new StringTable();
  flattenTree(tree.root, vi, struct, strings);
  struct.cell(FDT_END);
  const dt = struct.result();
  const str = strings.toBytes();
  const extra = sizeOption('reserve count', opts.reserveExtra);
  if ((tree.reservations.length + extra + 1) * RESERVE_ENTRY_SIZE > MAX_BLOB) throw tooLarge((tree.reservations.length + extra + 1) * RESERVE_ENTRY_SIZE);
  const rsv = reserveBlock(tree.reservations, extra);

  const offRsvmap = Math.ceil(vi.headerSize / 8) * 8;
  const offStruct = offRsvmap + rsv.length;
  const offStrings = offStruct + dt.length;
  const used = offStrings + str.length;
  const padlen = paddingLength(used, opts, warn);
  const totalsize = used + padlen;
  if (totalsize > MAX_BLOB) throw tooLarge(totalsize);
  const out = allocate(totalsize);
  const view = new DataView(out.buffer);
  // dtc fills the header with 0xff before setting the fields a version has.
  out.fill(0xff, 0, vi.headerSize);
  view.setUint32(0, FDT_MAGIC);
  view.setUint32(4, totalsize);
  view.setUint32(8, offStruct);
  view.setUint32(12, offStrings);
  view.setUint32(16, offRsvmap);
  view.setUint32(20, vi.version);
  view.setUint32(24, vi.lastCompVersion);
  if (vi.bootCpuid) view.setUint32(28, tree.bootCpuidPhys >>> 0);
  if (vi.strtabSize) view.setUint32(32, str.length);
  if (vi.structSize) view.setUint32(36, dt.length);
  out.fill(0, vi.headerSize, offRsvmap);
  out.set(rsv, offRsvmap);
  out.set(dt, offStruct);
  out.set(str, offStrings);
  // Hand the zeroed structure buffer to the next call, unless it is unusually big.
  if (struct.buf.length <= SPARE_MAX) spareStruct = struct.buf.fill(0, 0, struct.len);
  return out;
}
