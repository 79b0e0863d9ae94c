/**
 * One table entry per DT property the model understands: how to decode it
 * into a model field and encode it back, which interfaces define it and
 * the first Xen release that reads it. Readers, writers, loss reports and
 * version flags all walk the same tables, so a property is described once.
 */
import { PropertyValue, ValueBuilder } from '../fdt/tree/data.js';
import type { Node, Property } from '../fdt/tree/livetree.js';
import { BootConfigError, type BootConfigWarning } from '../model/errors.js';
import type { Cells } from '../model/domain.js';
import type { BindingInterface } from '../model/origin.js';
import type { ChannelRef } from '../model/sharing.js';
import type { XenVersion } from '../model/version.js';
import { fingerprint } from './fingerprint.js';
import { locate } from './locate.js';

/** What a property decoder sees of the node being read (built by tree-reader.ts's contextFor). */
export interface PropertyReadContext {
  iface: BindingInterface;
  node: Node;
  root: Node;
  /** Cells of the node's parent (for `reg`-like values of the node). */
  parentCells: Cells;
  /**
   * Cells Xen reads the node's own `reg`-like values with (`xen,static-mem`):
   * the parent's, each inherited from further up when the parent lacks it.
   */
  walkerCells: Cells;
  /** Cells of the root (for `xen,static-heap`). */
  rootCells: Cells;
  warn(w: BootConfigWarning): void;
  /** The target of a phandle at `offset` of `p`. */
  target(p: Property, offset: number): Node | undefined;
  channelOf(target: Node): ChannelRef | undefined;
  cpupoolOf(target: Node): string | undefined;
}

export type RefTarget = { kind: 'path'; path: string } | { kind: 'channel'; ref: ChannelRef } | { kind: 'cpupool'; name: string };

export interface WriteContext {
  /** DT path of the node being written (for errors). */
  path: string;
  parentCells: Cells;
  /** What Xen will read the node's own `reg`-like values with (see PropertyReadContext). */
  walkerCells: Cells;
  rootCells: Cells;
  /** Fill a phandle at `offset` once the whole tree exists. */
  reference(offset: number, target: RefTarget): void;
}

/** Decoders return KEEP for a value Xen ignores: the property is then kept as unknown. */
export const KEEP: unique symbol = Symbol('keep as unknown');

export interface FieldSpec<E, V> {
  name: string;
  since?: XenVersion;
  /** Interfaces whose published bindings define this property. */
  in: readonly BindingInterface[];
  /** Arm-only (dom0less vocabulary); carried into Hyperlaunch only for arm64 targets. */
  arm?: boolean;
  get(e: E): V | undefined;
  /** Store a decoded value; `p` and `ctx` locate errors about combinations. */
  set(e: E, v: V, p: Property, ctx: PropertyReadContext): void;
  decode(p: Property, ctx: PropertyReadContext): V | typeof KEEP;
  encode(v: V, ctx: WriteContext): PropertyValue;
}

export interface PropCodec<E> {
  name: string;
  since?: XenVersion;
  in: readonly BindingInterface[];
  arm: boolean;
  /** Decode into `e`; the fingerprint, or undefined when kept as unknown. */
  read(e: E, p: Property, ctx: PropertyReadContext): string | undefined;
  /** Fingerprint of the model value; undefined when the field is unset. */
  fingerprint(e: E): string | undefined;
  write(e: E, ctx: WriteContext): PropertyValue;
}

export function field<E, V>(spec: FieldSpec<E, V>): PropCodec<E> {
  return {
    name: spec.name,
    since: spec.since,
    in: spec.in,
    arm: spec.arm ?? false,
    read(e, p, ctx) {
      const v = spec.decode(p, ctx);
      if (v === KEEP) return undefined;
      spec.set(e, v, p, ctx);
      return fingerprint(v);
    },
    fingerprint(e) {
      const v = spec.get(e);
      return v === undefined ? undefined : fingerprint(v);
    },
    write(e, ctx) {
      const v = spec.get(e);
      if (v === undefined) throw new Error(`internal: writing unset ${spec.name}`);
      return spec.encode(v, ctx);
    },
  };
}

// ---- decoders shared by the tables ----

function dv(p: Property): DataView {
  return new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
}

/** A u32 as Xen reads it: the first cell; shorter is an error, longer a warning. */
export function decodeU32(p: Property, ctx: PropertyReadContext): number {
  if (p.bytes.length < 4) {
    throw new BootConfigError('PROP_NOT_U32', `${ctx.node.path}:${p.name} must be one cell (<u32>), has ${p.bytes.length} bytes`, locate(ctx.node, p, 'write it as <N>'));
  }
  if (p.bytes.length !== 4) {
    ctx.warn({ code: 'PROP_EXTRA_CELLS', message: `${ctx.node.path}:${p.name} has ${p.bytes.length / 4} cells; Xen reads only the first`, ...locate(ctx.node, p, 'write it as <N>') });
  }
  return dv(p).getUint32(0);
}

/** A u64 (two cells); Xen refuses anything shorter than 8 bytes (e.g. a one-cell `memory`). */
export function decodeU64(p: Property, ctx: PropertyReadContext): bigint {
  if (looksLikeText(p.bytes)) {
    throw new BootConfigError('PROP_NOT_U64', `${ctx.node.path}:${p.name} is a string; Xen reads a 64-bit value (2 cells) here (the old Hyperlaunch prototype's "1024M" form is not supported)`, locate(ctx.node, p, 'write it as <0x0 N> (KiB)'));
  }
  if (p.bytes.length < 8) {
    throw new BootConfigError('PROP_NOT_U64', `${ctx.node.path}:${p.name} must be a 64-bit value (2 cells), has ${p.bytes.length} bytes; Xen cannot read it and fails to build the domain`, locate(ctx.node, p, `write it as <0x0 N> or /bits/ 64 <N>`));
  }
  if (p.bytes.length !== 8) {
    ctx.warn({ code: 'PROP_EXTRA_CELLS', message: `${ctx.node.path}:${p.name} is longer than 64 bits; Xen reads the first two cells`, ...locate(ctx.node, p) });
  }
  return dv(p).getBigUint64(0);
}

/** Printable ASCII ending in one NUL: a DTS string, not cells (a real u64 this long starts with 0 bytes or is not printable). */
function looksLikeText(b: Uint8Array): boolean {
  if (b.length < 2 || b[b.length - 1] !== 0) return false;
  for (let i = 0; i < b.length - 1; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return false;
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A string as Xen reads it: up to the first NUL. */
export function decodeString(p: Property, ctx: PropertyReadContext): string {
  const b = p.bytes;
  const nul = b.indexOf(0);
  if (nul < 0) throw new BootConfigError('PROP_NOT_STRING', `${ctx.node.path}:${p.name} is not a NUL-terminated string`, locate(ctx.node, p, 'write it as "text"'));
  if (nul !== b.length - 1) ctx.warn({ code: 'PROP_EXTRA_STRINGS', message: `${ctx.node.path}:${p.name} holds more than one string; Xen reads the first`, ...locate(ctx.node, p) });
  return utf8.decode(b.subarray(0, nul));
}

export function decodeStringList(p: Property, ctx: PropertyReadContext): string[] {
  const b = p.bytes;
  if (b.length > 0 && b[b.length - 1] !== 0) throw new BootConfigError('PROP_NOT_STRING', `${ctx.node.path}:${p.name} is not a list of strings`, locate(ctx.node, p));
  const out: string[] = [];
  let at = 0;
  while (at < b.length) {
    const end = b.indexOf(0, at);
    out.push(utf8.decode(b.subarray(at, end)));
    at = end + 1;
  }
  return out;
}

/** One of the given strings; anything else is kept as an unknown property with a warning (Xen treats it as a default). */
export function decodeEnum<const T extends string>(values: readonly T[], meaning: string) {
  return (p: Property, ctx: PropertyReadContext): T | typeof KEEP => {
    const s = decodeString(p, ctx);
    if ((values as readonly string[]).includes(s)) return s as T;
    ctx.warn({ code: 'PROP_UNKNOWN_VALUE', message: `${ctx.node.path}:${p.name} = "${s}" is not one of ${values.map((v) => `"${v}"`).join(', ')}; ${meaning}`, ...locate(ctx.node, p) });
    return KEEP;
  };
}

// ---- encoders ----

export function encodeU32(v: number): PropertyValue {
  return PropertyValue.fromCells([v]);
}

export function encodeU64(v: bigint): PropertyValue {
  return new ValueBuilder().addMarker('uint32').appendInteger(v >> 32n, 32).appendInteger(v & 0xffffffffn, 32).build();
}

export function encodeString(s: string): PropertyValue {
  return PropertyValue.fromString(s);
}

export function encodeStringList(list: readonly string[]): PropertyValue {
  const vb = new ValueBuilder();
  const enc = new TextEncoder();
  for (const s of list) vb.addMarker('string').appendBytes(enc.encode(s)).appendByte(0);
  return vb.build();
}

export function encodeEmpty(): PropertyValue {
  return new PropertyValue();
}

/** A property every node of the kind has, with a fixed value (`compatible = "xen,domain"`). */
export function constField<E>(name: string, value: readonly string[], since: XenVersion | undefined, inIfs: readonly BindingInterface[], arm = false): PropCodec<E> {
  return field<E, string[]>({ name, since, in: inIfs, arm, get: () => value.slice(), set: () => undefined, decode: decodeStringList, encode: encodeStringList });
}

/** Common shape for presence-tested booleans (`vpl011`, `direct-map`): any value means true. */
export function flagField<E>(name: string, since: XenVersion, inIfs: readonly BindingInterface[], get: (e: E) => boolean | undefined, set: (e: E, v: boolean) => void, arm = true): PropCodec<E> {
  return field<E, boolean>({ name, since, in: inIfs, arm, get: (e) => (get(e) ? true : undefined), set, decode: () => true, encode: () => encodeEmpty() });
}

export function u32Field<E>(name: string, since: XenVersion | undefined, inIfs: readonly BindingInterface[], get: (e: E) => number | undefined, set: (e: E, v: number) => void, arm = true): PropCodec<E> {
  return field<E, number>({ name, since, in: inIfs, arm, get, set, decode: decodeU32, encode: encodeU32 });
}

export function stringField<E>(name: string, since: XenVersion | undefined, inIfs: readonly BindingInterface[], get: (e: E) => string | undefined, set: (e: E, v: string) => void, arm = true): PropCodec<E> {
  return field<E, string>({ name, since, in: inIfs, arm, get, set, decode: decodeString, encode: encodeString });
}
