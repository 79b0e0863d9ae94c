/**
 * The DTS printer's output: bytes written straight into one growing
 * Uint8Array. Building the text as JS strings (a template per line, a join,
 * then a latin1 encode) spent most of the printer's time on string
 * allocation and the collector; here nothing is allocated per line.
 *
 * Writers call `ensure(n)` once for the most bytes they can write, then
 * store into `buf` at `pos` without further bounds checks.
 */
import { byteStringAt } from '../dtb/string-table.js';

export class TextBuffer {
  buf: Uint8Array;
  pos = 0;

  /** `reuse`: a buffer to write into instead of a new one (its old contents are overwritten, never read). */
  constructor(capacity = 1 << 16, reuse?: Uint8Array) {
    this.buf = reuse ?? new Uint8Array(capacity);
  }

  /** Room for n more bytes; doubles on overflow. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2 || 1 << 16;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** `n` tabs (a loop: fill() costs more than the few tabs of a typical line). */
  tabs(n: number): void {
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = 0x09;
    this.pos = p;
  }

  /** One byte per char, its low 8 bits (what a latin1 encode of the text does). */
  latin1(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * A tree name as dtc writes it: one byte per char up to the first NUL
   * (names read from a blob hold one char per byte); a name with chars
   * above 0xff is written as UTF-8 (nameToByteString's convention).
   */
  name(s: string): void {
    this.ensure(s.length);
    const p = putName(this.buf, this.pos, s);
    if (p >= 0) {
      this.pos = p;
      return;
    }
    const nul = s.indexOf('\0');
    this.bytes(new TextEncoder().encode(nul < 0 ? s : s.slice(0, nul)));
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of the bytes written. */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** The bytes written as a byte string (one char per byte), emptying the buffer. */
  takeString(): string {
    const s = byteStringAt(this.buf, 0, this.pos);
    this.pos = 0;
    return s;
  }
}

/**
 * TextBuffer.name's common case for writers that hold `buf` and the position
 * themselves: the name's bytes at `p` (the caller has made room for
 * `s.length`), returning the position after them, or -1 when the name has
 * a char above 0xff (nothing is then to be taken as written; use
 * TextBuffer.name).
 */
export function putName(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    if (c > 0xff) return -1;
    buf[p++] = c;
  }
  return p;
}
