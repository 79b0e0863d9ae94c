/**
 * Property values: raw bytes plus dtc's markers. Markers remember what the
 * source said at a byte offset (a label, a reference to resolve, the start of
 * a typed chunk) so that reference fixups, overlays and the DTS printer can
 * work on the bytes without re-parsing.
 */

export type MarkerType =
  | 'ref-phandle' // <&label>: 4 bytes at offset to be filled with a phandle
  | 'ref-path' // &label outside <>: the full path (with NUL) is inserted at offset
  | 'label' // value label `x: <...>` at offset
  | 'none' // start of /incbin/ data: bytes of unknown type (dtc's TYPE_NONE)
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'string';

export interface Marker {
  type: MarkerType;
  offset: number;
  /** Label name for 'label'; reference text (`label` or `/path`) for refs. */
  ref?: string;
}

const TYPE_MARKERS: ReadonlySet<MarkerType> = new Set(['uint8', 'uint16', 'uint32', 'uint64', 'string']);

export function isTypeMarker(m: Marker): boolean {
  return TYPE_MARKERS.has(m.type);
}

/** Big-endian `cell` into `b` at `o`. */
function putCell(b: Uint8Array, o: number, cell: number): void {
  b[o] = cell >>> 24;
  b[o + 1] = cell >>> 16;
  b[o + 2] = cell >>> 8;
  b[o + 3] = cell;
}

/**
 * Shared by the values that have no markers or no bytes (every value read
 * from a blob, every empty one): a zero-length array holds nothing to write
 * and the list is frozen, so sharing them lets no value's edit reach another.
 */
const NO_MARKERS = Object.freeze([]) as unknown as Marker[];
const EMPTY_BYTES = new Uint8Array(0);

/** A property value. `bytes` is owned by the value; treat it as immutable once built. */
export class PropertyValue {
  /**
   * The bytes, or, while `at` >= 0, the blob they lie in (at `at`, `size`
   * long): readDtb makes one value per property, and a typed-array view is
   * among V8's dearest small objects, so it is only made when `bytes` is
   * first read; writeDtb copies from the blob without ever making it.
   */
  private b: Uint8Array;
  private at: number;
  private size: number;
  markers: Marker[];

  constructor(bytes: Uint8Array = new Uint8Array(0), markers: Marker[] = []) {
    this.b = bytes;
    this.at = -1;
    this.size = 0;
    this.markers = markers;
  }

  /**
   * `size` bytes of `blob` from `at`, viewed only when read (a blob's values
   * have no markers unless given). Nothing else may write those bytes
   * afterwards; the value itself may (setCell).
   */
  static inBlob(blob: Uint8Array, at: number, size: number, markers: Marker[] = NO_MARKERS): PropertyValue {
    const v = new PropertyValue(blob, markers);
    v.at = at;
    v.size = size;
    return v;
  }

  get bytes(): Uint8Array {
    if (this.at < 0) return this.b;
    this.b = this.b.subarray(this.at, this.at + this.size);
    this.at = -1;
    return this.b;
  }

  set bytes(b: Uint8Array) {
    this.b = b;
    this.at = -1;
  }

  get length(): number {
    return this.at < 0 ? this.b.length : this.size;
  }

  /**
   * The array the bytes lie in, read-only: they are `source[start, start +
   * length)`. For readers that would otherwise make a view per value (the
   * printer); `bytes` is the view.
   */
  get source(): Uint8Array {
    return this.b;
  }

  /** Where the bytes start in `source`. */
  get start(): number {
    return this.at < 0 ? 0 : this.at;
  }

  /** The byte at `i` (0 <= i < length), without making a view of a blob-backed value. */
  byteAt(i: number): number {
    return this.at < 0 ? this.b[i]! : this.b[this.at + i]!;
  }

  /** Copy the bytes into `out` at `pos`, without making a view of a blob-backed value. */
  copyInto(out: Uint8Array, pos: number): void {
    if (this.at < 0) {
      out.set(this.b, pos);
      return;
    }
    const src = this.b;
    const n = this.size;
    // Most values are a few cells: a loop beats making a view to hand to set().
    if (n <= 64) {
      for (let i = 0, j = this.at; i < n; i++, j++) out[pos + i] = src[j]!;
    } else {
      out.set(src.subarray(this.at, this.at + n), pos);
    }
  }

  static fromString(s: string): PropertyValue {
    const enc = new TextEncoder().encode(s);
    const b = new Uint8Array(enc.length + 1);
    b.set(enc);
    return new PropertyValue(b, [{ type: 'string', offset: 0 }]);
  }

  /** No bytes, no markers (`name;`, or a blob's empty property); its list and bytes are shared and frozen in effect. */
  static empty(): PropertyValue {
    return new PropertyValue(EMPTY_BYTES, NO_MARKERS);
  }

  static fromCells(cells: readonly number[]): PropertyValue {
    const b = new Uint8Array(cells.length * 4);
    // Shifts, not a DataView: a DataView is a second object per value.
    for (let i = 0; i < cells.length; i++) putCell(b, i * 4, cells[i]!);
    return new PropertyValue(b, [{ type: 'uint32', offset: 0 }]);
  }

  clone(): PropertyValue {
    return new PropertyValue(this.copyBytes(), this.markers.map((m) => ({ ...m })));
  }

  /** dtc's data_merge: this value followed by `other`, markers shifted. */
  concat(other: PropertyValue): PropertyValue {
    const b = new Uint8Array(this.bytes.length + other.bytes.length);
    b.set(this.bytes);
    b.set(other.bytes, this.bytes.length);
    const shift = this.bytes.length;
    return new PropertyValue(b, [...this.markers.map((m) => ({ ...m })), ...other.markers.map((m) => ({ ...m, offset: m.offset + shift }))]);
  }

  /**
   * dtc's data_insert_at_marker: insert bytes at `offset`, moving every
   * marker that lies strictly after `marker` (in list order) by the length.
   */
  insertAt(marker: Marker, insert: Uint8Array): void {
    const off = marker.offset;
    const b = new Uint8Array(this.bytes.length + insert.length);
    b.set(this.bytes.subarray(0, off));
    b.set(insert, off);
    b.set(this.bytes.subarray(off), off + insert.length);
    this.bytes = b;
    const idx = this.markers.indexOf(marker);
    for (let i = idx + 1; i < this.markers.length; i++) {
      const m = this.markers[i]!;
      m.offset += insert.length;
    }
  }

  /** Whether the value is exactly one NUL-terminated string (dtc's data_is_one_string). */
  isOneString(): boolean {
    const len = this.length;
    if (len === 0) return false;
    return this.indexOf(0, 0) === len - 1;
  }

  /** Where the first `byte` at or after `from` lies, or -1; without making a view of a blob-backed value. */
  indexOf(byte: number, from: number): number {
    if (this.at < 0) return this.b.indexOf(byte, from);
    const b = this.b;
    const base = this.at;
    for (let i = base + from, end = base + this.size; i < end; i++) if (b[i] === byte) return i - base;
    return -1;
  }

  /** Big-endian cell `index`, bytes outside the value reading as 0 (dtc's fdt32 reads, bounds made safe); without making a view. */
  cellAt(index: number): number {
    const off = index * 4;
    const len = this.length;
    if (index < 0 || off + 4 > len) {
      let v = 0;
      for (let i = 0; i < 4; i++) v = v * 256 + (off + i >= 0 && off + i < len ? this.byteAt(off + i) : 0);
      return v >>> 0;
    }
    return ((this.byteAt(off) << 24) | (this.byteAt(off + 1) << 16) | (this.byteAt(off + 2) << 8) | this.byteAt(off + 3)) >>> 0;
  }

  /**
   * Write big-endian `cell` at `offset` (which must lie inside). A
   * blob-backed value owns its bytes in the blob (nothing else views them
   * until `bytes` is read) and is patched there; other bytes may be shared
   * with another value, so they are copied first, and the copy is then held
   * the same way, so later cells go in place.
   */
  setCell(offset: number, cell: number): void {
    if (this.at < 0) {
      const copy = this.copyBytes();
      this.b = copy;
      this.at = 0;
      this.size = copy.length;
    }
    putCell(this.b, this.at + offset, cell);
  }

  /** A copy of the bytes the caller may write, made from a blob-backed value without a view first. */
  copyBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    this.copyInto(out, 0);
    return out;
  }
}

/** Growable byte buffer with markers, used while building values. */
export class ValueBuilder {
  private buf: Uint8Array;
  private len = 0;
  markers: Marker[] = [];

  constructor(capacity = 16) {
    this.buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  appendBytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  appendByte(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  /** Big-endian integer of `bits` (8/16/32/64) bits. */
  appendInteger(v: bigint, bits: 8 | 16 | 32 | 64): this {
    const n = bits / 8;
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.len + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.len += n;
    return this;
  }

  appendCell(v: number): this {
    this.ensure(4);
    this.buf[this.len] = (v >>> 24) & 0xff;
    this.buf[this.len + 1] = (v >>> 16) & 0xff;
    this.buf[this.len + 2] = (v >>> 8) & 0xff;
    this.buf[this.len + 3] = v & 0xff;
    this.len += 4;
    return this;
  }

  appendZeroes(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  addMarker(type: MarkerType, ref?: string): this {
    const m: Marker = ref === undefined ? { type, offset: this.len } : { type, offset: this.len, ref };
    // Most values get one or two markers: a literal list of that size, where a push onto an empty list reserves 17 slots.
    const list = this.markers;
    if (list.length === 0) this.markers = [m];
    else if (list.length === 1) this.markers = [list[0]!, m];
    else list.push(m);
    return this;
  }

  /** A `string` marker, then the chars text[from, to) (latin1, one byte each) and a NUL: a DTS string without escapes. */
  appendString(text: string, from: number, to: number): this {
    this.addMarker('string');
    this.ensure(to - from + 1);
    const buf = this.buf;
    let len = this.len;
    for (let i = from; i < to; i++) buf[len++] = text.charCodeAt(i);
    buf[len++] = 0;
    this.len = len;
    return this;
  }

  appendValue(v: PropertyValue): this {
    const shift = this.len;
    this.appendBytes(v.bytes);
    for (const m of v.markers) this.markers.push({ ...m, offset: m.offset + shift });
    return this;
  }

  build(): PropertyValue {
    return new PropertyValue(this.buf.slice(0, this.len), this.markers.slice());
  }

  /** Empty the builder but keep its buffer: one builder can then serve many values without regrowing. */
  reset(): this {
    this.len = 0;
    if (this.markers.length > 0) this.markers = []; // cheaper than truncating (length = 0 is a runtime call)
    return this;
  }

  /** The bytes so far, copied: short values (most cells and names) by a loop, which costs less than slice() on a few bytes. */
  private copyOut(): Uint8Array {
    const n = this.len;
    const out = new Uint8Array(n);
    const buf = this.buf;
    if (n <= 32) for (let i = 0; i < n; i++) out[i] = buf[i]!;
    else out.set(buf.subarray(0, n));
    return out;
  }

  /**
   * build() then reset(), handing the marker list to the value instead of
   * copying it. With an arena the bytes go into its shared chunk, and a value
   * whose only marker is a type at offset 0 (most cells and strings) gets the
   * arena's frozen list for it: per property that saves a typed array, its
   * buffer, a list and a marker.
   */
  take(arena?: ValueArena): PropertyValue {
    const n = this.len;
    let markers = this.markers;
    let value: PropertyValue;
    if (arena) {
      if (markers.length === 1 && markers[0]!.offset === 0 && markers[0]!.ref === undefined) markers = typeMarkerList(markers[0]!.type);
      value = arena.place(this.buf, n, markers);
    } else {
      value = new PropertyValue(this.copyOut(), markers);
    }
    this.len = 0;
    this.markers = [];
    return value;
  }
}

/** One frozen `[{ type, offset: 0 }]` per marker type: lists no code may change, shared by every value they describe. */
const TYPE_MARKER_LISTS = new Map<MarkerType, Marker[]>();

function typeMarkerList(type: MarkerType): Marker[] {
  let list = TYPE_MARKER_LISTS.get(type);
  if (!list) {
    list = Object.freeze([Object.freeze({ type, offset: 0 })]) as unknown as Marker[];
    TYPE_MARKER_LISTS.set(type, list);
  }
  return list;
}

/** Chunks of the arena start at this size and double up to the largest; a value longer than a quarter of the largest gets its own buffer. */
const ARENA_FIRST_CHUNK = 4096;
const ARENA_LARGEST_CHUNK = 256 * 1024;

/**
 * Bytes of many values packed into shared chunks, for one parse: a typed
 * array and its buffer per property were a third of a compiled tree's heap.
 * Values see their bytes through PropertyValue.inBlob, so a view is made only
 * when a caller reads `bytes`; writes through that view stay inside the
 * value's own bytes, and the arena only ever writes past what it handed out.
 */
export class ValueArena {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private nextSize = ARENA_FIRST_CHUNK;

  /** A value of the first `n` bytes of `src` (copied) with `markers`. */
  place(src: Uint8Array, n: number, markers: Marker[]): PropertyValue {
    if (n === 0) return new PropertyValue(EMPTY_BYTES, markers);
    if (n > ARENA_LARGEST_CHUNK / 4) return new PropertyValue(src.slice(0, n), markers);
    if (this.pos + n > this.chunk.length) {
      this.chunk = new Uint8Array(this.nextSize);
      this.pos = 0;
      if (this.nextSize < ARENA_LARGEST_CHUNK) this.nextSize *= 2;
    }
    const chunk = this.chunk;
    const at = this.pos;
    if (n <= 32) for (let i = 0; i < n; i++) chunk[at + i] = src[i]!;
    else chunk.set(src.subarray(0, n), at);
    this.pos = at + n;
    return PropertyValue.inBlob(chunk, at, n, markers);
  }

  /** A one-cell value (`<cell>`), as PropertyValue.fromCells([cell]) makes, in the arena. */
  cell(cell: number): PropertyValue {
    putCell(CELL_SCRATCH, 0, cell);
    return this.place(CELL_SCRATCH, 4, typeMarkerList('uint32'));
  }
}

const CELL_SCRATCH = new Uint8Array(4);
