/**
 * Reading a node's properties into a model entity through a codec table,
 * and writing an entity back as a node: same property order, same bytes
 * for unchanged values, unknown properties verbatim (see model/origin.ts).
 */
import { Node, Property } from '../fdt/tree/livetree.js';
import type { BindingInterface, NodeOrigin, PropertyOrigin } from '../model/origin.js';
import type { UnknownNode, UnknownProperty } from '../model/unknown.js';
import { labelsOf, copyNode } from './node-copy.js';
import type { PropCodec, PropertyReadContext, RefTarget, WriteContext } from './property-codec.js';
import type { PendingRef } from './references.js';

export interface Entity {
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

/** Decode every live property of `ctx.node` into `e`; returns the node's origin. */
// Codec tables are never changed once built, so each is indexed by name once, not per node read.
const indexes = new WeakMap<readonly PropCodec<never>[], ReadonlyMap<string, PropCodec<never>>>();

function byNameOf<E>(codecs: readonly PropCodec<E>[]): ReadonlyMap<string, PropCodec<E>> {
  let index = indexes.get(codecs) as ReadonlyMap<string, PropCodec<E>> | undefined;
  if (!index) {
    index = new Map(codecs.map((c) => [c.name, c]));
    indexes.set(codecs, index);
  }
  return index;
}

export function readProperties<E extends Entity>(e: E, codecs: readonly PropCodec<E>[], ctx: PropertyReadContext, iface: BindingInterface): NodeOrigin {
  const node = ctx.node;
  const byName = byNameOf(codecs);
  const properties: PropertyOrigin[] = [];
  // Plain loops over the lists, not liveProperties() / liveChildren(): this runs for every node of a configuration, and the generators cost more than the reading.
  for (const p of node.properties) {
    if (p.deleted) continue;
    const codec = byName.get(p.name);
    const fp = codec?.read(e, p, ctx);
    if (fp === undefined) {
      e.unknownProperties.push({ name: p.name, value: p.value.clone(), position: p.position });
      properties.push({ name: p.name, value: p.value.clone(), fingerprint: `unknown:${p.name}`, position: p.position });
    } else {
      properties.push({ name: p.name, value: p.value.clone(), fingerprint: fp, position: p.position });
    }
  }
  const children: string[] = [];
  for (const c of node.children) if (!c.deleted) children.push(c.name);
  return { interface: iface, path: node.path, position: node.position, labels: labelsOf(node), properties, children };
}

export function keepUnknownNode(e: Entity, child: Node): void {
  e.unknownNodes.push({ node: copyNode(child) });
}

export interface NodeWriteOptions<E> {
  iface: BindingInterface;
  /** Which codecs this writer may emit; the others are reported through `dropped`. */
  accept(c: PropCodec<E>): boolean;
  dropped(c: PropCodec<E>): void;
  /** An unknown property whose name this interface uses for a model field (e.g. `domid` kept from dom0less). */
  shadowed(name: string): void;
  refs: PendingRef<RefTarget>[];
}

/** The source order of names, then the rest in the order given. */
export function inSourceOrder<T>(items: readonly T[], nameOf: (t: T) => string, order: readonly string[] | undefined): T[] {
  if (!order) return items.slice();
  const rank = new Map<string, number>();
  order.forEach((n, i) => {
    if (!rank.has(n)) rank.set(n, i);
  });
  const known = items.filter((t) => rank.has(nameOf(t))).sort((a, b) => rank.get(nameOf(a))! - rank.get(nameOf(b))!);
  return [...known, ...items.filter((t) => !rank.has(nameOf(t)))];
}

/** Build the node for `e`: codec properties, then unknown ones, in source order when the origin fits. */
export function writeNode<E extends Entity>(name: string, e: E, codecs: readonly PropCodec<E>[], ctx: Omit<WriteContext, 'reference'>, opts: NodeWriteOptions<E>): Node {
  const node = new Node(name);
  const origin = e.origin?.interface === opts.iface ? e.origin : undefined;
  const props: Property[] = [];
  for (const c of codecs) {
    const fp = c.fingerprint(e);
    if (fp === undefined) continue;
    if (!opts.accept(c)) {
      opts.dropped(c);
      continue;
    }
    const same = origin?.properties.find((p) => p.name === c.name && p.fingerprint === fp);
    if (same) {
      props.push(new Property(c.name, same.value.clone(), same.position));
      continue;
    }
    const pending: { offset: number; target: RefTarget }[] = [];
    const value = c.write(e, { ...ctx, reference: (offset, target) => pending.push({ offset, target }) });
    const prop = new Property(c.name, value);
    for (const r of pending) opts.refs.push({ prop, ...r });
    props.push(prop);
  }
  const written = new Set(props.map((p) => p.name));
  for (const u of e.unknownProperties) {
    if (written.has(u.name)) opts.shadowed(u.name);
    else props.push(new Property(u.name, u.value.clone(), u.position));
  }
  for (const p of inSourceOrder(props, (p) => p.name, origin?.properties.map((p) => p.name))) node.addProperty(p);
  const ph = node.getProperty('phandle') ?? node.getProperty('linux,phandle');
  if (ph?.bytes.length === 4) node.phandle = new DataView(ph.bytes.buffer, ph.bytes.byteOffset, 4).getUint32(0);
  if (origin) {
    node.position = origin.position;
    node.labels = origin.labels.map((l) => ({ name: l, deleted: false }));
  }
  return node;
}

/** Append children in the entity's source order (new ones last). */
export function addChildren(node: Node, children: readonly Node[], origin: NodeOrigin | undefined, iface: BindingInterface): void {
  const order = origin?.interface === iface ? origin.children : undefined;
  for (const c of inSourceOrder(children, (c) => c.name, order)) node.addChild(c);
}

