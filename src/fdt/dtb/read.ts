/**
 * DTB → live tree, with dtc's dt_from_blob semantics: the header is checked
 * field by field, memory reservations and boot_cpuid_phys are kept, NOPs are
 * skipped, legacy (v1–3) blobs have their full-path names and 8-byte value
 * alignment undone. Every read is bounds-checked, and the struct walk is
 * iterative, so any input ends in a DeviceTree or an FdtError.
 */
import type { FdtCode } from '../codes.js';
import { PropertyValue } from '../tree/data.js';
import { FdtError } from '../errors.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_V1_SIZE,
} from './format.js';
import { DeviceTree, Node, Property, type ReserveEntry } from '../tree/livetree.js';
import { byteStringAt } from './string-table.js';

export interface DtbReadOptions {
  /** Input file name, used in error hints. */
  file?: string;
  /** Receives dtc's non-fatal complaints (`Warning: ...`). */
  onWarning?: (msg: string) => void;
}

/** Header field offsets. */
const HDR = {
  magic: 0,
  totalsize: 4,
  offDtStruct: 8,
  offDtStrings: 12,
  offMemRsvmap: 16,
  version: 20,
  lastCompVersion: 24,
  bootCpuidPhys: 28,
  sizeDtStrings: 32,
  sizeDtStruct: 36,
} as const;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** A bounded cursor over one region of the blob, like dtc's inbuf. */
class BlobCursor {
  pos: number;

  constructor(
    private readonly view: DataView,
    private readonly base: number,
    private readonly limit: number,
    private readonly ctx: DtbInput,
  ) {
    this.pos = base;
  }

  private need(len: number): void {
    if (len < 0 || this.pos + len > this.limit) {
      throw this.ctx.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', this.pos);
    }
  }

  word(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Step over `len` bytes; returns where they start. */
  skip(len: number): number {
    this.need(len);
    const at = this.pos;
    this.pos += len;
    return at;
  }

  get values(): Uint8Array {
    return this.ctx.values;
  }

  /** Alignment is relative to the region start, as in dtc. */
  realign(align: number): void {
    const off = this.pos - this.base;
    // align is a power of two; (-off & (align - 1)) is exact for any offset below 2^53 (ToInt32 keeps it mod 2^32).
    const aligned = this.pos + (-off & (align - 1));
    if (aligned > this.limit) {
      throw this.ctx.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', this.pos);
    }
    this.pos = aligned;
  }

  /** NUL-terminated string (as a byte string), then realign to 4. */
  string(): string {
    const blob = this.ctx.blob;
    let end = this.pos;
    while (end < this.limit && blob[end] !== 0) end++;
    if (end >= this.limit) {
      throw this.ctx.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', this.pos, 'unterminated node name');
    }
    const s = byteStringAt(blob, this.pos, end);
    this.pos = end + 1;
    this.realign(4);
    return s;
  }
}

/** Strings blocks larger than this (only odd blobs: real ones hold a few KiB) are scanned per name instead of indexed. */
const NUL_INDEX_MAX = 16 << 20;

/** How far stringEnd looks for a NUL before it builds the index. */
const SHORT_SCAN = 64;

/** The strings block, with names cached by offset and a NUL index built once (only when a name is long). */
class StringsBlock {
  /** Names by offset: an array, not a Map, as offsets are small integers (a holey array is a plain lookup). */
  private readonly cache: (string | undefined)[] = [];
  private nextNul?: Int32Array;

  constructor(
    private readonly ctx: DtbInput,
    private readonly base: number,
    private readonly limit: number,
  ) {}

  name(stroff: number, at: number): string {
    const hit = stroff < NUL_INDEX_MAX ? this.cache[stroff] : undefined;
    if (hit !== undefined) return hit;
    const start = this.base + stroff;
    const end = start < this.limit ? this.stringEnd(start) : -1;
    if (end < 0) {
      throw this.ctx.error('DTB_BAD_STRING_OFFSET', `String offset ${stroff | 0} overruns string table`, at);
    }
    const s = byteStringAt(this.ctx.blob, start, end);
    if (stroff < NUL_INDEX_MAX) this.cache[stroff] = s;
    return s;
  }

  /** Where the string at `start` ends (its NUL), or -1 when the block ends first. */
  private stringEnd(start: number): number {
    // Real names are short: a bounded forward scan finds most NULs without building the index.
    const blob = this.ctx.blob;
    const stop = Math.min(this.limit, start + SHORT_SCAN);
    for (let i = start; i < stop; i++) if (blob[i] === 0) return i;
    if (stop === this.limit) return -1;
    const len = this.limit - this.base;
    if (len > NUL_INDEX_MAX) {
      const end = this.ctx.blob.indexOf(0, start);
      return end < 0 || end >= this.limit ? -1 : end;
    }
    return this.nulIndex()[start - this.base]!;
  }

  /**
   * For each offset, where its string ends (-1 when unterminated): one
   * backward pass, so names at many offsets inside one long string do not
   * cost a scan each.
   */
  private nulIndex(): Int32Array {
    if (this.nextNul) return this.nextNul;
    const len = this.limit - this.base;
    const idx = new Int32Array(len);
    let next = -1;
    for (let i = len - 1; i >= 0; i--) {
      if (this.ctx.blob[this.base + i] === 0) next = this.base + i;
      idx[i] = next;
    }
    this.nextNul = idx;
    return idx;
  }
}

/** The blob being read: its bytes, its file name for messages, and the copy values are views into. */
class DtbInput {
  /**
   * A private copy of the blob: property values are views into it, so a big
   * tree costs one buffer instead of one per property, and the caller's
   * bytes are never shared with the tree.
   */
  private copy?: Uint8Array;
  /**
   * The caller's bytes as a plain Uint8Array: a Node Buffer's subarray()
   * builds a Buffer, several times dearer, and there is one per property.
   */
  readonly blob: Uint8Array;

  constructor(
    blob: Uint8Array,
    readonly file: string | undefined,
  ) {
    this.blob = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  }

  get values(): Uint8Array {
    this.copy ??= this.blob.slice();
    return this.copy;
  }

  error(code: FdtCode, message: string, offset: number, hint?: string): FdtError {
    const where = this.file ? `${this.file}: ` : '';
    return new FdtError(code, message, { offset, hint: hint ? `${where}${hint}` : this.file ? `in ${this.file}` : undefined });
  }
}

/** The header fields of a blob, after dtc's checks. Fields a version lacks are undefined. */
export interface DtbHeader {
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  /** dtc reads this word even from a v1 header (it is then the first padding word). */
  bootCpuidPhys: number;
  sizeDtStrings?: number;
  sizeDtStruct?: number;
}

interface Header extends DtbHeader {
  /** End of the region names may be read from: the strings block, or the blob before v3. */
  stringsLimit: number;
}

/** The header checks of dt_from_blob, in its order and words, plus bounds dtc leaves unchecked. */
function readHeader(ctx: DtbInput, view: DataView): Header {
  const blob = ctx.blob;
  if (blob.length < 4) throw ctx.error('DTB_TRUNCATED', 'EOF reading DT blob magic number', blob.length);
  if (view.getUint32(HDR.magic) !== FDT_MAGIC) {
    throw ctx.error('DTB_BAD_MAGIC', 'Blob has incorrect magic number', HDR.magic, `expected 0x${hex8(FDT_MAGIC)}, found 0x${hex8(view.getUint32(0))}`);
  }
  if (blob.length < 8) throw ctx.error('DTB_TRUNCATED', 'EOF reading DT blob size', blob.length);
  const totalsize = view.getUint32(HDR.totalsize);
  if (totalsize < FDT_V1_SIZE) {
    throw ctx.error('DTB_BAD_TOTALSIZE', `DT blob size (${totalsize | 0}) is too small`, HDR.totalsize);
  }
  if (blob.length < totalsize) {
    throw ctx.error('DTB_TRUNCATED', `EOF before reading ${totalsize | 0} bytes of DT blob`, blob.length,
      `the header says ${totalsize} bytes but only ${blob.length} are present`);
  }
  const version = view.getUint32(HDR.version);
  const field = (off: number, name: string): number => {
    // dtc reads these fields even when totalsize stops before them; we refuse instead.
    if (off + 4 > totalsize) {
      throw ctx.error('DTB_BAD_TOTALSIZE', `DT blob size (${totalsize}) is too small for the ${name} header field of version ${version}`, HDR.totalsize);
    }
    return view.getUint32(off);
  };
  const offDtStruct = view.getUint32(HDR.offDtStruct);
  const offDtStrings = view.getUint32(HDR.offDtStrings);
  const offMemRsvmap = view.getUint32(HDR.offMemRsvmap);
  // dtc always takes boot_cpuid_phys from offset 28, even in a v1 header.
  const bootCpuidPhys = totalsize >= HDR.bootCpuidPhys + 4 ? view.getUint32(HDR.bootCpuidPhys) : 0;

  if (offMemRsvmap >= totalsize) throw ctx.error('DTB_BAD_OFFSET', 'Mem Reserve structure offset exceeds total size', HDR.offMemRsvmap);
  if (offDtStruct >= totalsize) throw ctx.error('DTB_BAD_OFFSET', 'DT structure offset exceeds total size', HDR.offDtStruct);
  if (offDtStrings > totalsize) throw ctx.error('DTB_BAD_OFFSET', 'String table offset exceeds total size', HDR.offDtStrings);

  let stringsLimit = totalsize;
  let sizeStr: number | undefined;
  let sizeDt: number | undefined;
  if (version >= 3) {
    sizeStr = field(HDR.sizeDtStrings, 'size_dt_strings');
    if (offDtStrings + sizeStr > totalsize) throw ctx.error('DTB_BAD_OFFSET', 'String table extends past total size', HDR.sizeDtStrings);
    stringsLimit = offDtStrings + sizeStr;
  }
  if (version >= 17) {
    sizeDt = field(HDR.sizeDtStruct, 'size_dt_struct');
    if (offDtStruct + sizeDt > totalsize) throw ctx.error('DTB_BAD_OFFSET', 'Structure block extends past total size', HDR.sizeDtStruct);
  }
  const lastCompVersion = view.getUint32(HDR.lastCompVersion);
  return { totalsize, offDtStruct, offDtStrings, offMemRsvmap, version, lastCompVersion, bootCpuidPhys, sizeDtStrings: sizeStr, sizeDtStruct: sizeDt, stringsLimit };
}

/** Entries up to the first one with size 0 (dtc's terminator test ignores the address). */
function readReservations(cur: BlobCursor): ReserveEntry[] {
  const list: ReserveEntry[] = [];
  for (;;) {
    const address = cur.u64();
    const size = cur.u64();
    if (size === 0n) return list;
    list.push({ address, size, labels: [] });
  }
}

/**
 * dtc's nodename_from_path: a legacy node name is its full path minus the
 * parent's and the slash. A path too short to hold that slash makes dtc read
 * past the string (undefined behaviour); we refuse it, except for an empty
 * root path, where dtc in practice reads an empty name, and so do we.
 */
function nameFromPath(ctx: DtbInput, parentPath: string, path: string, at: number): string {
  if (parentPath === '' && path === '') return '';
  const plen = parentPath === '/' ? 1 : parentPath.length + 1;
  if (!path.startsWith(parentPath) || path.length < plen) {
    throw ctx.error('DTB_BAD_PATH', `Path "${path}" is not valid as a child of "${parentPath}"`, at);
  }
  return path.slice(plen);
}

/**
 * A node with a `phandle` or `linux,phandle` property: its depth-first
 * position and the first property of each name (a blob's properties are
 * never deleted, so the first is the one dtc reads).
 */
interface PhandleCandidate {
  node: Node;
  order: number;
  phandle: Property | undefined;
  linux: Property | undefined;
}

interface Structure {
  root: Node;
  /** Only the nodes that may get an explicit phandle, so the phandle pass does not walk the tree. */
  phandleCandidates: PhandleCandidate[];
}

function readStructure(ctx: DtbInput, hdr: Header, view: DataView, warn: (m: string) => void): Structure {
  const legacy = hdr.version < 16;
  const cur = new BlobCursor(view, hdr.offDtStruct, hdr.totalsize, ctx);
  const strings = new StringsBlock(ctx, hdr.offDtStrings, hdr.stringsLimit);

  const first = cur.word();
  if (first !== FDT_BEGIN_NODE) {
    throw ctx.error('DTB_NO_ROOT', `Device tree blob doesn't begin with FDT_BEGIN_NODE (begins with 0x${hex8(first)})`, cur.pos - 4);
  }
  // The open nodes as parallel stacks (node, name as stored in the blob — a
  // full path in v1–3 — depth-first position, phandle candidate): no object per node.
  const nodes: Node[] = [];
  const flatNames: string[] = [];
  const orders: number[] = [];
  const candidates: (PhandleCandidate | undefined)[] = [];
  let opened = 0;
  const open = (parentFlat: string): Node => {
    const at = cur.pos;
    const flatName = cur.string();
    const node = new Node(legacy ? nameFromPath(ctx, parentFlat, flatName, at) : flatName);
    nodes.push(node);
    flatNames.push(flatName);
    orders.push(opened++);
    candidates.push(undefined);
    return node;
  };
  const phandleCandidates: PhandleCandidate[] = [];
  const root = open('');
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top]!;
    const at = cur.pos;
    const token = cur.word();
    switch (token) {
      case FDT_PROP: {
        if (node.children.length > 0) warn('Warning: Flat tree input has subnodes preceding a property.');
        const prop = node.addProperty(readProperty(cur, strings, legacy, at));
        const name = prop.name;
        if (name === 'phandle' || name === 'linux,phandle') {
          let c = candidates[top];
          if (!c) {
            c = { node, order: orders[top]!, phandle: undefined, linux: undefined };
            candidates[top] = c;
            phandleCandidates.push(c);
          }
          if (name === 'phandle') c.phandle ??= prop;
          else c.linux ??= prop;
        }
        break;
      }
      case FDT_BEGIN_NODE:
        node.addChild(open(flatNames[top]!));
        break;
      case FDT_END_NODE:
        nodes.pop();
        flatNames.pop();
        orders.pop();
        candidates.pop();
        break;
      case FDT_END:
        throw ctx.error('DTB_PREMATURE_END', 'Premature FDT_END in device tree blob', at, `node ${node.path} is not closed`);
      case FDT_NOP:
        if (legacy) warn('Warning: NOP tag found in flat tree version <16');
        break;
      default:
        throw ctx.error('DTB_BAD_TOKEN', `Invalid opcode word ${hex8(token)} in device tree blob`, at);
    }
  }
  const endAt = cur.pos;
  if (cur.word() !== FDT_END) throw ctx.error('DTB_NO_END', "Device tree blob doesn't end with FDT_END", endAt);
  return { root, phandleCandidates };
}

function readProperty(cur: BlobCursor, strings: StringsBlock, legacy: boolean, at: number): Property {
  const len = cur.word();
  const stroff = cur.word();
  const name = strings.name(stroff, at + 8);
  if (legacy && len >= 8) cur.realign(8);
  if (len === 0) return new Property(name, PropertyValue.empty());
  // Values lie in the reader's private copy of the blob (one allocation for all of them).
  const value = PropertyValue.inBlob(cur.values, cur.skip(len), len);
  cur.realign(4);
  return new Property(name, value);
}

/** The value of a 4-byte phandle property, or 0 like dtc's check_phandle_prop for anything else. */
function phandleValue(p: Property | undefined): number {
  // Read through the value, not p.bytes: a blob-backed value would make a typed-array view just for this.
  if (!p || p.value.length !== 4) return 0;
  const v = p.value;
  const ph = ((v.byteAt(0) << 24) | (v.byteAt(1) << 16) | (v.byteAt(2) << 8) | v.byteAt(3)) >>> 0;
  return ph === 0xffffffff ? 0 : ph;
}

/**
 * dtc's explicit_phandles pass, minus its error reports: `phandle` wins over
 * `linux,phandle`, and a value already taken by an earlier node is not given
 * again (the first in depth-first order keeps it). Candidates are visited in
 * depth-first order; a blob whose properties follow subnodes can list them
 * out of order, hence the sort (skipped when, as in real blobs, they are in order).
 */
function assignExplicitPhandles(candidates: PhandleCandidate[]): void {
  for (let i = 1; i < candidates.length; i++) {
    if (candidates[i]!.order < candidates[i - 1]!.order) {
      candidates.sort((a, b) => a.order - b.order);
      break;
    }
  }
  const seen = new Set<number>();
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const ph = phandleValue(c.phandle) || phandleValue(c.linux);
    if (ph !== 0 && !seen.has(ph)) {
      seen.add(ph);
      c.node.phandle = ph;
    }
  }
}

/** The checked header alone (for dump tools); throws the same FdtErrors as readDtb's header checks. */
export function readDtbHeader(blob: Uint8Array): DtbHeader {
  const { stringsLimit: _limit, ...header } = readHeader(new DtbInput(blob, undefined), new DataView(blob.buffer, blob.byteOffset, blob.byteLength));
  return header;
}

/** Parse a DTB. Throws FdtError (code, byte offset, dtc's wording) on malformed input. */
export function readDtb(blob: Uint8Array, opts: DtbReadOptions = {}): DeviceTree {
  const ctx = new DtbInput(blob, opts.file);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const warn = opts.onWarning ?? (() => {});
  const hdr = readHeader(ctx, view);
  const reservations = readReservations(new BlobCursor(view, hdr.offMemRsvmap, hdr.totalsize, ctx));
  const { root, phandleCandidates } = readStructure(ctx, hdr, view, warn);
  const tree = new DeviceTree(root);
  tree.reservations = reservations;
  tree.bootCpuidPhys = hdr.bootCpuidPhys;
  tree.dtsV1 = true;
  assignExplicitPhandles(phandleCandidates);
  return tree;
}
