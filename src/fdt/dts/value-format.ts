/**
 * Property values as dtc 1.6.1 writes them in DTS output: the text after the
 * property name, either `;` or ` = ...;`.
 *
 * Values parsed from source carry type markers (the start of each `<...>`,
 * `"..."`, `[...]`, `/bits/ N <...>` chunk) and are printed chunk by chunk.
 * Values without any type marker (everything read from a DTB, and properties
 * dtc synthesises such as `phandle`) get one type guessed for the whole value.
 * The output reproduces dtc's quirks on purpose, because byte identity with
 * dtc 1.6.1 is the contract:
 * - a string list without markers is guessed as ONE string, so NULs inside it
 *   come out as `\0` (and `"0\01"` re-reads as an octal escape);
 * - bytes >= 0x80 inside a typed string are printed through a sign-extended
 *   `char`, i.e. `\xffffff80`;
 * - a chunk that ends exactly where the next type chunk starts at the same
 *   offset is never closed (`<>, "a"` prints `< "a"`);
 * - separating commas are decided by "does more data follow", not by
 *   "do more chunks follow" (`"a", <>` prints `"a" <>`).
 */
import { type Marker, type PropertyValue, isTypeMarker } from '../tree/data.js';
import { FdtError } from '../errors.js';

import { TextBuffer } from './text-buffer.js';

type ChunkType = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'string';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const OPEN: Record<ChunkType, Uint8Array> = {
  uint8: ascii('['),
  uint16: ascii('/bits/ 16 <'),
  uint32: ascii('<'),
  uint64: ascii('/bits/ 64 <'),
  string: ascii(''),
};

const CLOSE: Record<ChunkType, number> = {
  uint8: 0x5d, // ]
  uint16: 0x3e, // >
  uint32: 0x3e,
  uint64: 0x3e,
  string: -1, // nothing
};

const CELL_SIZE = 4;

const SPACE = 0x20;
const SEMI = 0x3b;
const QUOTE = 0x22;

/** Lower-case hex digit bytes, so cells are written digit by digit without number-to-string conversion. */
const HEX = ascii('0123456789abcdef');

/** Printable in the C locale (dtc never calls setlocale). */
function isPrintable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

/** Bytes that do not disqualify a value from being guessed a string: printable, NUL, \a..\r. */
function isStringByte(b: number): boolean {
  return isPrintable(b) || b === 0 || (b >= 0x07 && b <= 0x0d);
}

function hex2(v: number): string {
  return v < 0x10 ? `0${v.toString(16)}` : v.toString(16);
}

/** Longest text of one byte inside a string: `\xffffff80`. */
const ESC_MAX = 10;

/**
 * How each byte appears inside a double-quoted string: ESC_LEN[b] bytes at
 * ESC_TEXT[b * ESC_MAX]. ESC_LEN is 1 exactly for the bytes written as
 * themselves.
 */
const ESC_LEN = new Uint8Array(256);
const ESC_TEXT = new Uint8Array(256 * ESC_MAX);
/** 1 for the bytes a guessed string may hold (isStringByte), 0 for the rest. */
const STRING_BYTE = new Uint8Array(256);

{
  const named: Record<number, string> = {
    0x00: '\\0',
    0x07: '\\a',
    0x08: '\\b',
    0x09: '\\t',
    0x0a: '\\n',
    0x0b: '\\v',
    0x0c: '\\f',
    0x0d: '\\r',
    0x22: '\\"',
    0x5c: '\\\\',
  };
  for (let b = 0; b < 256; b++) {
    let text = named[b];
    if (text === undefined) {
      if (isPrintable(b)) text = String.fromCharCode(b);
      // dtc passes a signed char to %x, so high bytes are sign-extended to 32 bits.
      else text = b < 0x80 ? `\\x${hex2(b)}` : `\\xffffff${hex2(b)}`;
    }
    ESC_LEN[b] = text.length;
    ESC_TEXT.set(ascii(text), b * ESC_MAX);
    STRING_BYTE[b] = isStringByte(b) ? 1 : 0;
  }
}

/**
 * dtc's guess for a value without type markers: one string (NUL-terminated,
 * only string bytes, at most half NULs, labels only after NULs), else cells
 * (length and every label aligned to 4), else bytes.
 */
export function guessValueType(value: PropertyValue): ChunkType {
  const bytes = value.bytes;
  const len = bytes.length;
  let notString = 0;
  let nuls = 0;
  for (let i = 0; i < len; i++) {
    const b = bytes[i]!;
    if (!isStringByte(b)) notString++;
    if (b === 0) nuls++;
  }
  let labelsInsideString = 0;
  let labelsOffCell = 0;
  for (const m of value.markers) {
    if (m.type !== 'label') continue;
    if (m.offset > 0 && bytes[m.offset - 1] !== 0) labelsInsideString++;
    if (m.offset % CELL_SIZE !== 0) labelsOffCell++;
  }
  if (len > 0 && bytes[len - 1] === 0 && notString === 0 && nuls <= len - nuls && labelsInsideString === 0) {
    return 'string';
  }
  if (len % CELL_SIZE === 0 && labelsOffCell === 0) return 'uint32';
  return 'uint8';
}

/** `v` in hex, at least `min` digits (printf's `%0*x`); `v` below 2^32. Returns the new position. */
function putHex(buf: Uint8Array, p: number, v: number, min: number): number {
  let digits = (35 - Math.clz32(v)) >> 2;
  if (digits < min) digits = min;
  for (let sh = (digits - 1) * 4; sh >= 0; sh -= 4) buf[p++] = HEX[(v >>> sh) & 15]!;
  return p;
}

function writeString(out: TextBuffer, bytes: Uint8Array, start: number, len: number, where: () => string): void {
  if (len === 0) return;
  if (bytes[start + len - 1] !== 0) {
    // dtc 1.6.1 aborts on an assertion here (string chunk followed by /incbin/ data).
    throw new FdtError('DTS_PRINT_UNTERMINATED_STRING', `${where()}: string chunk is not NUL-terminated; dtc 1.6.1 aborts on this value`, {
      path: where(),
      hint: 'mixing /incbin/ with other data in one property cannot be written as DTS by dtc 1.6.1',
    });
  }
  out.ensure(len * ESC_MAX + 2);
  const buf = out.buf;
  let p = out.pos;
  buf[p++] = QUOTE;
  const end = start + len - 1;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    const n = ESC_LEN[b]!;
    if (n === 1) buf[p++] = b;
    else for (let k = b * ESC_MAX, e = k + n; k < e; k++) buf[p++] = ESC_TEXT[k]!;
  }
  buf[p++] = QUOTE;
  out.pos = p;
}

function writeInt(out: TextBuffer, bytes: Uint8Array, start: number, len: number, width: 1 | 2 | 4 | 8, where: () => string): void {
  if (len % width !== 0) {
    throw new FdtError('DTS_PRINT_MISALIGNED', `${where()}: ${len} bytes do not split into ${width}-byte integers; dtc 1.6.1 aborts on this value`, {
      path: where(),
    });
  }
  switch (width) {
    case 1:
      return writeBytes(out, bytes, start, len);
    case 4:
      return writeCells(out, bytes, start, len);
    default:
      return writeWideInts(out, bytes, start, len, width);
  }
}

/** `[...]` contents: two hex digits per byte. */
function writeBytes(out: TextBuffer, bytes: Uint8Array, start: number, len: number): void {
  out.ensure(len * 3);
  out.pos = putBytes(out.buf, out.pos, bytes, start, len);
}

/** writeBytes for callers that hold the position: room for `len * 3` bytes is made; returns the new position. */
function putBytes(buf: Uint8Array, p: number, bytes: Uint8Array, start: number, len: number): number {
  for (let i = start, end = start + len; i < end; i++) {
    if (i !== start) buf[p++] = SPACE;
    const b = bytes[i]!;
    buf[p++] = HEX[b >> 4]!;
    buf[p++] = HEX[b & 15]!;
  }
  return p;
}

/** 32-bit cells (`0x%02x`), the bulk of all output. */
function writeCells(out: TextBuffer, bytes: Uint8Array, start: number, len: number): void {
  // Per cell at most ' 0x' and eight digits.
  out.ensure((len >> 2) * 11);
  out.pos = putCells(out.buf, out.pos, bytes, start, len);
}

/** writeCells for callers that hold the position: room for `len / 4 * 11` bytes is made; returns the new position. */
function putCells(buf: Uint8Array, p: number, bytes: Uint8Array, start: number, len: number): number {
  for (let i = start, end = start + len; i < end; i += 4) {
    if (i !== start) buf[p++] = SPACE;
    const v = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    buf[p++] = 0x30; // 0
    buf[p++] = 0x78; // x
    if (v < 0x100) {
      buf[p++] = HEX[v >> 4]!;
      buf[p++] = HEX[v & 15]!;
    } else {
      p = putHex(buf, p, v, 2);
    }
  }
  return p;
}

function writeWideInts(out: TextBuffer, bytes: Uint8Array, start: number, len: number, width: 2 | 8): void {
  // Per integer at most ' 0x' and sixteen digits.
  out.ensure((len / width) * 19);
  const buf = out.buf;
  let p = out.pos;
  for (let i = start, end = start + len; i < end; i += width) {
    if (i !== start) buf[p++] = SPACE;
    buf[p++] = 0x30;
    buf[p++] = 0x78;
    if (width === 2) {
      p = putHex(buf, p, (bytes[i]! << 8) | bytes[i + 1]!, 2);
    } else {
      const hi = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
      const lo = ((bytes[i + 4]! << 24) | (bytes[i + 5]! << 16) | (bytes[i + 6]! << 8) | bytes[i + 7]!) >>> 0;
      p = hi === 0 ? putHex(buf, p, lo, 2) : putHex(buf, putHex(buf, p, hi, 1), lo, 8);
    }
  }
  out.pos = p;
}

function writeChunk(out: TextBuffer, type: ChunkType, bytes: Uint8Array, start: number, len: number, where: () => string): void {
  switch (type) {
    case 'uint16':
      return writeInt(out, bytes, start, len, 2, where);
    case 'uint32':
      return writeInt(out, bytes, start, len, 4, where);
    case 'uint64':
      return writeInt(out, bytes, start, len, 8, where);
    case 'string':
      return writeString(out, bytes, start, len, where);
    case 'uint8':
      return writeInt(out, bytes, start, len, 1, where);
  }
}

/**
 * The guessed string of a marker-less value, written while its bytes are
 * tested (one pass instead of guessValueType's scan and a second for the
 * text). Writes ` = "...";` at `p` and returns the position after it when
 * the value is a string by dtc's guess; otherwise returns -1 (what was
 * written is garbage past the caller's position). The caller has checked
 * that the last byte is NUL and there are no markers, and made room for
 * `len * 2 + 6` bytes: only string bytes get past the test, and none of
 * them takes more than two bytes of text.
 */
function putGuessedString(buf: Uint8Array, p: number, bytes: Uint8Array, start: number, len: number): number {
  buf[p++] = SPACE;
  buf[p++] = 0x3d; // =
  buf[p++] = SPACE;
  buf[p++] = QUOTE;
  let nuls = 1;
  for (let i = start, end = start + len - 1; i < end; i++) {
    const b = bytes[i]!;
    const n = ESC_LEN[b]!;
    if (n === 1) {
      buf[p++] = b;
      continue;
    }
    if (STRING_BYTE[b] === 0) return -1;
    if (b === 0) nuls++;
    buf[p++] = ESC_TEXT[b * ESC_MAX]!;
    buf[p++] = ESC_TEXT[b * ESC_MAX + 1]!;
  }
  if (nuls > len - nuls) return -1;
  buf[p++] = QUOTE;
  buf[p++] = SEMI;
  return p;
}

/**
 * Writes what dtc 1.6.1 writes after a property's name: `;` for an empty
 * value, otherwise ` = <chunks>;`. `where` names the property in errors
 * (lazy: only called when the value cannot be written).
 */
export function writePropertyValue(out: TextBuffer, value: PropertyValue, where: () => string): void {
  if (value.markers.length === 0) {
    out.ensure(unmarkedValueRoom(value.length));
    out.pos = putUnmarkedValue(out.buf, out.pos, value.source, value.start, value.length);
  } else {
    writeMarkedValue(out, value, where);
  }
}

/** The most bytes putUnmarkedValue writes for a value of `len` bytes (bytes take 3 each, cells 2.75, strings 2). */
export function unmarkedValueRoom(len: number): number {
  return len * 3 + 8;
}

/**
 * A value without markers (everything read from a DTB): one chunk of the
 * guessed type, written at `p` (the caller has made unmarkedValueRoom);
 * returns the position after it. Such a value cannot fail to print, so it
 * needs no `where`.
 */
export function putUnmarkedValue(buf: Uint8Array, p: number, bytes: Uint8Array, start: number, len: number): number {
  if (len === 0) {
    buf[p++] = SEMI;
    return p;
  }
  if (bytes[start + len - 1] === 0) {
    const end = putGuessedString(buf, p, bytes, start, len);
    if (end >= 0) return end;
  }
  const cells = len % CELL_SIZE === 0;
  buf[p++] = SPACE;
  buf[p++] = 0x3d; // =
  buf[p++] = SPACE;
  if (cells) {
    buf[p++] = 0x3c; // <
    p = putCells(buf, p, bytes, start, len);
    buf[p++] = 0x3e; // >
  } else {
    buf[p++] = 0x5b; // [
    p = putBytes(buf, p, bytes, start, len);
    buf[p++] = 0x5d; // ]
  }
  buf[p++] = SEMI;
  return p;
}

/**
 * For each marker index, the offset of the next type marker after it, or -1.
 * Computed backwards once so the walk stays linear in the marker count.
 */
function nextTypeOffsets(markers: readonly Marker[]): number[] {
  const next = new Array<number>(markers.length);
  let following = -1;
  for (let i = markers.length - 1; i >= 0; i--) {
    next[i] = following;
    if (isTypeMarker(markers[i]!)) following = markers[i]!.offset;
  }
  return next;
}

function checkMarkerOffsets(markers: readonly Marker[], len: number, where: () => string): void {
  let prev = 0;
  for (const m of markers) {
    if (!Number.isInteger(m.offset) || m.offset < prev || m.offset > len) {
      throw new FdtError('DTS_PRINT_BAD_MARKERS', `${where()}: value markers are out of order or beyond the value (offset ${m.offset}, length ${len})`, {
        path: where(),
      });
    }
    prev = m.offset;
  }
}

/** A value with markers (parsed from source): chunk by chunk, with dtc's quirks (see the top of the file). */
function writeMarkedValue(out: TextBuffer, value: PropertyValue, where: () => string): void {
  const bytes = value.bytes;
  const len = bytes.length;
  if (len === 0) {
    out.byte(SEMI);
    return;
  }
  let markers: readonly Marker[] = value.markers;
  if (!markers.some(isTypeMarker)) markers = [{ type: guessValueType(value), offset: 0 }, ...markers];
  checkMarkerOffsets(markers, len, where);
  const nextType = nextTypeOffsets(markers);

  out.byte(SPACE);
  out.byte(0x3d); // =
  let emit: ChunkType | undefined;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const chunkEnd = i + 1 < markers.length ? markers[i + 1]!.offset : len;
    const chunkLen = chunkEnd - m.offset;
    const toNextType = nextType[i]! >= 0 ? nextType[i]! - m.offset : 0;
    const dataLen = toNextType !== 0 ? toNextType : len - m.offset;

    if (isTypeMarker(m)) {
      emit = m.type as ChunkType;
      out.byte(SPACE);
      out.bytes(OPEN[emit]);
    } else if (m.type === 'label') {
      out.byte(SPACE);
      out.latin1(m.ref ?? '(null)');
      out.byte(0x3a); // :
    } else if (m.offset !== 0) {
      out.byte(SPACE);
    }

    if (emit === undefined) {
      if (chunkLen !== 0) {
        const what = m.type === 'none' ? '/incbin/ data mixed with typed data' : 'data outside any typed chunk';
        throw new FdtError('DTS_PRINT_UNTYPED_DATA', `${where()}: ${what}; dtc 1.6.1 aborts on this value`, { path: where() });
      }
      continue;
    }

    writeChunk(out, emit, bytes, m.offset, chunkLen, where);
    if (chunkLen === dataLen) {
      if (CLOSE[emit] >= 0) out.byte(CLOSE[emit]);
      if (m.offset + chunkLen !== len) out.byte(0x2c); // ,
      emit = undefined;
    }
  }
  out.byte(SEMI);
}

/**
 * The text dtc 1.6.1 writes after a property's name, as a byte string:
 * `;` for an empty value, otherwise ` = <chunks>;`. `where` names the
 * property in errors (lazy: only called when the value cannot be written).
 */
export function formatPropertyValue(value: PropertyValue, where: () => string = () => 'property'): string {
  const out = new TextBuffer(64);
  writePropertyValue(out, value, where);
  return out.takeString();
}
