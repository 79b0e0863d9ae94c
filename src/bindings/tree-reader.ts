/** The per-node context the property tables decode with, shared by both readers. */
import type { Node } from '../fdt/tree/livetree.js';
import type { Cells } from '../model/domain.js';
import type { BootConfigWarning } from '../model/errors.js';
import type { BindingInterface } from '../model/origin.js';
import type { ChannelRef } from '../model/sharing.js';
import { cellsOf, walkerCells } from './cells.js';
import type { PropertyReadContext } from './property-codec.js';
import { ReferenceIndex } from './references.js';

export interface TreeReader {
  iface: BindingInterface;
  root: Node;
  warn(w: BootConfigWarning): void;
  /** Read an independent part (a domain, a module); undefined when it failed and a problem sink took the error. */
  attempt<T>(read: () => T): T | undefined;
  channelOf(target: Node): ChannelRef | undefined;
  cpupoolOf(target: Node): string | undefined;
}

/** What every node of one read shares, built on first use: a reader's tree does not change while it is read. */
interface ReaderShared {
  rootCells: Cells;
  target: PropertyReadContext['target'];
}

const shared = new WeakMap<TreeReader, ReaderShared>();

function sharedOf(r: TreeReader): ReaderShared {
  let s = shared.get(r);
  if (!s) {
    const references = new ReferenceIndex(r.root);
    s = { rootCells: cellsOf(r.root), target: (p, offset) => references.target(p, offset) };
    shared.set(r, s);
  }
  return s;
}

export function contextFor(r: TreeReader, node: Node): PropertyReadContext {
  const s = sharedOf(r);
  return {
    iface: r.iface,
    node,
    root: r.root,
    // dom0less: Xen's FDT walker inherits cells from the nearest ancestor that sets them; the
    // Hyperlaunch reader (libfdt's fdt_address_cells) takes the parent's own or 2 / 1.
    parentCells: r.iface === 'dom0less' ? walkerCells(node.parent) : cellsOf(node.parent),
    walkerCells: walkerCells(node.parent),
    rootCells: { ...s.rootCells },
    warn: r.warn,
    target: s.target,
    channelOf: r.channelOf,
    cpupoolOf: r.cpupoolOf,
  };
}

// One decoder for every node: constructing a TextDecoder per string was a large share of a read.
const utf8 = new TextDecoder();

export function compatibleOf(node: Node): string[] {
  const p = node.getProperty('compatible');
  if (!p) return [];
  const out: string[] = [];
  const b = p.bytes;
  let at = 0;
  while (at < b.length) {
    let end = b.indexOf(0, at);
    if (end < 0) end = b.length;
    out.push(utf8.decode(b.subarray(at, end)));
    at = end + 1;
  }
  return out;
}

export function isCompatible(node: Node, c: string): boolean {
  return compatibleOf(node).includes(c);
}
