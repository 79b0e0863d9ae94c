/**
 * The live tree: nodes, properties, labels and memory reservations, shaped
 * like dtc's own model so that merge, delete and fixup rules carry over
 * exactly. Deleted entries stay in their lists with `deleted = true`,
 * because dtc revives a re-added name in its original position.
 */
import { PropertyValue } from './data.js';
import type { SourcePosition } from '../srcpos.js';

export interface Label {
  name: string;
  deleted: boolean;
}

/** dtc's add_label: a known label is revived; a new one goes in front. */
export function addLabel(labels: Label[], name: string): void {
  for (const l of labels) {
    if (l.name === name) {
      l.deleted = false;
      return;
    }
  }
  labels.unshift({ name, deleted: false });
}

export function liveLabels(labels: readonly Label[]): Label[] {
  return labels.filter((l) => !l.deleted);
}

/** Lines and columns below these pack into one small integer (line * SPAN_COLUMNS + column); see Property.setSpan. */
const SPAN_COLUMNS = 1024;
const SPAN_LINES = 1 << 19;

function spanPacks(firstLine: number, firstColumn: number, lastLine: number, lastColumn: number): boolean {
  return firstLine < SPAN_LINES && lastLine < SPAN_LINES && firstColumn < SPAN_COLUMNS && lastColumn < SPAN_COLUMNS;
}

function unpackSpan(file: string, first: number, last: number): SourcePosition {
  return {
    file,
    firstLine: Math.floor(first / SPAN_COLUMNS),
    firstColumn: first % SPAN_COLUMNS,
    lastLine: Math.floor(last / SPAN_COLUMNS),
    lastColumn: last % SPAN_COLUMNS,
  };
}

export class Property {
  name: string;
  value: PropertyValue;
  /**
   * The labels, made on first use: most properties (all of a blob's) have
   * none, and an empty array per property was an eighth of readDtb's heap.
   */
  private l: Label[] | undefined = undefined;
  deleted = false;
  /**
   * The position object, or the file name of a span the parser set
   * (setSpan) as two packed integers, made into an object on first read. A
   * compile makes a position per property and reads one only for a
   * diagnostic; a million small objects are a tenth of what the parser
   * allocates, and the collector copies each of them twice. (The file name
   * shares this field so that trees read from a blob pay two fields, not three.)
   */
  private pos: SourcePosition | string | undefined;
  private spanFirst = 0;
  private spanLast = 0;

  constructor(name: string, value: PropertyValue = new PropertyValue(), position?: SourcePosition) {
    this.name = name;
    this.value = value;
    this.pos = position;
  }

  get position(): SourcePosition | undefined {
    const pos = this.pos;
    if (typeof pos !== 'string') return pos;
    return (this.pos = unpackSpan(pos, this.spanFirst, this.spanLast));
  }

  set position(position: SourcePosition | undefined) {
    this.pos = position;
  }

  /** Set the position from numbers, made into a SourcePosition only if `position` is read. */
  setSpan(file: string, firstLine: number, firstColumn: number, lastLine: number, lastColumn: number): void {
    if (spanPacks(firstLine, firstColumn, lastLine, lastColumn)) {
      this.pos = file;
      this.spanFirst = firstLine * SPAN_COLUMNS + firstColumn;
      this.spanLast = lastLine * SPAN_COLUMNS + lastColumn;
    } else {
      this.position = { file, firstLine, firstColumn, lastLine, lastColumn };
    }
  }

  get labels(): Label[] {
    return (this.l ??= []);
  }

  set labels(labels: Label[]) {
    this.l = labels;
  }

  /** Whether it has any label (deleted ones included), without making the array. */
  get hasLabels(): boolean {
    return this.l !== undefined && this.l.length !== 0;
  }

  get bytes(): Uint8Array {
    return this.value.bytes;
  }
}

/**
 * Node repeats Property's labels and position accessors rather than sharing
 * a base class: with one (a derived class's constructor calling super),
 * readDtb took 592–736 µs per call against 456–634 µs, alternating runs.
 */
export class Node {
  /** Full node name including the unit address (`cpu@0`); empty for the root. */
  name: string;
  properties: Property[] = [];
  children: Node[] = [];
  parent?: Node;
  /** The labels, made on first use (as Property's: most nodes of a blob have none). */
  private l: Label[] | undefined = undefined;
  deleted = false;
  /** 0 = none yet; 0xffffffff = marked unresolved (plugin). */
  phandle = 0;
  /** As Property's: the position object, or the file of a span kept as numbers until read (setSpan). */
  private pos: SourcePosition | string | undefined;
  private spanFirst = 0;
  private spanLast = 0;
  /** Source blocks merged into this node after the first (dtc's srcpos list; "also defined at"). */
  alsoDefinedAt?: SourcePosition[];
  omitIfUnused = false;
  isReferenced = false;
  /** Cached by checks (`#address-cells` / `#size-cells` of this node, -1 unknown). */
  addrCells = -1;
  sizeCells = -1;
  /** Bus type name set by the checks' bus detection (e.g. `pci`, `simple-bus`). */
  bus?: string;

  constructor(name = '', position?: SourcePosition) {
    this.name = name;
    this.pos = position;
  }

  get position(): SourcePosition | undefined {
    const pos = this.pos;
    if (typeof pos !== 'string') return pos;
    return (this.pos = unpackSpan(pos, this.spanFirst, this.spanLast));
  }

  set position(position: SourcePosition | undefined) {
    this.pos = position;
  }

  /** Set the position from numbers, made into a SourcePosition only if `position` is read. */
  setSpan(file: string, firstLine: number, firstColumn: number, lastLine: number, lastColumn: number): void {
    if (spanPacks(firstLine, firstColumn, lastLine, lastColumn)) {
      this.pos = file;
      this.spanFirst = firstLine * SPAN_COLUMNS + firstColumn;
      this.spanLast = lastLine * SPAN_COLUMNS + lastColumn;
    } else {
      this.position = { file, firstLine, firstColumn, lastLine, lastColumn };
    }
  }

  get labels(): Label[] {
    return (this.l ??= []);
  }

  set labels(labels: Label[]) {
    this.l = labels;
  }

  /** Whether it has any label (deleted ones included), without making the array. */
  get hasLabels(): boolean {
    return this.l !== undefined && this.l.length !== 0;
  }

  /** Non-deleted properties, in order. */
  *liveProperties(): IterableIterator<Property> {
    for (const p of this.properties) if (!p.deleted) yield p;
  }

  /** Non-deleted children, in order. */
  *liveChildren(): IterableIterator<Node> {
    for (const c of this.children) if (!c.deleted) yield c;
  }

  /** dtc's get_property: first non-deleted property with that name. */
  getProperty(name: string): Property | undefined {
    const list = this.properties;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p.name === name && !p.deleted) return p;
    }
    return undefined;
  }

  /** dtc's get_subnode: exact name match among non-deleted children. */
  getChild(name: string): Node | undefined {
    for (const c of this.children) if (!c.deleted && c.name === name) return c;
    return undefined;
  }

  /** Append a property (dtc's add_property). */
  addProperty(prop: Property): Property {
    this.properties.push(prop);
    return prop;
  }

  /** Append a child (dtc's add_child). */
  addChild(child: Node): Node {
    child.parent = this;
    this.children.push(child);
    return child;
  }

  /** Name before `@`. */
  get baseName(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** Unit address after `@`, or '' (dtc's get_unitname). */
  get unitAddress(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? '' : this.name.slice(at + 1);
  }

  /** Full path from the root, `/` for the root. Computed, so it follows renames and moves. */
  get path(): string {
    if (!this.parent) return '/';
    const parts: string[] = [];
    for (let n: Node | undefined = this; n?.parent; n = n.parent) parts.push(n.name);
    return `/${parts.reverse().join('/')}`;
  }
}

export interface ReserveEntry {
  address: bigint;
  size: bigint;
  labels: Label[];
}

/** dtc's dt_info: the tree plus header-level information. */
export class DeviceTree {
  root: Node;
  reservations: ReserveEntry[] = [];
  bootCpuidPhys = 0;
  /** `/dts-v1/` seen (always true for accepted DTS; true for DTB input). */
  dtsV1 = true;
  /** `/plugin/` seen. */
  plugin = false;
  /** Next candidate for automatic phandle assignment (dtc's static counter). */
  nextPhandle = 1;

  constructor(root: Node = new Node('')) {
    this.root = root;
  }
}

/** dtc's get_node_by_path: components match full names; leading slashes skipped. */
export function getNodeByPath(tree: Node, path: string): Node | undefined {
  let node: Node | undefined = tree;
  if (tree.deleted) return undefined;
  for (const part of path.split('/')) {
    if (part === '') continue;
    node = node.getChild(part);
    if (!node) return undefined;
  }
  return node;
}

/** dtc's get_node_by_label: depth-first, a node's live labels before its live children. */
export function getNodeByLabel(tree: Node, label: string): Node | undefined {
  // a loop with its own stack, not walkNodes: the merges of a DTS without a label index call this per reference
  const work: Node[] = [tree];
  while (work.length) {
    const n = work.pop()!;
    if (n.hasLabels) for (const l of n.labels) if (!l.deleted && l.name === label) return n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i]!;
      if (!c.deleted) work.push(c);
    }
  }
  return undefined;
}

/** dtc's get_node_by_phandle (0 and 0xffffffff never match; deleted nodes are not found). */
export function getNodeByPhandle(tree: Node, phandle: number): Node | undefined {
  if (phandle === 0 || phandle === 0xffffffff) return undefined;
  if (tree.deleted) return undefined;
  for (const n of walkNodes(tree)) if (n.phandle === phandle) return n;
  return undefined;
}

/** dtc's get_node_by_ref: `/` is the root, `/path` a path, otherwise a label. */
export function getNodeByRef(tree: Node, ref: string): Node | undefined {
  if (ref === '/') return tree;
  if (ref.startsWith('/')) return getNodeByPath(tree, ref);
  return getNodeByLabel(tree, ref);
}

/** Depth-first walk of live nodes, parents before children (iterative: trees can be very deep). */
export function* walkNodes(node: Node): IterableIterator<Node> {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i]!;
      if (!c.deleted) stack.push(c);
    }
  }
}

/** dtc's guess_boot_cpuid: `reg` of the first (even deleted) child of /cpus when it is one cell. */
export function guessBootCpuid(root: Node): number {
  const cpus = getNodeByPath(root, '/cpus');
  const first = cpus?.children[0];
  const reg = first?.getProperty('reg');
  if (!reg || reg.bytes.length !== 4) return 0;
  return new DataView(reg.bytes.buffer, reg.bytes.byteOffset, 4).getUint32(0);
}
