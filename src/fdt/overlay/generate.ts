/**
 * Generated overlay nodes, with dtc 1.6.1's rules: `/aliases` (-A) and
 * `/__symbols__` (-@) map every live label to its node's path;
 * `/__fixups__` lists each phandle reference that does not resolve in this
 * tree, `/__local_fixups__` mirrors the nodes whose phandle references do.
 *
 * Runs after the checks. References are resolved again here, against the
 * tree as it is at that moment (including nodes generated just before), as
 * dtc does; that is what decides fixup versus local fixup, not the bytes the
 * checks wrote. dtc resolves each reference by walking the tree; we use
 * per-call indexes giving the same first match, so the work stays linear.
 */
import { type Marker, type MarkerType, PropertyValue, ValueBuilder } from '../tree/data.js';
import { FdtError } from '../errors.js';
import { type DeviceTree, Node, Property } from '../tree/livetree.js';
import { type PhandleFormat, assignPhandle } from '../tree/phandles.js';
import { nameToByteString } from '../dtb/string-table.js';

export type WarningSink = (msg: string) => void;

/**
 * dtc's get_node_by_ref with indexes: labels map to the first live node in
 * depth-first order carrying them; path components are looked up through a
 * per-parent map of the first live child of each name, kept current for
 * children this module adds.
 */
class RefResolver {
  /** Built on the first label lookup; labels never change while we generate. */
  private labels?: Map<string, Node>;
  private readonly childMaps = new Map<Node, Map<string, Node>>();

  constructor(private readonly root: Node) {}

  private indexLabels(): Map<string, Node> {
    const labels = new Map<string, Node>();
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.hasLabels) {
        for (const l of node.labels) {
          if (!l.deleted && !labels.has(l.name)) labels.set(l.name, node);
        }
      }
      for (let i = node.children.length - 1; i >= 0; i--) {
        const c = node.children[i]!;
        if (!c.deleted) stack.push(c);
      }
    }
    return labels;
  }

  /** dtc's get_subnode: first live child with exactly that name. */
  child(parent: Node, name: string): Node | undefined {
    let map = this.childMaps.get(parent);
    if (!map) {
      map = new Map();
      for (const c of parent.children) if (!c.deleted && !map.has(c.name)) map.set(c.name, c);
      this.childMaps.set(parent, map);
    }
    return map.get(name);
  }

  /** Append a new empty child named `name` (dtc's build_and_name_child_node). */
  addChild(parent: Node, name: string): Node {
    const node = parent.addChild(new Node(name));
    const map = this.childMaps.get(parent);
    if (map && !map.has(name)) map.set(name, node);
    return node;
  }

  resolve(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    if (ref.startsWith('/')) return this.byPath(ref);
    this.labels ??= this.indexLabels();
    return this.labels.get(ref);
  }

  /** dtc's get_node_by_path: empty components are skipped, the root itself is `/`. */
  private byPath(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of path.split('/')) {
      if (part === '') continue;
      node = this.child(node, part);
      if (!node) return undefined;
    }
    return node.deleted ? undefined : node;
  }
}

/**
 * Properties added or extended in one generated node. dtc's get_property
 * scans the list and each append copies the value; we keep a name map and
 * one growing builder per property, written back by `flush`.
 */
class PropertyAppender {
  private readonly byName = new Map<string, Property>();
  private readonly pending = new Map<Property, ValueBuilder>();

  constructor(private readonly node: Node) {
    this.refresh();
  }

  /** Re-read the node's properties after someone else added some. */
  refresh(): void {
    for (const p of this.node.properties) if (!p.deleted && !this.byName.has(p.name)) this.byName.set(p.name, p);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  add(name: string, value: PropertyValue): void {
    const prop = this.node.addProperty(new Property(name, value));
    this.byName.set(name, prop);
  }

  /** dtc's append_to_property: a type marker at the old end, then the bytes. */
  append(name: string, bytes: Uint8Array, type: MarkerType): void {
    let prop = this.byName.get(name);
    if (!prop) {
      prop = this.node.addProperty(new Property(name));
      this.byName.set(name, prop);
    }
    let builder = this.pending.get(prop);
    if (!builder) {
      builder = new ValueBuilder(Math.max(16, prop.value.length + bytes.length));
      builder.appendValue(prop.value);
      this.pending.set(prop, builder);
    }
    builder.addMarker(type).appendBytes(bytes);
  }

  flush(): void {
    for (const [prop, builder] of this.pending) prop.value = builder.build();
    this.pending.clear();
  }
}

/** dtc's build_root_node: reuse a live child of the root with that name, else append one. */
function rootChild(tree: DeviceTree, resolver: RefResolver, name: string): Node {
  return resolver.child(tree.root, name) ?? resolver.addChild(tree.root, name);
}

interface Frame {
  node: Node;
  path: string;
  next: number;
}

/**
 * Depth-first over live nodes, a node before its children, handing each its
 * full path as a byte string (one char per byte, the blob convention). Children appended while the walk runs are visited too, as with
 * dtc's linked lists. Iterative so deep trees do not exhaust the stack.
 * `ancestors` is the walk's own stack (root first), valid during the call.
 */
function walkWithPaths(
  root: Node,
  visit: (node: Node, path: string, ancestors: readonly Frame[]) => void,
  wantPaths = true,
): void {
  visit(root, '/', []);
  const stack: Frame[] = [{ node: root, path: '/', next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.node.children.length) {
      stack.pop();
      continue;
    }
    const child = top.node.children[top.next++]!;
    if (child.deleted) continue;
    const path = wantPaths ? joinPath(top.path, nameToByteString(child.name)) : '';
    visit(child, path, stack);
    stack.push({ node: child, path, next: 0 });
  }
}

function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Calls `fn` for every `<&ref>` marker of the node's live properties, in property then marker order. */
function forEachPhandleRef(node: Node, fn: (prop: Property, marker: Marker, ref: string) => void): void {
  for (const prop of node.properties) {
    if (prop.deleted) continue;
    for (const marker of prop.value.markers) {
      if (marker.type === 'ref-phandle' && marker.ref !== undefined) fn(prop, marker, marker.ref);
    }
  }
}

/** Whether some live `<&ref>` of the node resolves (or does not, with `want` false). */
function hasRefResolving(node: Node, resolver: RefResolver, want: boolean): boolean {
  for (const prop of node.properties) {
    if (prop.deleted) continue;
    for (const m of prop.value.markers) {
      if (m.type === 'ref-phandle' && m.ref !== undefined && (resolver.resolve(m.ref) !== undefined) === want) return true;
    }
  }
  return false;
}

/** Whether any live node (depth-first) satisfies `test`; dtc's any_*_tree. */
function anyNode(root: Node, test: (node: Node) => boolean): boolean {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (test(node)) return true;
    for (const c of node.children) if (!c.deleted) stack.push(c);
  }
  return false;
}

// ---------------------------------------------------------------------------
// Label trees: /aliases and /__symbols__

/**
 * Add one string property per live label to `/<name>` (created as the last
 * child of the root unless a live one exists), with the labelled node's path
 * as value. With `allocPhandle`, every labelled node gets a phandle; like
 * dtc this includes nodes whose labels were all deleted (a revived node).
 * A label whose property already exists is skipped with dtc's warning,
 * which dtc prints without a trailing newline.
 */
export function generateLabelTree(
  tree: DeviceTree,
  name: string,
  allocPhandle: boolean,
  phandleFormat: PhandleFormat = 'epapr',
  onWarning?: WarningSink,
): void {
  // dtc tests the label list itself, so deleted labels count here.
  if (!anyNode(tree.root, (n) => n.hasLabels)) return;
  const resolver = new RefResolver(tree.root);
  const target = rootChild(tree, resolver, name);
  const props = new PropertyAppender(target);
  walkWithPaths(tree.root, (node, path) => {
    if (!node.hasLabels) return;
    for (const label of node.labels) {
      if (label.deleted) continue;
      if (props.has(label.name)) {
        onWarning?.(`WARNING: label ${label.name} already exists in /${target.name}`);
        continue;
      }
      props.add(label.name, new PropertyValue(escapedString(path), [{ type: 'string', offset: 0 }]));
    }
    if (allocPhandle) {
      assignPhandle(tree, node, phandleFormat);
      // A labelled generated node just got phandle properties behind our back.
      if (node === target) props.refresh();
    }
  });
}

/**
 * The path as a NUL-terminated string after C escape processing, as dtc's
 * data_copy_escape_string does (it matters only for names with `\`, which
 * can come from a dtb).
 */
function escapedString(path: string): Uint8Array {
  const src = byteStringBytes(path);
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i++]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const r = escapeChar(src, i);
    out.push(r.value & 0xff);
    i = r.next;
  }
  out.push(0);
  return Uint8Array.from(out);
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

/** dtc's get_escape_char on bytes; `i` is just after the backslash, reading past the end sees NUL. */
function escapeChar(s: Uint8Array, i: number): { value: number; next: number } {
  const c = i < s.length ? s[i]! : 0;
  const ch = String.fromCharCode(c);
  if (ch in SIMPLE_ESCAPES) return { value: SIMPLE_ESCAPES[ch]!, next: i + 1 };
  if (c >= 0x30 && c <= 0x37) return strtolWindow(s, i, 3, 8)!;
  if (ch === 'x') {
    const r = strtolWindow(s, i + 1, 2, 16);
    if (!r) {
      throw new FdtError('ESCAPE_NO_HEX_DIGITS', '\\x used with no following hex digits', {
        hint: 'a node name contains "\\x" without hex digits after it',
      });
    }
    return r;
  }
  return { value: c, next: i + 1 };
}

const C_SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/**
 * strtol over at most `width` bytes from `start` (a NUL ends the window
 * early), as dtc reads octal and hex escapes: leading C whitespace and one
 * sign are accepted. Undefined when no digit follows.
 */
function strtolWindow(s: Uint8Array, start: number, width: number, base: 8 | 16): { value: number; next: number } | undefined {
  const win: number[] = [];
  for (let k = start; k < start + width && k < s.length && s[k] !== 0; k++) win.push(s[k]!);
  let j = 0;
  while (j < win.length && C_SPACE.has(win[j]!)) j++;
  let sign = 1;
  if (j < win.length && (win[j] === 0x2b || win[j] === 0x2d)) {
    if (win[j] === 0x2d) sign = -1;
    j++;
  }
  let value = 0;
  let digits = 0;
  while (j < win.length) {
    const d = digitValue(win[j]!);
    if (d >= base) break;
    value = value * base + d;
    digits++;
    j++;
  }
  if (digits === 0) return undefined;
  return { value: sign * value, next: start + j };
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return 99;
}

// ---------------------------------------------------------------------------
// Fixups: /__fixups__ and /__local_fixups__

/**
 * One property per unresolved reference target in `/<name>`, each use
 * appended as the string `"<node path>:<property>:<byte offset>"`, in
 * depth-first order. Nothing is generated when every reference resolves.
 */
export function generateFixupsTree(tree: DeviceTree, name = '__fixups__', _onWarning?: WarningSink): void {
  const resolver = new RefResolver(tree.root);
  if (!anyNode(tree.root, (n) => hasRefResolving(n, resolver, false))) return;
  const target = rootChild(tree, resolver, name);
  const props = new PropertyAppender(target);
  walkWithPaths(tree.root, (node, path) => {
    forEachPhandleRef(node, (prop, marker, ref) => {
      if (resolver.resolve(ref)) return;
      if (path.includes(':') || nameToByteString(prop.name).includes(':')) {
        throw new FdtError('FIXUP_NAME_HAS_COLON', "arguments should not contain ':'", {
          path: `${path}:${prop.name}`,
          hint: 'a fixup entry is "path:property:offset", so neither name may contain a colon',
        });
      }
      const entry = `${path}:${nameToByteString(prop.name)}:${marker.offset >>> 0}\0`;
      props.append(ref, byteStringBytes(entry), 'string');
    });
  });
  props.flush();
}

/**
 * For each resolved reference, the byte offset (u32) appended to the
 * same-named property of the mirror of its node under `/<name>`; mirror
 * nodes are created on first use, in depth-first order.
 */
export function generateLocalFixupsTree(tree: DeviceTree, name = '__local_fixups__', _onWarning?: WarningSink): void {
  const resolver = new RefResolver(tree.root);
  if (!anyNode(tree.root, (n) => hasRefResolving(n, resolver, true))) return;
  const target = rootChild(tree, resolver, name);
  const mirrors = new Map<Node, Node>([[tree.root, target]]);
  const appenders = new Map<Node, PropertyAppender>();
  // dtc walks the node's path from the top for every entry; remembering
  // each node's mirror gives the same nodes (children are only ever added).
  // Ancestors come from the walk, not from `parent` links, so a tree built
  // with inconsistent links cannot send this off the root.
  const mirrorOf = (node: Node, ancestors: readonly Frame[]): Node => {
    let m = mirrors.get(node);
    if (m) return m;
    let k = ancestors.length - 1;
    while (!mirrors.has(ancestors[k]!.node)) k--;
    m = mirrors.get(ancestors[k]!.node)!;
    const chain = [...ancestors.slice(k + 1).map((f) => f.node), node];
    for (const c of chain) {
      m = resolver.child(m, c.name) ?? resolver.addChild(m, c.name);
      mirrors.set(c, m);
    }
    return m;
  };
  walkWithPaths(tree.root, (node, _path, ancestors) => {
    forEachPhandleRef(node, (prop, marker, ref) => {
      if (!resolver.resolve(ref)) return;
      const m = mirrorOf(node, ancestors);
      let props = appenders.get(m);
      if (!props) {
        props = new PropertyAppender(m);
        appenders.set(m, props);
      }
      props.append(prop.name, cellBytes(marker.offset), 'uint32');
    });
  }, false);
  for (const props of appenders.values()) props.flush();
}

function byteStringBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function cellBytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}
