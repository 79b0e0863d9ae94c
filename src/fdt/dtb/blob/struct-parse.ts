/** Reading a blob's struct block into the token tree, failing where libfdt would. */
import type { FdtCode } from '../../codes.js';
import { FdtError } from '../../errors.js';
import {
  FDT_BEGIN_NODE as TAG_BEGIN_NODE,
  FDT_END as TAG_END,
  FDT_END_NODE as TAG_END_NODE,
  FDT_NOP as TAG_NOP,
  FDT_PROP as TAG_PROP,
} from '../format.js';
import { align4, be32, latin1 } from './bytes.js';
import { type FdtHeader, probeHeader, readHeader } from './header.js';
import { type NameResolver, stringResolver } from './strings.js';
import { NOP_BYTES, type NodeEntry, type PropEntry, entrySize, newNode } from './struct-tokens.js';

export interface ParsedStruct {
  root: NodeEntry;
  /** Bytes after the root's END_NODE up to the end of the struct block. */
  trailer: Uint8Array;
  /** The struct block's size (scanned for v16 blobs). */
  structSize: number;
  /** An unknown tag after the root: libfdt's whole-tree scans fail on it. */
  tailError?: string;
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

export function parseReadOnly(blob: Uint8Array): ParsedStruct & { header: FdtHeader } {
  const h = readHeader(blob);
  probeHeader(blob, h, false);
  return { header: h, ...parseStruct(blob, h, stringResolver(blob, h)) };
}

