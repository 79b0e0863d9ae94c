/**
 * Tree-level mutations of a boot configuration: what a hand-edited DTS or a
 * buggy generator does to /chosen — properties and nodes dropped,
 * duplicated, renamed, moved; values swapped, cut, extended, replaced by
 * other cells, strings or phandles (also to the wrong node). Indices are
 * taken modulo what the tree has, so any generated mutation applies to any
 * tree. The mutated tree goes through writeDtb and readDtb afterwards, so
 * the readers only ever see trees a real DTB can hold.
 */
import fc from 'fast-check';
import { DeviceTree, Node, Property, PropertyValue, walkNodes } from '../../src/index.js';

export type TreeMutationKind =
  | 'dropProperty' | 'duplicateProperty' | 'renameProperty' | 'addProperty'
  | 'dropNode' | 'duplicateNode' | 'renameNode' | 'moveNode'
  | 'swapValues' | 'truncateValue' | 'extendValue'
  | 'setCells' | 'setString' | 'setPhandle';

/** Numbers only mean something per kind (which node, which property, which word). */
export interface TreeMutation {
  kind: TreeMutationKind;
  /** Pick among /chosen's subtree (true) or the whole tree. */
  inChosen: boolean;
  a: number;
  b: number;
  c: number;
}

/** Names, strings and numbers gathered from the seed trees plus known awkward ones. */
export interface Vocabulary {
  propertyNames: string[];
  nodeNames: string[];
  strings: string[];
}

const AWKWARD_CELLS = [0, 1, 2, 3, 4, 0x7f, 0xff, 0x100, 0x1000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x40000000, 0x50000000, 65, 1023, 1024, 4096];
const AWKWARD_STRINGS = ['', 'x', 'none', 'null', 'okay', 'disabled', 'a'.repeat(300), 'multiboot,module', 'xen,domain', 'xen,cpupool',
  'multiboot,kernel', 'multiboot,ramdisk', 'multiboot,device-tree', 'hypervisor,xen', 'xen,linux-zimage', 'xen,multiboot-module',
  '/chosen', '/cpus/cpu@0', '/nonexistent', 'domU1', 'domU1@1', 'credit2', 'arinc653', 'console=hvc0', '\u00ff\u00fe'];
const AWKWARD_NAMES = ['', '#address-cells', '#size-cells', 'reg', 'compatible', 'phandle', 'linux,phandle', 'status', 'capabilities',
  'domid', 'mode', 'cpus', 'memory', 'bootargs', 'xen,xen-bootargs', 'xen,static-mem', 'direct-map', 'cpupool_id', 'domain-cpupool'];

function collect(tree: DeviceTree, v: { props: Set<string>; nodes: Set<string>; strings: Set<string> }): void {
  for (const n of walkNodes(tree.root)) {
    if (n.parent) v.nodes.add(n.name);
    for (const p of n.properties) {
      v.props.add(p.name);
      const b = p.value.bytes;
      // Printable NUL-separated text is a string list: keep each piece.
      if (b.length > 1 && b[b.length - 1] === 0 && b.every((x) => x === 0 || (x >= 0x20 && x < 0x7f))) {
        for (const s of new TextDecoder().decode(b.subarray(0, -1)).split('\0')) v.strings.add(s);
      }
    }
  }
}

export function vocabularyOf(trees: DeviceTree[]): Vocabulary {
  const v = { props: new Set(AWKWARD_NAMES), nodes: new Set(['hypervisor', 'domU1', 'module@0', 'cpupool', 'x@0', 'cpu@9']), strings: new Set(AWKWARD_STRINGS) };
  for (const t of trees) collect(t, v);
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return { propertyNames: sorted(v.props), nodeNames: sorted(v.nodes), strings: sorted(v.strings) };
}

const KINDS: TreeMutationKind[] = ['dropProperty', 'duplicateProperty', 'renameProperty', 'addProperty', 'dropNode', 'duplicateNode', 'renameNode',
  'moveNode', 'swapValues', 'truncateValue', 'extendValue', 'setCells', 'setString', 'setPhandle'];

export const treeMutationArb: fc.Arbitrary<TreeMutation> = fc.record({
  kind: fc.constantFrom(...KINDS),
  // Two in three inside /chosen: the boot configuration lives there.
  inChosen: fc.nat(2).map((x) => x > 0),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

function chosen(tree: DeviceTree): Node | undefined {
  return tree.root.getChild('chosen');
}

function nodesOf(tree: DeviceTree, inChosen: boolean): Node[] {
  const top = (inChosen && chosen(tree)) || tree.root;
  return [...walkNodes(top)];
}

function pick<T>(xs: readonly T[], i: number): T | undefined {
  return xs.length ? xs[i % xs.length] : undefined;
}

function cloneNode(n: Node): Node {
  const c = new Node(n.name);
  for (const p of n.properties) c.addProperty(new Property(p.name, p.value.clone()));
  for (const k of n.children) c.addChild(cloneNode(k));
  return c;
}

function isInside(n: Node, ancestor: Node): boolean {
  for (let x: Node | undefined = n; x; x = x.parent) if (x === ancestor) return true;
  return false;
}

/** Cells: 0..4 of them, from the awkward list or any 32-bit value. */
function cells(b: number, c: number): PropertyValue {
  const count = b % 5;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const seed = (c >>> (i * 7)) ^ (b * 2654435761);
    out.push(i % 2 === 0 ? AWKWARD_CELLS[Math.abs(seed) % AWKWARD_CELLS.length]! : seed >>> 0);
  }
  return PropertyValue.fromCells(out);
}

function bytesOf(s: string): PropertyValue {
  return new PropertyValue(new Uint8Array([...s].map((ch) => ch.charCodeAt(0) & 0xff)));
}

/** A string, a two-string list, or one without its NUL. */
function stringValue(v: Vocabulary, b: number, c: number): PropertyValue {
  const s = pick(v.strings, b) ?? '';
  if (c % 4 === 1) return PropertyValue.fromString(s).concat(PropertyValue.fromString(pick(v.strings, c) ?? ''));
  if (c % 4 === 2) return bytesOf(s);
  return PropertyValue.fromString(s);
}

/** A phandle of some node (often the wrong kind of node), or one no node has. */
function phandleValue(tree: DeviceTree, b: number, c: number): PropertyValue {
  const handles: number[] = [];
  for (const n of walkNodes(tree.root)) {
    const p = n.getProperty('phandle');
    if (p && p.value.bytes.length === 4) handles.push(new DataView(p.value.bytes.buffer, p.value.bytes.byteOffset).getUint32(0));
  }
  const wrong = [0, 0xffffffff, 0xdead, handles.length + 100];
  const h = c % 3 === 0 || handles.length === 0 ? wrong[b % wrong.length]! : handles[b % handles.length]!;
  return PropertyValue.fromCells(c % 5 === 4 ? [h, h] : [h]);
}

export function applyTreeMutation(tree: DeviceTree, m: TreeMutation, v: Vocabulary): void {
  const nodes = nodesOf(tree, m.inChosen);
  const node = pick(nodes, m.a)!;
  const prop = pick(node.properties, m.b);
  switch (m.kind) {
    case 'dropProperty':
      if (prop) node.properties.splice(node.properties.indexOf(prop), 1);
      return;
    case 'duplicateProperty':
      if (prop) node.properties.splice(m.c % (node.properties.length + 1), 0, new Property(prop.name, prop.value.clone()));
      return;
    case 'renameProperty':
      if (prop) prop.name = pick(v.propertyNames, m.c)!;
      return;
    case 'addProperty': {
      const values = [new PropertyValue(), cells(m.b, m.c), stringValue(v, m.b, m.c), phandleValue(tree, m.b, m.c)];
      node.addProperty(new Property(pick(v.propertyNames, m.c)!, values[m.b % values.length]!));
      return;
    }
    case 'dropNode':
      if (node.parent) node.parent.children.splice(node.parent.children.indexOf(node), 1);
      return;
    case 'duplicateNode':
      if (node.parent) node.parent.addChild(cloneNode(node));
      return;
    case 'renameNode':
      if (node.parent) node.name = pick(v.nodeNames, m.c)!;
      return;
    case 'moveNode': {
      const to = pick(nodesOf(tree, m.c % 2 === 0), m.b)!;
      if (!node.parent || isInside(to, node)) return;
      node.parent.children.splice(node.parent.children.indexOf(node), 1);
      to.addChild(node);
      return;
    }
    case 'swapValues': {
      const other = pick(nodes, m.c)!;
      const q = pick(other.properties, m.b >>> 3);
      if (prop && q) [prop.value, q.value] = [q.value, prop.value];
      return;
    }
    case 'truncateValue':
      if (prop) prop.value = new PropertyValue(prop.value.bytes.slice(0, m.c % (prop.value.bytes.length + 1)));
      return;
    case 'extendValue':
      if (prop) prop.value = prop.value.concat(m.c % 2 ? cells(m.c, m.b) : bytesOf(String.fromCharCode(m.c & 0xff, (m.c >>> 8) & 0xff)));
      return;
    case 'setCells':
      if (prop) prop.value = cells(m.c, m.b);
      return;
    case 'setString':
      if (prop) prop.value = stringValue(v, m.c, m.b);
      return;
    case 'setPhandle':
      if (prop) prop.value = phandleValue(tree, m.c, m.b);
      return;
  }
}

export function describeTreeMutation(m: TreeMutation): string {
  return `${m.kind}(${m.inChosen ? 'chosen' : 'tree'},${m.a},${m.b},${m.c})`;
}
