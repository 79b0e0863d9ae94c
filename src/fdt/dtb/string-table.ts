/**
 * The DTB strings block as dtc builds it, and the byte-string convention
 * used for names read from and written to blobs.
 *
 * dtc's stringtable_insert scans every byte offset of the table for the new
 * name and returns the first hit, so a name is shared with the earliest
 * entry it is a suffix of (an exact match being the longest suffix), and is
 * appended otherwise. We give the same offsets through a Map of every name
 * asked for, then a search of the entries with the same last two chars (a
 * reversed trie of all suffixes once the block is large, so each insertion
 * costs the length of the name, not the size of the table).
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

const fcc = String.fromCharCode;

/**
 * `b[start, end)` as a byte string, one char per byte. Most node names are
 * short, and for them String.fromCharCode with one argument per byte (a
 * builtin that writes a flat string directly) costs about half the native
 * call.
 */
export function byteStringAt(b: Uint8Array, start: number, end: number): string {
  switch (end - start) {
    case 0:
      return '';
    case 1:
      return fcc(b[start]!);
    case 2:
      return fcc(b[start]!, b[start + 1]!);
    case 3:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!);
    case 4:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!);
    case 5:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!);
    case 6:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!);
    case 7:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!);
    case 8:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!);
    case 9:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!);
    case 10:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!);
    case 11:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!);
    case 12:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!);
    case 13:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!, b[start + 12]!);
    case 14:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!, b[start + 12]!, b[start + 13]!);
    case 15:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!, b[start + 12]!, b[start + 13]!, b[start + 14]!);
    case 16:
      return fcc(b[start]!, b[start + 1]!, b[start + 2]!, b[start + 3]!, b[start + 4]!, b[start + 5]!, b[start + 6]!, b[start + 7]!, b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!, b[start + 12]!, b[start + 13]!, b[start + 14]!, b[start + 15]!);
  }
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

/**
 * Up to this many bytes of table, a name that is no known entry is looked
 * for among the entries that end in its last two chars (the blocks of real
 * blobs hold a few KiB: cheaper than a trie of every suffix); past it a
 * trie takes over, so the table stays linear in the names' length for any
 * input.
 */
const SCAN_MAX = 16 << 10;
/** Nor may entries sharing their last two chars outnumber this: a scan stays short whatever the names. */
const BUCKET_MAX = 64;

export class StringTable {
  /** Entries in table order (byte strings, without the NUL). */
  private readonly entries: string[] = [];
  private readonly starts: number[] = [];
  private size = 0;
  /**
   * Every name asked for → its offset. The earliest place a name ends a
   * string never moves as the table grows, so each name is looked up once.
   * Keys are byte strings, plus (from insertName) raw names that differ
   * from theirs: such a name is no byte string, so the keys cannot clash.
   */
  private readonly known = new Map<string, number>();
  /** Entry indexes by their last two chars (char << 8 | char; a one-char entry under 0x10000 + char), in table order. */
  private buckets? = new Map<number, number[]>();
  /**
   * Past SCAN_MAX: every entry in a trie read from the last char backwards,
   * for names that are a proper suffix of an entry: node ids are indexes
   * into trieOffset (the earliest offset of that suffix), edges live in one
   * Map keyed by id * 0x100 + char (byte strings, so no collisions; small
   * integer keys hash fast). Flat, so memory stays a small multiple of the
   * names' total length.
   */
  private trieEdges?: Map<number, number>;
  private readonly trieOffset: number[] = [-1]; // root: the empty suffix

  /** Total bytes, NULs included. */
  get length(): number {
    return this.size;
  }

  /** Offset of `name` (a byte string: every char below 0x100), adding it when no entry ends with it. */
  insert(name: string): number {
    const hit = this.known.get(name);
    if (hit !== undefined) return hit;
    const found = this.buckets ? this.scan(name) : this.findInTrie(name);
    const offset = found >= 0 ? found : this.add(name);
    this.known.set(name, offset);
    return offset;
  }

  /** insert() for a name as the tree holds it (see nameToByteString); repeated names skip the conversion. */
  insertName(raw: string): number {
    const hit = this.known.get(raw);
    if (hit !== undefined) return hit;
    const name = nameToByteString(raw);
    const offset = this.insert(name);
    if (name !== raw) this.known.set(raw, offset);
    return offset;
  }

  /** dtc's rule: the offset of the first entry that ends with `name`, or -1. */
  private scan(name: string): number {
    const L = name.length;
    const e = this.entries;
    if (L < 2) {
      // The empty name matches the first entry; one char, any entry ending in it.
      for (let i = 0; i < e.length; i++) if (e[i]!.endsWith(name)) return this.starts[i]! + e[i]!.length - L;
      return -1;
    }
    const bucket = this.buckets!.get((name.charCodeAt(L - 2) << 8) | name.charCodeAt(L - 1));
    if (bucket === undefined) return -1;
    for (const i of bucket) if (e[i]!.endsWith(name)) return this.starts[i]! + e[i]!.length - L;
    return -1;
  }

  private findInTrie(name: string): number {
    let node = 0;
    for (let i = name.length - 1; i >= 0; i--) {
      const next = this.trieEdges!.get(node * 0x100 + name.charCodeAt(i));
      if (next === undefined) return -1;
      node = next;
    }
    return this.trieOffset[node]!; // the root is -1 until the first entry
  }

  private add(name: string): number {
    const start = this.size;
    const index = this.entries.length;
    this.entries.push(name);
    this.starts.push(start);
    this.size += name.length + 1;
    if (this.trieEdges) {
      this.addSuffixes(name, start);
      return start;
    }
    const L = name.length;
    const key = L >= 2 ? (name.charCodeAt(L - 2) << 8) | name.charCodeAt(L - 1) : L === 1 ? 0x10000 + name.charCodeAt(0) : -1;
    let bucket = this.buckets!.get(key);
    if (bucket) bucket.push(index);
    else this.buckets!.set(key, (bucket = [index]));
    if (this.size > SCAN_MAX || bucket.length > BUCKET_MAX) {
      this.buckets = undefined;
      this.trieEdges = new Map();
      for (let i = 0; i < this.entries.length; i++) this.addSuffixes(this.entries[i]!, this.starts[i]!);
    }
    return start;
  }

  private addSuffixes(name: string, start: number): void {
    const edges = this.trieEdges!;
    // Entries are added in table order, so a suffix already present keeps its earlier offset.
    let node = 0;
    const L = name.length;
    if (this.trieOffset[0]! < 0) this.trieOffset[0] = start + L; // the empty name: the first entry's NUL
    for (let depth = 1; depth <= L; depth++) {
      const key = node * 0x100 + name.charCodeAt(L - depth);
      let next = edges.get(key);
      if (next === undefined) {
        next = this.trieOffset.length;
        this.trieOffset.push(start + L - depth);
        edges.set(key, next);
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
