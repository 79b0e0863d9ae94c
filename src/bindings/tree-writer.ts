/**
 * What both writers share: building entity nodes through the property
 * tables, recording what the target interface cannot express (losses),
 * and filling phandle references once the tree is complete.
 */
import { type DeviceTree, type Node, getNodeByPath } from '../fdt/tree/livetree.js';
import type { Cpupool, VcpuPin } from '../model/cpus.js';
import type { Cells, Domain } from '../model/domain.js';
import { BootConfigError } from '../model/errors.js';
import type { Loss } from '../model/loss.js';
import type { BootModule } from '../model/module.js';
import type { BindingInterface, NodeOrigin } from '../model/origin.js';
import type { EventChannel, SharedMemory } from '../model/sharing.js';
import { CPUPOOL_CODECS, VCPU_CODECS } from './cpu-properties.js';
import { kindExpressible } from './module-compatibles.js';
import { moduleCodecs } from './module-properties.js';
import { type Entity, addChildren, writeNode } from './node-io.js';
import { copyNode } from './node-copy.js';
import type { PropCodec, RefTarget } from './property-codec.js';
import { type PendingRef, resolveReferences } from './references.js';
import { EVTCHN_CODECS, SHM_CODECS } from './sharing-properties.js';

/** Other names a model field may have had in the source tree. */
const SOURCE_SPELLINGS: Record<string, readonly string[]> = {
  'module-index': ['mb-index'],
  reg: ['module-addr'],
  capabilities: ['permissions'],
};

export interface Placement {
  /** Output path of the node being written. */
  path: string;
  parentCells: Cells;
  /** The cells Xen will read the node's own `xen,static-mem` with: the parent's, inherited from further up where unset. */
  walkerCells: Cells;
}

export class TreeWriter {
  readonly refs: PendingRef<RefTarget>[] = [];
  readonly losses: Loss[] = [];
  private readonly channels = new Map<string, Node>();
  private readonly pools = new Map<string, Node>();

  constructor(
    readonly iface: BindingInterface,
    readonly rootCells: Cells,
    /** Whether Arm (dom0less vocabulary) properties may be written. */
    readonly arm: boolean,
  ) {}

  lose(e: { origin?: NodeOrigin } | undefined, fallbackPath: string, item: string, reason: string): void {
    const o = e?.origin;
    // Report the property as it was spelled in the source (design `mb-index` for `module-index`).
    const prop = o?.properties.find((p) => p.name === item) ?? o?.properties.find((p) => SOURCE_SPELLINGS[item]?.includes(p.name));
    const loss: Loss = { code: 'NOT_EXPRESSIBLE', path: o ? (prop ? `${o.path}:${prop.name}` : o.path) : fallbackPath, item: prop?.name ?? item, reason, to: this.iface };
    const position = prop?.position ?? o?.position;
    if (position) loss.position = position;
    this.losses.push(loss);
  }

  accepts<E>(c: PropCodec<E>): boolean {
    return c.in.includes(this.iface) || (this.arm && c.arm);
  }

  node<E extends Entity>(name: string, e: E, codecs: readonly PropCodec<E>[], at: Placement, why: (c: PropCodec<E>) => string = () => `no ${this.iface} property`): Node {
    const node = writeNode(name, e, codecs, { path: at.path, parentCells: at.parentCells, walkerCells: at.walkerCells, rootCells: this.rootCells }, {
      iface: this.iface,
      accept: (c) => this.accepts(c),
      dropped: (c) => this.lose(e, at.path, c.name, why(c)),
      shadowed: (name) => this.lose(e, at.path, name, `kept as unknown, but ${this.iface} uses ${name} for a value of the model, which is written instead`),
      refs: this.refs,
    });
    return node;
  }

  /** Unknown child nodes go back as they were. */
  unknownChildren(e: Entity): Node[] {
    return e.unknownNodes.map((u) => copyNode(u.node));
  }

  finish(node: Node, e: Entity, children: Node[]): Node {
    addChildren(node, [...children, ...this.unknownChildren(e)], e.origin, this.iface);
    return node;
  }

  /** A domain's child nodes (modules, vCPU pins, shared memory, event channels), in model order. */
  domainChildren(d: Domain, at: Placement): Node[] {
    const names = new UniqueNames();
    const children: (Node | undefined)[] = [
      ...d.modules.map((m) => this.module(m, at, names)),
      ...d.vcpuPins.map((v) => this.vcpu(v, at)),
      ...d.sharedMemory.map((sm) => this.sharedMemory(sm, at)),
      ...d.eventChannels.map((e) => this.eventChannel(d.name, e, at)),
    ];
    return children.filter((n): n is Node => n !== undefined);
  }

  module(m: BootModule, at: Placement, names: UniqueNames): Node | undefined {
    const path = `${at.path}/${m.name ?? m.kind}`;
    if (!kindExpressible(m.kind, this.iface)) {
      this.lose(m, path, `${m.kind} module`, `${this.iface} has no ${m.kind} module`);
      return undefined;
    }
    if (m.kind === 'device-tree' && !this.arm) {
      this.lose(m, path, 'device-tree module', 'partial device trees are an Arm passthrough feature');
      return undefined;
    }
    const name = names.take(m.name ?? moduleName(m));
    const node = this.node(name, m, moduleCodecs(this.iface), { ...at, path: `${at.path}/${name}` }, (c) =>
      c.name === 'module-index' ? 'dom0less locates modules by reg (address, size) only; the multiboot index is lost' : `${this.iface} has no module property ${c.name}`,
    );
    return this.finish(node, m, []);
  }

  vcpu(v: VcpuPin, at: Placement): Node | undefined {
    return this.armNode(v, VCPU_CODECS, at, 'xen,vcpu node');
  }

  sharedMemory(s: SharedMemory, at: Placement): Node | undefined {
    return this.armNode(s, SHM_CODECS, at, 'static shared memory');
  }

  eventChannel(domain: string, e: EventChannel, at: Placement): Node | undefined {
    const node = this.armNode(e, EVTCHN_CODECS, at, 'static event channel');
    if (node) this.channels.set(channelKey(domain, e.name), node);
    return node;
  }

  cpupool(p: Cpupool, at: Placement): Node | undefined {
    const node = this.armNode(p, CPUPOOL_CODECS, at, 'boot-time cpupool');
    if (node) this.pools.set(p.name, node);
    return node;
  }

  private armNode<E extends Entity & { name: string }>(e: E, codecs: readonly PropCodec<E>[], at: Placement, what: string): Node | undefined {
    const path = `${at.path}/${e.name}`;
    if (!this.accepts(codecs[0]!)) {
      this.lose(e, path, what, `${this.iface} for ${this.arm ? 'this target' : 'x86'} has no ${what}`);
      return undefined;
    }
    return this.finish(this.node(e.name, e, codecs, { ...at, path }), e, []);
  }

  /** Fill every pending phandle now that all nodes exist. */
  resolve(tree: DeviceTree): void {
    resolveReferences(tree.root, this.refs, (t) => this.find(tree, t), (r) => {
      throw new BootConfigError('REF_UNRESOLVED', `${r.prop.name}: the referenced ${describe(r.target)} is not in the written tree`, { hint: 'add it to the model, or remove the reference' });
    });
  }

  private find(tree: DeviceTree, t: RefTarget): Node | undefined {
    if (t.kind === 'path') return getNodeByPath(tree.root, t.path);
    if (t.kind === 'cpupool') return this.pools.get(t.name);
    return this.channels.get(channelKey(t.ref.domain, t.ref.channel));
  }
}

function describe(t: RefTarget): string {
  if (t.kind === 'path') return `node ${t.path}`;
  if (t.kind === 'cpupool') return `cpupool ${t.name}`;
  return `event channel ${t.ref.domain}/${t.ref.channel}`;
}

function channelKey(domain: string, channel: string): string {
  return `${domain}\u0000${channel}`;
}

function moduleName(m: BootModule): string {
  return m.location?.type === 'range' ? `module@${m.location.address.toString(16)}` : m.kind === 'unspecified' ? 'module' : m.kind;
}

/** Node names unique among siblings (`module@…`, then `module@…-1`). */
export class UniqueNames {
  private readonly used = new Set<string>();
  take(name: string): string {
    let n = name;
    for (let i = 1; this.used.has(n); i++) n = `${name}-${i}`;
    this.used.add(n);
    return n;
  }
}

/** Cells a domain node must declare so every child value fits: Xen's 2 / 1 unless a size needs 2 cells. (`xen,static-mem` is in the parent's cells.) */
export function domainCells(d: Domain): Domain {
  const needWide = [...d.modules.map((m) => (m.location?.type === 'range' ? m.location.size : 0n)), ...d.sharedMemory.map((s) => s.size)].some((s) => s > 0xffffffffn);
  if (d.sizeCells === undefined && needWide) return { ...d, sizeCells: 2 };
  return d;
}

export function effectiveCells(address: number | undefined, size: number | undefined): Cells {
  return { address: address ?? 2, size: size ?? 1 };
}
