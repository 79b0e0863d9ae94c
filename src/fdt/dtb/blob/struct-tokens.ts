/**
 * The struct block as a tree of raw tokens with cached subtree sizes: any
 * byte of the image can be found by walking sizes (libfdt's offsets), and
 * the tree serializes back to the exact bytes.
 */
import { FDT_END_NODE as TAG_END_NODE, FDT_NOP as TAG_NOP } from '../format.js';
import { be32 } from './bytes.js';

export const END_NODE_BYTES = Uint8Array.of(0, 0, 0, TAG_END_NODE);
export const NOP_BYTES = Uint8Array.of(0, 0, 0, TAG_NOP);

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

export function entrySize(e: Entry): number {
  return e.kind === 'node' ? e.size : e.raw.length;
}

export function newNode(parent: NodeEntry | null, header: Uint8Array, name: string): NodeEntry {
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

/** Byte `off` of an entry's serialization. */
export function byteWithin(e: Entry, off: number): number {
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
export function writeNode(out: Uint8Array, pos: number, root: NodeEntry): number {
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
export function compareOrder(a: NodeEntry, b: NodeEntry): number {
  const ka = orderKey(a);
  const kb = orderKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  }
  return ka.length - kb.length;
}
