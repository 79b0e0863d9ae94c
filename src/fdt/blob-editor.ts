/**
 * A libfdt-style read/write view of a flattened devicetree.
 *
 * libfdt edits one flat buffer with memmove splices. Those splices never
 * clear the bytes they open up, so the padding after a new or grown property
 * value holds whatever bytes used to sit there (the next tags, the strings
 * block, or buffer space left over from an earlier shrink), and fdtoverlay's
 * output carries those bytes. To reproduce them without libfdt's O(blob)
 * memmove per edit, the struct block is kept as a tree of raw tokens with
 * cached subtree sizes: any byte of the old image can be found by walking
 * sizes, and only the few stale padding bytes are ever read that way.
 *
 * Lookups follow libfdt's rules exactly but through indexes: first visible
 * property of a name, first child matching a name (with the `name` ≈
 * `name@unit` rule), first node in document order with a phandle, and the
 * first occurrence (even as a suffix) of a string in the strings block.
 */
import type { FdtCode } from './codes.js';
import { FdtError } from './errors.js';
import {
  FDT_BEGIN_NODE as TAG_BEGIN_NODE,
  FDT_END as TAG_END,
  FDT_END_NODE as TAG_END_NODE,
  FDT_MAGIC,
  FDT_NOP as TAG_NOP,
  FDT_PROP as TAG_PROP,
  RESERVE_ENTRY_SIZE,
} from './flattree-format.js';
/** libfdt's packed header size: FDT_ALIGN(sizeof(struct fdt_header), 8). */
export const HEADER_SIZE = 40;
const RSV_ENTRY = RESERVE_ENTRY_SIZE;

const END_NODE_BYTES = Uint8Array.of(0, 0, 0, TAG_END_NODE);
const NOP_BYTES = Uint8Array.of(0, 0, 0, TAG_NOP);

/** Thrown for a libfdt error return; `code` is the FDT_ERR_* name (lookups return theirs as plain strings). */
export function libfdtError(code: string, detail: string, path?: string): FdtError {
  return new FdtError(code as FdtCode, `${code}: ${detail}`, { path });
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export function latin1(bytes: Uint8Array): string {
  if (bytes.length < 64) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(bytes.length, i + 8192))));
  }
  return s;
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function be32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function setBe32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

// ---------------------------------------------------------------- tree model

export interface PropEntry {
  readonly kind: 'prop';
  /** Whole token: tag, len, nameoff, value, padding. */
  raw: Uint8Array;
  /** Property name, or null when nameoff does not resolve (libfdt never matches it). */
  name: string | null;
  /** libfdt error for an unresolvable name (FDT_ERR_BADOFFSET / FDT_ERR_TRUNCATED). */
  nameError?: string;
}

export interface NopEntry {
  readonly kind: 'nop';
  readonly raw: Uint8Array;
}

export interface NodeEntry {
  readonly kind: 'node';
  parent: NodeEntry | null;
  /** BEGIN_NODE tag, name, NUL and padding, as they sit in the blob. */
  header: Uint8Array;
  name: string;
  entries: Entry[];
  /** Index of the first subnode in `entries` (or entries.length). */
  firstChild: number;
  /** Serialized size of the node, END_NODE included. */
  size: number;
  /** First visible property per name (built lazily). */
  props: Map<string, PropEntry> | null;
  /** First child per exact name and per name-before-'@' (built lazily). */
  childExact: Map<string, NodeEntry> | null;
  childBase: Map<string, NodeEntry> | null;
  /** Cached fdt_get_phandle() for base nodes. */
  phandle: number;
  /** No END_NODE: the struct block hit FDT_END first (libfdt just stops there). */
  open?: boolean;
}

export type Entry = PropEntry | NopEntry | NodeEntry;

export function propLen(p: PropEntry): number {
  return be32(p.raw, 4);
}

export function propValue(p: PropEntry): Uint8Array {
  return p.raw.subarray(12, 12 + propLen(p));
}

function entrySize(e: Entry): number {
  return e.kind === 'node' ? e.size : e.raw.length;
}

function newNode(parent: NodeEntry | null, header: Uint8Array, name: string): NodeEntry {
  return {
    kind: 'node', parent, header, name, entries: [], firstChild: 0,
    size: header.length + 4, props: null, childExact: null, childBase: null, phandle: 0,
  };
}

/** Children of a node, in blob order. */
export function* subnodes(node: NodeEntry): Generator<NodeEntry> {
  for (let i = node.firstChild; i < node.entries.length; i++) {
    const e = node.entries[i]!;
    if (e.kind === 'node') yield e;
  }
}

/** Properties libfdt iterates: those before the first subnode (NOPs skipped). */
export function* visibleProps(node: NodeEntry): Generator<PropEntry> {
  for (let i = 0; i < node.firstChild; i++) {
    const e = node.entries[i]!;
    if (e.kind === 'prop') yield e;
  }
}

function propIndex(node: NodeEntry): Map<string, PropEntry> {
  if (!node.props) {
    node.props = new Map();
    for (const p of visibleProps(node)) {
      if (p.name !== null && !node.props.has(p.name)) node.props.set(p.name, p);
    }
  }
  return node.props;
}

function baseKey(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

function buildChildIndex(node: NodeEntry): void {
  node.childExact = new Map();
  node.childBase = new Map();
  for (const c of subnodes(node)) {
    if (!node.childExact.has(c.name)) node.childExact.set(c.name, c);
    const k = baseKey(c.name);
    if (!node.childBase.has(k)) node.childBase.set(k, c);
  }
}

/** fdt_getprop by name: the first visible property with that name. */
export function getProp(node: NodeEntry, name: string): PropEntry | undefined {
  return propIndex(node).get(name);
}

/**
 * fdt_getprop where libfdt passes its error on: in an unclosed node whose
 * property run ends at FDT_END, a missing name is FDT_ERR_BADSTRUCTURE.
 */
export function getPropStrict(node: NodeEntry, name: string, path?: string): PropEntry | undefined {
  const p = getProp(node, name);
  if (!p && node.open && node.firstChild === node.entries.length) {
    throw libfdtError('FDT_ERR_BADSTRUCTURE', `properties of '${node.name}' run into FDT_END`, path);
  }
  return p;
}

/**
 * fdt_subnode_offset_namelen: the first child whose name equals `name`, or,
 * when `name` has no '@', whose name is `name@...`.
 */
export function findSubnode(node: NodeEntry, name: string): NodeEntry | undefined {
  if (!node.childExact) buildChildIndex(node);
  return name.includes('@') ? node.childExact!.get(name) : node.childBase!.get(name);
}

/** A property value as C reads it with strlen(): up to the first NUL. */
export function cString(p: PropEntry): string {
  const start = 12;
  const end = p.raw.indexOf(0, start);
  // The byte after a value and its padding is always a tag's leading 0x00.
  return latin1(p.raw.subarray(start, end < 0 ? p.raw.length : end));
}

/** fdt_get_phandle: "phandle" if 4 bytes long, else "linux,phandle", else 0. */
export function nodePhandle(node: NodeEntry): number {
  let ph: PropEntry | undefined;
  let linux: PropEntry | undefined;
  if (node.props) {
    ph = node.props.get('phandle');
    linux = node.props.get('linux,phandle');
  } else {
    // A scan, not the index: max-phandle visits every node once.
    for (let i = 0; i < node.firstChild; i++) {
      const e = node.entries[i]!;
      if (e.kind !== 'prop') continue;
      if (!ph && e.name === 'phandle') ph = e;
      else if (!linux && e.name === 'linux,phandle') linux = e;
    }
  }
  if (ph && propLen(ph) === 4) return be32(ph.raw, 12);
  if (linux && propLen(linux) === 4) return be32(linux.raw, 12);
  return 0;
}

/** Every node in blob order, iteratively (trees may be deep). */
export function* allNodes(root: NodeEntry): Generator<NodeEntry> {
  const stack: NodeEntry[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.entries.length - 1; i >= n.firstChild; i--) {
      const e = n.entries[i]!;
      if (e.kind === 'node') stack.push(e);
    }
  }
}

// ------------------------------------------------------------------ header

export interface FdtHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

export function readHeader(blob: Uint8Array): FdtHeader {
  if (blob.length < 40) {
    throw new FdtError('FDT_ERR_TRUNCATED', `FDT_ERR_TRUNCATED: blob of ${blob.length} bytes is shorter than a header`, { offset: 0 });
  }
  const f = (i: number) => be32(blob, i * 4);
  return {
    magic: f(0), totalsize: f(1), offDtStruct: f(2), offDtStrings: f(3), offMemRsvmap: f(4),
    version: f(5), lastCompVersion: f(6), bootCpuidPhys: f(7), sizeDtStrings: f(8), sizeDtStruct: f(9),
  };
}

/** libfdt's FDT_RO_PROBE, plus the bounds checks of fdt_check_header. */
export function probeHeader(blob: Uint8Array, h: FdtHeader, checkBlocks = true): void {
  const fail = (code: FdtCode, why: string, offset = 0) => {
    throw new FdtError(code, `${code}: ${why}`, { offset });
  };
  if (h.magic !== FDT_MAGIC) fail('FDT_ERR_BADMAGIC', `bad magic 0x${h.magic.toString(16)}`);
  if (h.version < 16) fail('FDT_ERR_BADVERSION', `version ${h.version} is older than 16 (not supported here)`, 20);
  if (h.lastCompVersion > 17) fail('FDT_ERR_BADVERSION', `last_comp_version ${h.lastCompVersion} > 17`, 24);
  if (h.totalsize >= 0x7fffffff) fail('FDT_ERR_TRUNCATED', `totalsize ${h.totalsize} too large`, 4);
  if (h.totalsize > blob.length) fail('FDT_ERR_TRUNCATED', `totalsize ${h.totalsize} exceeds the ${blob.length} bytes given`, 4);
  // fdt_overlay_apply only probes the overlay (magic, versions, size): every read is bounded instead.
  if (!checkBlocks) return;
  const inside = (off: number) => off >= HEADER_SIZE - (h.version < 17 ? 4 : 0) && off <= h.totalsize;
  if (!inside(h.offMemRsvmap)) fail('FDT_ERR_TRUNCATED', 'memory reservation block out of bounds', 16);
  if (!inside(h.offDtStruct) || (h.version >= 17 && !inside(h.offDtStruct + h.sizeDtStruct))) {
    fail('FDT_ERR_TRUNCATED', 'structure block out of bounds', 8);
  }
  if (!inside(h.offDtStrings) || !inside(h.offDtStrings + h.sizeDtStrings)) {
    fail('FDT_ERR_TRUNCATED', 'strings block out of bounds', 12);
  }
}

/** Size of the reservation map including its terminating entry. */
export function memRsvSize(blob: Uint8Array, h: FdtHeader): number {
  for (let off = h.offMemRsvmap; off + RSV_ENTRY <= h.totalsize; off += RSV_ENTRY) {
    if (be32(blob, off + 8) === 0 && be32(blob, off + 12) === 0) return off + RSV_ENTRY - h.offMemRsvmap;
  }
  throw new FdtError('FDT_ERR_TRUNCATED', 'FDT_ERR_TRUNCATED: memory reservation map has no terminating entry', {
    offset: h.offMemRsvmap,
  });
}

// ------------------------------------------------------------- struct parse

export interface ParsedStruct {
  root: NodeEntry;
  /** Bytes after the root's END_NODE up to the end of the struct block. */
  trailer: Uint8Array;
  /** The struct block's size (scanned for v16 blobs). */
  structSize: number;
  /** An unknown tag after the root: libfdt's whole-tree scans fail on it. */
  tailError?: string;
}

type NameResolver = (nameoff: number) => { name: string | null; error?: string };

/** libfdt's fdt_get_string over a blob's strings block. */
export function stringResolver(blob: Uint8Array, h: FdtHeader): NameResolver {
  return (nameoff) => {
    const abs = h.offDtStrings + nameoff;
    if (nameoff >= 0x80000000 || abs >= h.totalsize) return { name: null, error: 'FDT_ERR_BADOFFSET' };
    let limit = h.totalsize - abs;
    if (h.version >= 17) {
      if (nameoff >= h.sizeDtStrings) return { name: null, error: 'FDT_ERR_BADOFFSET' };
      limit = Math.min(limit, h.sizeDtStrings - nameoff);
    }
    const end = blob.subarray(abs, abs + limit).indexOf(0);
    if (end < 0) return { name: null, error: 'FDT_ERR_TRUNCATED' };
    return { name: latin1(blob.subarray(abs, abs + end)) };
  };
}

/**
 * Reads the struct block into a token tree. Anything libfdt would trip over
 * (unknown tags, truncation, nodes after the root) is an FdtError here.
 */
export function parseStruct(input: Uint8Array, h: FdtHeader, names: NameResolver): ParsedStruct {
  // One private copy; tokens are views into it (edits replace, never write through, except
  // the overlay's in-place fixups, which must not reach the caller's bytes).
  const blob = new Uint8Array(input);
  const start = h.offDtStruct;
  const limit = h.version >= 17 ? Math.min(start + h.sizeDtStruct, h.totalsize) : h.totalsize;
  const bad = (code: FdtCode, why: string, at: number): never => {
    throw new FdtError(code, `${code}: ${why}`, { offset: at });
  };
  let pos = start;
  const tagAt = (at: number) => (at + 4 <= limit ? be32(blob, at) : bad('FDT_ERR_TRUNCATED', 'structure block ends early', at));
  const readHeaderToken = (at: number): { header: Uint8Array; name: string } => {
    const nul = blob.subarray(at + 4, limit).indexOf(0);
    if (nul < 0) bad('FDT_ERR_TRUNCATED', 'node name runs past the structure block', at);
    const end = at + align4(4 + nul + 1);
    if (end > limit) bad('FDT_ERR_TRUNCATED', 'node name padding runs past the structure block', at);
    return { header: blob.subarray(at, end), name: latin1(blob.subarray(at + 4, at + 4 + nul)) };
  };
  if (tagAt(pos) !== TAG_BEGIN_NODE) bad('FDT_ERR_BADOFFSET', 'structure block does not start with the root node', pos);
  const first = readHeaderToken(pos);
  const root = newNode(null, first.header, first.name);
  pos += first.header.length;
  const stack: NodeEntry[] = [root];
  while (stack.length) {
    const node = stack[stack.length - 1]!;
    const tag = tagAt(pos);
    if (tag === TAG_BEGIN_NODE) {
      const t = readHeaderToken(pos);
      const child = newNode(node, t.header, t.name);
      node.entries.push(child);
      pos += t.header.length;
      stack.push(child);
    } else if (tag === TAG_PROP) {
      if (pos + 12 > limit) bad('FDT_ERR_TRUNCATED', 'property header runs past the structure block', pos);
      const len = be32(blob, pos + 4);
      const end = pos + 12 + align4(len);
      if (len >= 0x7fffffff || end > limit) bad('FDT_ERR_TRUNCATED', 'property value runs past the structure block', pos);
      const r = names(be32(blob, pos + 8));
      const prop: PropEntry = { kind: 'prop', raw: blob.subarray(pos, end), name: r.name };
      if (r.error) prop.nameError = r.error;
      node.entries.push(prop);
      pos = end;
    } else if (tag === TAG_NOP) {
      node.entries.push({ kind: 'nop', raw: NOP_BYTES });
      pos += 4;
    } else if (tag === TAG_END_NODE) {
      stack.pop();
      pos += 4;
      finishNode(node);
    } else if (tag === TAG_END) {
      // libfdt's walks end at FDT_END wherever it is: the nodes still open stay unclosed.
      while (stack.length) {
        const open = stack.pop()!;
        open.open = true;
        finishNode(open);
      }
      return { root, trailer: blob.slice(pos, h.version >= 17 ? limit : pos + 4), structSize: (h.version >= 17 ? limit : pos + 4) - start };
    } else {
      bad('FDT_ERR_BADSTRUCTURE', `unexpected tag 0x${tag.toString(16)} inside a node`, pos);
    }
  }
  return { root, ...readTrailer(blob, h, pos, limit, bad) };
}

/** Sets firstChild and the cached size once a node's tokens are read. */
function finishNode(node: NodeEntry): void {
  let first = node.entries.findIndex((e) => e.kind === 'node');
  if (first < 0) first = node.entries.length;
  node.firstChild = first;
  let size = node.header.length + (node.open ? 0 : 4);
  for (const e of node.entries) size += entrySize(e);
  node.size = size;
}

function readTrailer(
  blob: Uint8Array, h: FdtHeader, pos: number, limit: number,
  bad: (code: FdtCode, why: string, at: number) => never,
): { trailer: Uint8Array; structSize: number; tailError?: string } {
  const rootEnd = pos;
  if (h.version < 17) {
    // v16 has no size_dt_struct: the block ends at the FDT_END after the root.
    while (pos + 4 <= limit && be32(blob, pos) === TAG_NOP) pos += 4;
    if (pos + 4 > limit || be32(blob, pos) !== TAG_END) bad('FDT_ERR_BADSTRUCTURE', 'no FDT_END after the root node', pos);
    return { trailer: blob.slice(rootEnd, pos + 4), structSize: pos + 4 - h.offDtStruct };
  }
  // Only libfdt's whole-tree scans (max phandle, phandle lookup) look past the root, and they
  // skip NOP/PROP/END_NODE and stop at FDT_END or anything unknown; a further node would count.
  while (pos + 4 <= limit) {
    const tag = be32(blob, pos);
    if (tag === TAG_NOP || tag === TAG_END_NODE) pos += 4;
    else if (tag === TAG_PROP && pos + 12 <= limit) pos += 12 + align4(be32(blob, pos + 4));
    else if (tag === TAG_BEGIN_NODE) bad('FDT_ERR_BADSTRUCTURE', 'a node after the root node', pos);
    else if (tag === TAG_END) break;
    else return { trailer: blob.slice(rootEnd, limit), structSize: limit - h.offDtStruct, tailError: 'FDT_ERR_BADSTRUCTURE' };
  }
  return { trailer: blob.slice(rootEnd, limit), structSize: limit - h.offDtStruct };
}

// ----------------------------------------------------------- strings block

/**
 * The strings block with libfdt's lookup: the first position where `s\0`
 * occurs, which may be the tail of a longer string. Every suffix of every
 * NUL-terminated run is indexed; runs longer than LONG are searched directly.
 */
class StringsBlock {
  bytes: Uint8Array;
  length: number;
  private readonly first = new Map<string, number>();
  private readonly longRuns: { start: number; text: string }[] = [];
  /** Start of the trailing run that has no NUL yet. */
  private openRun: number;
  private static readonly LONG = 256;

  constructor(initial: Uint8Array) {
    this.bytes = new Uint8Array(Math.max(64, initial.length * 2));
    this.bytes.set(initial);
    this.length = initial.length;
    this.openRun = 0;
  }

  /** Built on first lookup: most blobs are only ever read. */
  private indexed = false;

  private indexFrom(from: number): void {
    let runStart = from;
    for (let i = from; i < this.length; i++) {
      if (this.bytes[i] !== 0) continue;
      this.indexRun(runStart, i);
      runStart = i + 1;
    }
    this.openRun = runStart;
  }

  private indexRun(start: number, nul: number): void {
    const text = latin1(this.bytes.subarray(start, nul));
    if (text.length > StringsBlock.LONG) {
      this.longRuns.push({ start, text });
      return;
    }
    for (let k = 0; k <= text.length; k++) {
      const suffix = text.slice(k);
      if (!this.first.has(suffix)) this.first.set(suffix, start + k);
    }
  }

  find(s: string): number {
    if (!this.indexed) {
      this.indexed = true;
      this.indexFrom(0);
    }
    let best = this.first.get(s) ?? -1;
    for (const run of this.longRuns) {
      if (best >= 0 && run.start > best) break;
      if (run.text.endsWith(s)) {
        const at = run.start + run.text.length - s.length;
        if (best < 0 || at < best) best = at;
        break;
      }
    }
    return best;
  }

  append(s: Uint8Array): void {
    const need = this.length + s.length + 1;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(need * 2);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(s, this.length);
    this.bytes[this.length + s.length] = 0;
    const from = this.openRun;
    this.length = need;
    if (this.indexed) this.indexFrom(from);
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

// --------------------------------------------------------------- free space

/**
 * Buffer bytes past the end of the data: what an earlier shrink left behind,
 * then (as fdtoverlay's fresh allocations are assumed to be) zeros.
 */
class FreeSpace {
  private chunks: Uint8Array[] = [];
  private head = 0;

  byteAt(i: number): number {
    let k = i + this.head;
    for (const c of this.chunks) {
      if (k < c.length) return c[k]!;
      k -= c.length;
    }
    return 0;
  }

  consume(n: number): void {
    let k = n + this.head;
    while (this.chunks.length && k >= this.chunks[0]!.length) {
      k -= this.chunks[0]!.length;
      this.chunks.shift();
    }
    this.head = this.chunks.length ? k : 0;
  }

  prepend(bytes: Uint8Array): void {
    if (this.head) {
      this.chunks[0] = this.chunks[0]!.subarray(this.head);
      this.head = 0;
    }
    if (bytes.length) this.chunks.unshift(bytes);
  }
}

// ------------------------------------------------------------ the editor

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

/** Byte `off` of an entry's serialization. */
function byteWithin(e: Entry, off: number): number {
  for (;;) {
    if (e.kind !== 'node') return e.raw[off]!;
    if (off < e.header.length) return e.header[off]!;
    off -= e.header.length;
    let next: Entry | null = null;
    for (const c of e.entries) {
      const sz = entrySize(c);
      if (off < sz) { next = c; break; }
      off -= sz;
    }
    if (!next) return END_NODE_BYTES[off]!;
    e = next;
  }
}

/** Serializes a subtree iteratively; returns the end position. */
function writeNode(out: Uint8Array, pos: number, root: NodeEntry): number {
  const stack: { node: NodeEntry; i: number }[] = [{ node: root, i: 0 }];
  out.set(root.header, pos);
  pos += root.header.length;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.node.entries.length) {
      if (!top.node.open) {
        out.set(END_NODE_BYTES, pos);
        pos += 4;
      }
      stack.pop();
      continue;
    }
    const e = top.node.entries[top.i++]!;
    if (e.kind === 'node') {
      out.set(e.header, pos);
      pos += e.header.length;
      stack.push({ node: e, i: 0 });
    } else {
      out.set(e.raw, pos);
      pos += e.raw.length;
    }
  }
  return pos;
}

function orderKey(n: NodeEntry): number[] {
  const key: number[] = [];
  for (let c = n; c.parent; c = c.parent) key.push(c.parent.entries.indexOf(c));
  return key.reverse();
}

/** Blob order of two nodes of the same tree. */
function compareOrder(a: NodeEntry, b: NodeEntry): number {
  const ka = orderKey(a);
  const kb = orderKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  }
  return ka.length - kb.length;
}

// ----------------------------------------------------------- path lookups

/** A tree plus its /aliases, for fdt_path_offset. */
export function pathLookup(root: NodeEntry, path: string, depth = 0): NodeEntry | string {
  if (depth > 64) return 'FDT_ERR_BADPATH';
  let node: NodeEntry = root;
  let p = 0;
  if (path[0] !== '/') {
    const slash = path.indexOf('/');
    const q = slash < 0 ? path.length : slash;
    const aliases = pathLookup(root, '/aliases', depth + 1);
    const alias = typeof aliases === 'string' ? undefined : getProp(aliases, path.slice(0, q));
    if (!alias) return 'FDT_ERR_BADPATH';
    // An alias naming another alias recurses in libfdt; a loop would never end there.
    if (depth >= 32) {
      throw new FdtError('FDT_ERR_BADPATH', `FDT_ERR_BADPATH: alias '${path.slice(0, q)}' loops`, { path });
    }
    const target = pathLookup(root, cString(alias), depth + 1);
    if (typeof target === 'string') return target;
    node = target;
    p = q;
  }
  while (p < path.length) {
    while (path[p] === '/') {
      p++;
      if (p === path.length) return node;
    }
    const slash = path.indexOf('/', p);
    const q = slash < 0 ? path.length : slash;
    const next = findSubnode(node, path.slice(p, q));
    if (!next) return 'FDT_ERR_NOTFOUND';
    node = next;
    p = q;
  }
  return node;
}

/** Parses a read-only blob (an overlay) into its token tree, validating it. */
export function parseReadOnly(blob: Uint8Array): ParsedStruct & { header: FdtHeader } {
  const h = readHeader(blob);
  probeHeader(blob, h, false);
  return { header: h, ...parseStruct(blob, h, stringResolver(blob, h)) };
}

export { be32, setBe32 };
