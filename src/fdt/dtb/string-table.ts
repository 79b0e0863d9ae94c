/**
 * The DTB strings block as dtc builds it, and the byte-string convention
 * used for names read from and written to blobs.
 *
 * dtc's stringtable_insert scans every byte offset of the table for the new
 * name and returns the first hit, so a name is shared with the earliest
 * entry it is a suffix of (an exact match being the longest suffix), and is
 * appended otherwise. We give the same offsets through a Map of the entries
 * and a reversed trie of all their suffixes, so each insertion costs the
 * length of the name, not the size of the table.
 */

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

/**
 * Node's native latin1 decoder, where there is one: about twice as fast as
 * String.fromCharCode for the short names a blob is full of (readDtb's
 * largest single cost after the struct walk). TextDecoder has no true latin1
 * (its "latin1" is windows-1252), hence the plain-JS fallback elsewhere.
 */
const nativeLatin1 = (globalThis as { Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer
  ?.prototype.latin1Slice;

/** `b[start, end)` as a byte string, one char per byte. */
export function byteStringAt(b: Uint8Array, start: number, end: number): string {
  if (nativeLatin1) return nativeLatin1.call(b, start, end);
  return bytesToByteString(b.subarray(start, end));
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
  /**
   * Each entry → its offset. An entry is only appended when no earlier entry
   * ends with it, so its own offset is the earliest: exact hits (most
   * lookups) need no suffix search.
   */
  private readonly exact = new Map<string, number>();
  /**
   * Every entry in a trie read from the last char backwards, for names that
   * are a proper suffix of an entry: node ids are indexes into trieOffset
   * (the earliest offset of that suffix), edges live in one Map keyed by
   * id * 0x100 + char (byte strings, so no collisions; small integer keys
   * hash fast, unlike a Map of every suffix string, which had to create and
   * hash a string per suffix). Flat, so memory stays a small multiple of the
   * names' total length.
   */
  private readonly trieEdges = new Map<number, number>();
  private readonly trieOffset: number[] = [-1]; // root: the empty suffix
  private size = 0;

  /** Total bytes, NULs included. */
  get length(): number {
    return this.size;
  }

  /** Offset of `name` (a byte string: every char below 0x100), adding it when no entry ends with it. */
  insert(name: string): number {
    const hit = this.exact.get(name) ?? this.findSuffix(name);
    if (hit !== undefined) return hit;
    const start = this.size;
    this.add(name, start);
    return start;
  }

  private findSuffix(name: string): number | undefined {
    let node = 0;
    for (let i = name.length - 1; i >= 0; i--) {
      const next = this.trieEdges.get(node * 0x100 + name.charCodeAt(i));
      if (next === undefined) return undefined;
      node = next;
    }
    const offset = this.trieOffset[node]!;
    return offset < 0 ? undefined : offset; // the root is unset until the first entry
  }

  private add(name: string, start: number): void {
    this.entries.push(name);
    this.starts.push(start);
    this.exact.set(name, start);
    this.size += name.length + 1;
    // Entries are added in table order, so a suffix already present keeps its earlier offset.
    let node = 0;
    const L = name.length;
    if (this.trieOffset[0]! < 0) this.trieOffset[0] = start + L; // the empty name: the first entry's NUL
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
