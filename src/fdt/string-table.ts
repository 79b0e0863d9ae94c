/**
 * The DTB strings block as dtc builds it, and the byte-string convention
 * used for names read from and written to blobs.
 *
 * dtc's stringtable_insert scans every byte offset of the table for the new
 * name and returns the first hit, so a name is shared with the earliest
 * entry it is a suffix of (an exact match being the longest suffix), and is
 * appended otherwise. We give the same offsets through a Map of short
 * suffixes and a reversed trie for long ones, so each insertion costs the
 * length of the name, not the size of the table.
 */

/** Suffixes up to this length are Map keys; longer ones live in the trie. */
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
  /**
   * Long entries in a trie read from the last char backwards: node ids are
   * indexes into trieOffset (the earliest offset of that suffix), edges live
   * in one Map keyed by id * 0x100 + char (byte strings, so no collisions;
   * small integer keys hash fast). Flat, so memory stays a small multiple of
   * the long names' total length.
   */
  private readonly trieEdges = new Map<number, number>();
  private readonly trieOffset: number[] = [-1];
  private size = 0;

  /** Total bytes, NULs included. */
  get length(): number {
    return this.size;
  }

  /** Offset of `name` (a byte string: every char below 0x100), adding it when no entry ends with it. */
  insert(name: string): number {
    const hit = name.length <= SHORT_SUFFIX ? this.shortSuffix.get(name) : this.findLong(name);
    if (hit !== undefined) return hit;
    const start = this.size;
    this.add(name, start);
    return start;
  }

  private findLong(name: string): number | undefined {
    let node = 0;
    for (let i = name.length - 1; i >= 0; i--) {
      const next = this.trieEdges.get(node * 0x100 + name.charCodeAt(i));
      if (next === undefined) return undefined;
      node = next;
    }
    return this.trieOffset[node];
  }

  private add(name: string, start: number): void {
    this.entries.push(name);
    this.starts.push(start);
    this.size += name.length + 1;
    const L = name.length;
    // Entries are added in table order, so a suffix already present keeps its earlier offset.
    for (let k = 0; k <= Math.min(L, SHORT_SUFFIX); k++) {
      const suf = name.slice(L - k);
      if (!this.shortSuffix.has(suf)) this.shortSuffix.set(suf, start + L - k);
    }
    if (L > SHORT_SUFFIX) this.addLong(name, start);
  }

  private addLong(name: string, start: number): void {
    let node = 0;
    const L = name.length;
    for (let depth = 1; depth <= L; depth++) {
      const key = node * 0x100 + name.charCodeAt(L - depth);
      let next = this.trieEdges.get(key);
      if (next === undefined) {
        next = this.trieOffset.length;
        this.trieOffset.push(start + L - depth);
        this.trieEdges.set(key, next);
      }
      node = next;
    }
  }

  /** The block's bytes. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (let i = 0; i < this.entries.length; i++) byteStringToBytes(this.entries[i]!, out, this.starts[i]!);
    return out;
  }
}
