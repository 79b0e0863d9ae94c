/**
 * Tree edits the DTS parser performs while reading, with dtc's livetree
 * semantics: merging a redefinition into an existing node, deleting by
 * marking (so a later re-definition revives the entry in place), overlay
 * fragments for `&ref { }` in plugins, and reference lookup during parsing.
 * Everything is iterative so deep trees cannot exhaust the JS stack.
 */
import { ValueBuilder } from './data.js';
import { Node, Property, addLabel, getNodeByLabel, type Label } from './livetree.js';

interface Named {
  name: string;
  deleted: boolean;
}

interface NameIndex<T extends Named> {
  indexed: number;
  byName: Map<string, T[]>;
}

/** Lists shorter than this are scanned; longer ones get a name index. */
const SCAN_LIMIT = 32;

/**
 * Name lookups in child and property lists for one parse. While parsing,
 * those lists only ever grow at the end, so the index of a list just catches
 * up with what was appended since; that is why it is tied to a parse and not
 * kept on the tree, where later passes may reorder or drop entries.
 */
export class NameCache {
  private readonly indexes = new WeakMap<readonly Named[], NameIndex<Named>>();

  /** Entries of `list` called `name`, in list order, deleted ones included. */
  named<T extends Named>(list: readonly T[], name: string): readonly T[] {
    if (list.length < SCAN_LIMIT) return list.filter((e) => e.name === name);
    let idx = this.indexes.get(list) as NameIndex<T> | undefined;
    if (!idx) {
      idx = { indexed: 0, byName: new Map() };
      this.indexes.set(list, idx as unknown as NameIndex<Named>);
    }
    for (; idx.indexed < list.length; idx.indexed++) {
      const e = list[idx.indexed]!;
      const same = idx.byName.get(e.name);
      if (same) same.push(e);
      else idx.byName.set(e.name, [e]);
    }
    return idx.byName.get(name) ?? [];
  }
}

function named<T extends Named>(list: readonly T[], name: string, cache: NameCache | undefined): readonly T[] {
  return cache ? cache.named(list, name) : list.filter((e) => e.name === name);
}

/** First entry of that name, deleted or not (dtc's `for_each_*_withdel` + streq). */
function firstNamed<T extends Named>(list: readonly T[], name: string, cache?: NameCache): T | undefined {
  // Short lists (most of them) are scanned in place, without the array of all matches.
  if (list.length < SCAN_LIMIT) {
    for (const e of list) if (e.name === name) return e;
    return undefined;
  }
  return named(list, name, cache)[0];
}

/** First live entry of that name (dtc's `for_each_*` + streq). */
function firstLiveNamed<T extends Named>(list: readonly T[], name: string, cache?: NameCache): T | undefined {
  const candidates = list.length < SCAN_LIMIT ? list : named(list, name, cache);
  for (const e of candidates) if (!e.deleted && e.name === name) return e;
  return undefined;
}

function deleteLabels(labels: Label[]): void {
  for (const l of labels) l.deleted = true;
}

/** dtc's delete_property: mark it and its labels deleted. */
export function deleteProperty(prop: Property): void {
  prop.deleted = true;
  deleteLabels(prop.labels);
}

/** dtc's delete_property_by_name: the first property of that name, deleted or not. */
export function deletePropertyByName(node: Node, name: string, names?: NameCache): void {
  const prop = firstNamed(node.properties, name, names);
  if (prop) deleteProperty(prop);
}

/** dtc's delete_node: the node, its live subtree, their live properties and labels. */
export function deleteNode(node: Node): void {
  const work: Node[] = [node];
  while (work.length) {
    const n = work.pop()!;
    n.deleted = true;
    for (const c of n.children) if (!c.deleted) work.push(c);
    for (const p of n.properties) if (!p.deleted) deleteProperty(p);
    if (n.hasLabels) deleteLabels(n.labels);
  }
}

/** dtc's delete_node_by_name: the first child of that name, deleted or not. */
export function deleteNodeByName(parent: Node, name: string, names?: NameCache): void {
  const child = firstNamed(parent.children, name, names);
  if (child) deleteNode(child);
}

/** `/delete-property/ name;` inside a node body: a deleted placeholder property. */
export function buildPropertyDelete(name: string): Property {
  const p = new Property(name);
  p.deleted = true;
  return p;
}

/** `/delete-node/ name;` inside a node body: a deleted placeholder child. */
export function buildNodeDelete(name: string, position: Node['position']): Node {
  const n = new Node(name, position);
  n.deleted = true;
  return n;
}

function mergeProperties(oldNode: Node, newNode: Node, names: NameCache | undefined): void {
  for (const np of newNode.properties) {
    if (np.deleted) {
      deletePropertyByName(oldNode, np.name, names);
      continue;
    }
    const op = firstNamed(oldNode.properties, np.name, names);
    if (op) {
      if (np.hasLabels) for (const l of np.labels) addLabel(op.labels, l.name);
      op.value = np.value;
      op.deleted = false;
      op.position = np.position;
    } else {
      oldNode.addProperty(np);
    }
  }
}

interface MergeFrame {
  oldNode: Node;
  newNode: Node;
  nextChild: number;
}

/**
 * dtc's merge_nodes: revive `oldNode`, take over labels, replace colliding
 * properties in place and append new ones, then merge or append children in
 * order. The node keeps its first source position (dtc prints only that one).
 */
export function mergeNodes(oldNode: Node, newNode: Node, index?: TreeIndex): Node {
  const stack: MergeFrame[] = [startMerge(oldNode, newNode, index)];
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    const children = f.newNode.children;
    let descended = false;
    while (f.nextChild < children.length) {
      const nc = children[f.nextChild++]!;
      if (nc.deleted) {
        deleteNodeByName(f.oldNode, nc.name, index?.names);
        continue;
      }
      const oc = firstNamed(f.oldNode.children, nc.name, index?.names);
      if (oc) {
        stack.push(startMerge(oc, nc, index));
        descended = true;
        break;
      }
      f.oldNode.addChild(nc);
      index?.addSubtree(nc);
    }
    if (!descended) {
      // dtc extends the position list after the children are merged.
      extendPositions(f.oldNode, f.newNode);
      stack.pop();
    }
  }
  return oldNode;
}

/** dtc's srcpos_extend: the old node keeps its first position and lists the new node's after it. */
function extendPositions(oldNode: Node, newNode: Node): void {
  const added = [...(newNode.position ? [newNode.position] : []), ...(newNode.alsoDefinedAt ?? [])];
  if (!oldNode.position) {
    oldNode.position = added.shift();
  }
  if (added.length) (oldNode.alsoDefinedAt ??= []).push(...added);
}

function startMerge(oldNode: Node, newNode: Node, index: TreeIndex | undefined): MergeFrame {
  oldNode.deleted = false;
  if (newNode.hasLabels) {
    for (const l of newNode.labels) addLabel(oldNode.labels, l.name);
    index?.add(oldNode);
  }
  mergeProperties(oldNode, newNode, index?.names);
  return { oldNode, newNode, nextChild: 0 };
}

/**
 * dtc's add_orphan_node: in a plugin, `&ref { … }` becomes
 * `fragment@N { target = <&ref>; __overlay__ { … }; }` (or `target-path`
 * for a path) appended to `root`.
 */
export function addOrphanNode(root: Node, overlay: Node, ref: string, index: number): void {
  const b = new ValueBuilder();
  let prop: Property;
  if (ref.startsWith('/')) {
    b.addMarker('string', ref);
    b.appendBytes(new TextEncoder().encode(ref)).appendByte(0);
    prop = new Property('target-path', b.build());
  } else {
    b.addMarker('ref-phandle', ref);
    b.appendCell(0xffffffff);
    prop = new Property('target', b.build());
  }
  overlay.name = '__overlay__';
  const fragment = new Node(`fragment@${index}`);
  fragment.addProperty(prop);
  fragment.addChild(overlay);
  root.addChild(fragment);
}

/** dtc's get_node_by_path: leading slashes skipped, exact names, first live match decides. */
export function findNodeByPath(tree: Node, path: string, names?: NameCache): Node | undefined {
  let node = tree;
  let rest = path;
  for (;;) {
    if (rest === '') return node.deleted ? undefined : node;
    let i = 0;
    while (rest[i] === '/') i++;
    rest = rest.slice(i);
    const slash = rest.indexOf('/');
    const part = slash < 0 ? rest : rest.slice(0, slash);
    const child = firstLiveNamed(node.children, part, names);
    if (!child) return undefined;
    if (slash < 0) return child;
    node = child;
    rest = rest.slice(slash + 1);
  }
}

/**
 * Lookup indexes for one parse. Which nodes carry which label names, so
 * that `&label` at the top level of a source does not walk the whole tree
 * each time. It lists every node that
 * ever got the label; a lookup keeps the live, attached ones and, when more
 * than one remains (a duplicate label, which the checks reject anyway), falls
 * back to dtc's depth-first walk to pick the same node dtc picks.
 */
export class TreeIndex {
  private readonly byLabel = new Map<string, Node[]>();
  /** Name lookups in child and property lists during this parse. */
  readonly names = new NameCache();

  constructor(private readonly root: Node) {
    this.addSubtree(root);
  }

  /** Record a node's current labels (call again after it gains labels). */
  add(node: Node): void {
    if (!node.hasLabels) return;
    for (const l of node.labels) {
      const list = this.byLabel.get(l.name);
      if (!list) this.byLabel.set(l.name, [node]);
      else if (!list.includes(node)) list.push(node);
    }
  }

  addSubtree(top: Node): void {
    const work: Node[] = [top];
    while (work.length) {
      const n = work.pop()!;
      if (n.hasLabels) this.add(n);
      for (const c of n.children) work.push(c);
    }
  }

  find(label: string): Node | undefined {
    const live = (this.byLabel.get(label) ?? []).filter((n) => this.reachable(n) && n.labels.some((l) => !l.deleted && l.name === label));
    if (live.length <= 1) return live[0];
    return getNodeByLabel(this.root, label);
  }

  /** Live and attached below the root through live nodes, as dtc's walk would reach it. */
  private reachable(node: Node): boolean {
    let n: Node | undefined = node;
    for (; n && n !== this.root; n = n.parent) if (n.deleted) return false;
    return n === this.root && !this.root.deleted;
  }
}

/** dtc's get_node_by_ref: `/` is the root, `/…` a path, anything else a label. */
export function findNodeByRef(tree: Node, ref: string, index?: TreeIndex): Node | undefined {
  if (ref === '/') return tree;
  if (ref.startsWith('/')) return findNodeByPath(tree, ref, index?.names);
  return index ? index.find(ref) : getNodeByLabel(tree, ref);
}
