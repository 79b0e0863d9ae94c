/**
 * The DTB strings block as dtc builds it, and the byte-string convention
 * used for names read from and written to blobs.
 *
 * dtc's stringtable_insert scans every byte offset of the table for the new
 * name and returns the first hit, so a name is shared with the earliest
 * entry it is a suffix of (an exact match being the longest suffix), and is
 * appended otherwise. We give the same offsets through a Map of suffixes,
 * which keeps insertion linear in the number of names.
 */

/** Suffixes up to this length are indexed directly; longer ones go through a bucket. */
const SHORT_SUFFIX = 64;

/**
 * Names in the tree are JS strings. Names read from a blob hold one char per
 * byte (lossless for any byte sequence); names from other producers may hold
 * wider chars, which are written as UTF-8. A NUL ends the name, as strlen()
 * does in dtc.
 */
export function nameToByteString(name: string): string {
  const nul = name.indexOf('\0');
  const s = nul < 0 ? name : name.slice(0, nul);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) return bytesToByteString(new TextEncoder().encode(s));
  }
  return s;
}

/** One char per byte. */
export function bytesToByteString(b: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < b.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Inverse of bytesToByteString; `s` must hold chars below 0x100 only. */
export function byteStringToBytes(s: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
}

export class StringTable {
  /** Entries in table order (byte strings, without the NUL). */
  private readonly entries: string[] = [];
  private readonly starts: number[] = [];
  /** Every suffix (≤ SHORT_SUFFIX chars) of every entry → its earliest offset. */
  private readonly shortSuffix = new Map<string, number>();
  /** Last SHORT_SUFFIX chars → indexes of the entries ending with them, in table order. */
  private readonly longTail = new Map<string, number[]>();
  private size = 0;

  /** Total bytes, NULs included. */
  get length(): number {
    return this.size;
  }

  /** Offset of `name` (a byte string), adding it when no entry ends with it. */
  insert(name: string): number {
    const hit = this.find(name);
    if (hit !== undefined) return hit;
    const start = this.size;
    this.add(name, start);
    return start;
  }

  private find(name: string): number | undefined {
    if (name.length <= SHORT_SUFFIX) return this.shortSuffix.get(name);
    const bucket = this.longTail.get(name.slice(-SHORT_SUFFIX));
    if (!bucket) return undefined;
    for (const idx of bucket) {
      const e = this.entries[idx]!;
      if (e.endsWith(name)) return this.starts[idx]! + e.length - name.length;
    }
    return undefined;
  }

  private add(name: string, start: number): void {
    const idx = this.entries.length;
    this.entries.push(name);
    this.starts.push(start);
    this.size += name.length + 1;
    const L = name.length;
    // Longer entries come later, so an earlier entry keeps any suffix it already owns.
    for (let k = 0; k <= Math.min(L, SHORT_SUFFIX); k++) {
      const suf = name.slice(L - k);
      if (!this.shortSuffix.has(suf)) this.shortSuffix.set(suf, start + L - k);
    }
    if (L >= SHORT_SUFFIX) {
      const key = name.slice(-SHORT_SUFFIX);
      const bucket = this.longTail.get(key);
      if (bucket) bucket.push(idx);
      else this.longTail.set(key, [idx]);
    }
  }

  /** The block's bytes. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (let i = 0; i < this.entries.length; i++) byteStringToBytes(this.entries[i]!, out, this.starts[i]!);
    return out;
  }
}
