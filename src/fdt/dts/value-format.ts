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

type ChunkType = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'string';

const OPEN: Record<ChunkType, string> = {
  uint8: '[',
  uint16: '/bits/ 16 <',
  uint32: '<',
  uint64: '/bits/ 64 <',
  string: '',
};

const CLOSE: Record<ChunkType, string> = {
  uint8: ']',
  uint16: '>',
  uint32: '>',
  uint64: '>',
  string: '',
};

const CELL_SIZE = 4;

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

/** `hex2` of every byte value, so byte arrays and small cells need no number formatting. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, b) => hex2(b));
/** `0x..` text of cells below 0x100 (most cells are small: indexes, flags, phandles). */
const HEX_CELL_SMALL: readonly string[] = HEX2.map((h) => `0x${h}`);

/** How each byte appears inside a double-quoted string, indexed by byte value. */
const STRING_BYTE_TEXT: readonly string[] = buildStringByteText();

function buildStringByteText(): string[] {
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
  const table: string[] = [];
  for (let b = 0; b < 256; b++) {
    const name = named[b];
    if (name !== undefined) table.push(name);
    else if (isPrintable(b)) table.push(String.fromCharCode(b));
    // dtc passes a signed char to %x, so high bytes are sign-extended to 32 bits.
    else table.push(b < 0x80 ? `\\x${hex2(b)}` : `\\xffffff${hex2(b)}`);
  }
  return table;
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

function formatString(bytes: Uint8Array, start: number, len: number, where: () => string): string {
  if (len === 0) return '';
  if (bytes[start + len - 1] !== 0) {
    // dtc 1.6.1 aborts on an assertion here (string chunk followed by /incbin/ data).
    throw new FdtError('DTS_PRINT_UNTERMINATED_STRING', `${where()}: string chunk is not NUL-terminated; dtc 1.6.1 aborts on this value`, {
      path: where(),
      hint: 'mixing /incbin/ with other data in one property cannot be written as DTS by dtc 1.6.1',
    });
  }
  let s = '"';
  const end = start + len - 1;
  for (let i = start; i < end; i++) s += STRING_BYTE_TEXT[bytes[i]!];
  return `${s}"`;
}

function formatInt(bytes: Uint8Array, start: number, len: number, width: 1 | 2 | 4 | 8, where: () => string): string {
  if (len % width !== 0) {
    throw new FdtError('DTS_PRINT_MISALIGNED', `${where()}: ${len} bytes do not split into ${width}-byte integers; dtc 1.6.1 aborts on this value`, {
      path: where(),
    });
  }
  switch (width) {
    case 1:
      return formatBytes(bytes, start, len);
    case 4:
      return formatCells(bytes, start, len);
    default:
      return formatWideInts(bytes, start, len, width);
  }
}

/** `[...]` contents: two hex digits per byte. */
function formatBytes(bytes: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let p = start; p < start + len; p++) {
    if (p !== start) s += ' ';
    s += HEX2[bytes[p]!];
  }
  return s;
}

/** 32-bit cells, the bulk of all output: read directly, without a DataView per value. */
function formatCells(bytes: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let p = start; p < start + len; p += 4) {
    if (p !== start) s += ' ';
    const v = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
    s += v < 0x100 ? HEX_CELL_SMALL[v] : `0x${v.toString(16)}`;
  }
  return s;
}

function formatWideInts(bytes: Uint8Array, start: number, len: number, width: 2 | 8): string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let s = '';
  for (let p = start; p < start + len; p += width) {
    if (p !== start) s += ' ';
    if (width === 2) {
      s += `0x${hex2(dv.getUint16(p))}`;
    } else {
      const hi = dv.getUint32(p);
      const lo = dv.getUint32(p + 4);
      s += hi === 0 ? `0x${hex2(lo)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
    }
  }
  return s;
}

function formatChunk(type: ChunkType, bytes: Uint8Array, start: number, len: number, where: () => string): string {
  switch (type) {
    case 'uint16':
      return formatInt(bytes, start, len, 2, where);
    case 'uint32':
      return formatInt(bytes, start, len, 4, where);
    case 'uint64':
      return formatInt(bytes, start, len, 8, where);
    case 'string':
      return formatString(bytes, start, len, where);
    case 'uint8':
      return formatInt(bytes, start, len, 1, where);
  }
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

/**
 * The text dtc 1.6.1 writes after a property's name: `;` for an empty value,
 * otherwise ` = <chunks>;`. `where` names the property in errors (lazy: only
 * called when the value cannot be written).
 */
export function formatPropertyValue(value: PropertyValue, where: () => string = () => 'property'): string {
  const bytes = value.bytes;
  const len = bytes.length;
  if (len === 0) return ';';

  // The common DTB case: one guessed chunk covering the whole value.
  if (value.markers.length === 0) {
    const type = guessValueType(value);
    return ` = ${OPEN[type]}${formatChunk(type, bytes, 0, len, where)}${CLOSE[type]};`;
  }

  let markers: readonly Marker[] = value.markers;
  if (!markers.some(isTypeMarker)) markers = [{ type: guessValueType(value), offset: 0 }, ...markers];
  checkMarkerOffsets(markers, len, where);
  const nextType = nextTypeOffsets(markers);

  let out = ' =';
  let emit: ChunkType | undefined;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const chunkEnd = i + 1 < markers.length ? markers[i + 1]!.offset : len;
    const chunkLen = chunkEnd - m.offset;
    const toNextType = nextType[i]! >= 0 ? nextType[i]! - m.offset : 0;
    const dataLen = toNextType !== 0 ? toNextType : len - m.offset;

    if (isTypeMarker(m)) {
      emit = m.type as ChunkType;
      out += ` ${OPEN[emit]}`;
    } else if (m.type === 'label') {
      out += ` ${m.ref ?? '(null)'}:`;
    } else if (m.offset !== 0) {
      out += ' ';
    }

    if (emit === undefined) {
      if (chunkLen !== 0) {
        const what = m.type === 'none' ? '/incbin/ data mixed with typed data' : 'data outside any typed chunk';
        throw new FdtError('DTS_PRINT_UNTYPED_DATA', `${where()}: ${what}; dtc 1.6.1 aborts on this value`, { path: where() });
      }
      continue;
    }

    out += formatChunk(emit, bytes, m.offset, chunkLen, where);
    if (chunkLen === dataLen) {
      out += CLOSE[emit] + (m.offset + chunkLen === len ? '' : ',');
      emit = undefined;
    }
  }
  return `${out};`;
}
