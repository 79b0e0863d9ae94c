/**
 * A libfdt-style read/write view of a flattened devicetree: fdt_open_into,
 * the write calls (fdt_rw, fdt_wip) and fdt_pack.
 *
 * libfdt edits one flat buffer with memmove splices. Those splices never
 * clear the bytes they open up, so the padding after a new or grown property
 * value holds whatever bytes used to sit there (the next tags, the strings
 * block, or buffer space left over from an earlier shrink), and fdtoverlay's
 * output carries those bytes. To reproduce them without libfdt's O(blob)
 * memmove per edit, the struct block is kept as a tree of raw tokens with
 * cached subtree sizes: any byte of the old image can be found by walking
 * sizes, and only the few stale padding bytes are ever read that way.
 */
import { FdtError } from '../../errors.js';
import { FDT_BEGIN_NODE as TAG_BEGIN_NODE, FDT_MAGIC, FDT_PROP as TAG_PROP } from '../format.js';
import { align4, latin1Bytes, setBe32 } from './bytes.js';
import { FreeSpace } from './free-space.js';
import { HEADER_SIZE, type FdtHeader, memRsvSize, probeHeader, readHeader } from './header.js';
import { libfdtError } from './libfdt-error.js';
import { baseKey, findSubnode, getPropStrict, nodePhandle, propIndex } from './lookup.js';
import { type ParsedStruct, parseStruct } from './struct-parse.js';
import { StringsBlock, stringResolver } from './strings.js';
import {
  END_NODE_BYTES,
  type NodeEntry,
  type PropEntry,
  allNodes,
  byteWithin,
  compareOrder,
  entrySize,
  newNode,
  propLen,
  writeNode,
} from './struct-tokens.js';

/**
 * The base blob as fdt_open_into leaves it and libfdt's read/write calls
 * change it; `pack()` gives fdt_pack's bytes.
 */
export class BlobEditor {
  readonly root: NodeEntry;
  private readonly trailer: Uint8Array;
  /** Bytes between the struct and strings blocks (kept until pack). */
  private readonly midGap: Uint8Array;
  private readonly strings: StringsBlock;
  private readonly free = new FreeSpace();
  private readonly rsvmap: Uint8Array;
  private readonly lastCompVersion: number;
  private readonly bootCpuidPhys: number;
  private phandles: Map<number, NodeEntry[]> | null = null;
  private readonly tailError?: string;
  /** A struct block libfdt only trips over once fdt_overlay_apply walks it. */
  private readonly structError?: FdtError;

  constructor(blob: Uint8Array) {
    const h = readHeader(blob);
    probeHeader(blob, h);
    const rsvSize = memRsvSize(blob, h);
    const parsed = parseBaseStruct(blob, h);
    this.root = parsed.root;
    this.trailer = parsed.trailer;
    this.tailError = parsed.tailError;
    this.structError = parsed.structError;
    this.rsvmap = blob.slice(h.offMemRsvmap, h.offMemRsvmap + rsvSize);
    this.bootCpuidPhys = h.bootCpuidPhys;
    this.strings = new StringsBlock(blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings));
    const structEnd = h.offDtStruct + parsed.structSize;
    const dataEnd = h.offDtStrings + h.sizeDtStrings;
    const misordered = h.offMemRsvmap < HEADER_SIZE || h.offDtStruct < h.offMemRsvmap + rsvSize
      || h.offDtStrings < structEnd || h.totalsize < dataEnd;
    if (misordered) {
      // fdt_open_into repacks into a fresh buffer (no gaps, no leftovers), and fdtoverlay's
      // first buffer is only totalsize bytes long.
      const newsize = HEADER_SIZE + rsvSize + parsed.structSize + h.sizeDtStrings;
      if (newsize > h.totalsize) {
        throw new FdtError('FDT_ERR_NOSPACE', `FDT_ERR_NOSPACE: reordered blob needs ${newsize} bytes, totalsize is ${h.totalsize}`, { offset: 4 });
      }
      this.midGap = new Uint8Array(0);
      this.lastCompVersion = 16;
    } else {
      this.midGap = blob.slice(structEnd, h.offDtStrings);
      this.lastCompVersion = h.lastCompVersion;
      this.free.prepend(blob.slice(dataEnd, h.totalsize));
    }
  }

  // ---- reading the current image

  private structSize(): number {
    return this.root.size + this.trailer.length;
  }

  /** Byte `off` of the data image counted from the struct block's start. */
  private imageByteAt(off: number): number {
    if (off < this.root.size) return byteWithin(this.root, off);
    off -= this.root.size;
    if (off < this.trailer.length) return this.trailer[off]!;
    off -= this.trailer.length;
    if (off < this.midGap.length) return this.midGap[off]!;
    off -= this.midGap.length;
    if (off < this.strings.length) return this.strings.bytes[off]!;
    return this.free.byteAt(off - this.strings.length);
  }

  /** Byte `dist` bytes after the start of `node.entries[idx]` (or its END_NODE). */
  private byteAfter(node: NodeEntry, idx: number, dist: number): number {
    for (;;) {
      for (let i = idx; i < node.entries.length; i++) {
        const sz = entrySize(node.entries[i]!);
        if (dist < sz) return byteWithin(node.entries[i]!, dist);
        dist -= sz;
      }
      if (!node.open) {
        if (dist < 4) return END_NODE_BYTES[dist]!;
        dist -= 4;
      }
      const parent = node.parent;
      if (!parent) return this.imageByteAt(this.root.size + dist);
      idx = parent.entries.indexOf(node) + 1;
      node = parent;
    }
  }

  private dataSize(): number {
    return this.structSize() + this.midGap.length + this.strings.length;
  }

  /** Account for a struct splice growing (d > 0) or shrinking the data. */
  private spliced(node: NodeEntry, d: number): void {
    if (d < 0) {
      const end = this.dataSize();
      const left = new Uint8Array(-d);
      for (let i = 0; i < left.length; i++) left[i] = this.imageByteAt(end + d + i);
      this.free.prepend(left);
    } else if (d > 0) {
      this.free.consume(d);
    }
    for (let n: NodeEntry | null = node; n; n = n.parent) n.size += d;
  }

  // ---- libfdt read calls

  /** fdt_find_max_phandle, also (re)building the phandle index. */
  maxPhandle(): number {
    if (this.structError) throw this.structError;
    if (this.tailError) throw libfdtError(this.tailError, 'unknown tag after the root node');
    let max = 0;
    this.phandles = new Map();
    for (const n of allNodes(this.root)) {
      n.phandle = nodePhandle(n);
      if (n.phandle > max) max = n.phandle;
      if (n.phandle) this.indexPhandle(n);
    }
    return max;
  }

  private indexPhandle(n: NodeEntry): void {
    const list = this.phandles!.get(n.phandle);
    if (list) list.push(n);
    else this.phandles!.set(n.phandle, [n]);
  }

  /** fdt_node_offset_by_phandle: the first node in blob order. */
  nodeByPhandle(ph: number): NodeEntry | undefined {
    if (!this.phandles) this.maxPhandle();
    const hits = (this.phandles!.get(ph) ?? []).filter((n) => n.phandle === ph);
    if (hits.length <= 1) return hits[0];
    return hits.reduce((a, b) => (compareOrder(a, b) <= 0 ? a : b));
  }

  // ---- libfdt write calls

  /**
   * fdt_setprop_placeholder: resize the first visible property of that name
   * in place, or insert a new one first in the node. Returns the property;
   * its value bytes are for the caller to fill, its padding is stale.
   */
  setpropPlaceholder(node: NodeEntry, name: string, len: number): PropEntry {
    const old = getPropStrict(node, name);
    return old ? this.resizeProp(node, old, len) : this.addProp(node, name, len);
  }

  setprop(node: NodeEntry, name: string, value: Uint8Array): void {
    const p = this.setpropPlaceholder(node, name, value.length);
    p.raw.set(value, 12);
    if (name === 'phandle' || name === 'linux,phandle') this.refreshPhandle(node);
  }

  private refreshPhandle(node: NodeEntry): void {
    const ph = nodePhandle(node);
    if (ph === node.phandle) return;
    node.phandle = ph;
    if (this.phandles && ph) this.indexPhandle(node);
  }

  private resizeProp(node: NodeEntry, p: PropEntry, len: number): PropEntry {
    const oldAligned = align4(propLen(p));
    const newAligned = align4(len);
    const raw = new Uint8Array(12 + newAligned);
    raw.set(p.raw.subarray(0, 12 + Math.min(oldAligned, newAligned)));
    if (newAligned > oldAligned) {
      const after = node.entries.indexOf(p) + 1;
      for (let i = Math.max(len, oldAligned); i < newAligned; i++) {
        raw[12 + i] = this.byteAfter(node, after, i - oldAligned);
      }
    }
    setBe32(raw, 4, len);
    const d = newAligned - oldAligned;
    if (d) this.spliced(node, d);
    p.raw = raw;
    return p;
  }

  private addProp(node: NodeEntry, name: string, len: number): PropEntry {
    const nameBytes = latin1Bytes(name);
    let nameoff = this.strings.find(name);
    if (nameoff < 0) {
      nameoff = this.strings.length;
      this.strings.append(nameBytes);
      this.free.consume(nameBytes.length + 1);
    }
    const size = 12 + align4(len);
    const raw = new Uint8Array(size);
    // The opened gap still holds the bytes that used to start the node body.
    for (let i = 12 + len; i < size; i++) raw[i] = this.byteAfter(node, 0, i);
    setBe32(raw, 0, TAG_PROP);
    setBe32(raw, 4, len);
    setBe32(raw, 8, nameoff);
    const prop: PropEntry = { kind: 'prop', raw, name };
    node.entries.unshift(prop);
    node.firstChild++;
    propIndex(node).set(name, prop);
    this.spliced(node, size);
    return prop;
  }

  /** fdt_add_subnode: after the parent's properties, before its first child. */
  addSubnode(parent: NodeEntry, name: string): NodeEntry | 'exists' {
    if (findSubnode(parent, name)) return 'exists';
    const nameBytes = latin1Bytes(name);
    const header = new Uint8Array(align4(4 + nameBytes.length + 1));
    setBe32(header, 0, TAG_BEGIN_NODE);
    header.set(nameBytes, 4);
    const child = newNode(parent, header, name);
    parent.entries.splice(parent.firstChild, 0, child);
    parent.childExact!.set(name, child);
    parent.childBase!.set(baseKey(name), child);
    this.spliced(parent, child.size);
    return child;
  }

  /** fdt_pack's output: header, reservations, struct, strings, no gaps. */
  pack(): Uint8Array {
    const structSize = this.structSize();
    const strings = this.strings.view();
    const offStruct = HEADER_SIZE + this.rsvmap.length;
    const offStrings = offStruct + structSize;
    const total = offStrings + strings.length;
    const out = new Uint8Array(total);
    const fields = [FDT_MAGIC, total, offStruct, offStrings, HEADER_SIZE, 17, this.lastCompVersion,
      this.bootCpuidPhys, strings.length, structSize];
    fields.forEach((v, i) => setBe32(out, i * 4, v));
    out.set(this.rsvmap, HEADER_SIZE);
    let pos = writeNode(out, offStruct, this.root);
    out.set(this.trailer, pos);
    pos += this.trailer.length;
    out.set(strings, pos);
    return out;
  }
}

/**
 * fdt_open_into reads a v17 struct block by its header size without walking
 * it, so a bad block only fails the apply; a v16 block is walked at once.
 */
function parseBaseStruct(blob: Uint8Array, h: FdtHeader): ParsedStruct & { structError?: FdtError } {
  try {
    return parseStruct(blob, h, stringResolver(blob, h));
  } catch (e) {
    if (h.version < 17 || !(e instanceof FdtError)) throw e;
    const root = newNode(null, Uint8Array.of(0, 0, 0, TAG_BEGIN_NODE, 0, 0, 0, 0), '');
    return { root, trailer: new Uint8Array(0), structSize: h.sizeDtStruct, structError: e };
  }
}
