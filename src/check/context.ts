/**
 * What rules look at: the model, the tree it was read from, the host facts,
 * the target build, the partial device trees; and how rules name places.
 */
import type { DeviceTree } from '../fdt/tree/livetree.js';
import { type BootModel, commandLines } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { NodeOrigin } from '../model/origin.js';
import type { PartialDeviceTree } from '../model/passthrough.js';
import type { Where } from './finding.js';
import type { HostFacts } from './host-facts.js';
import type { XenBuild } from './target.js';
import type { X86CheckFacts } from './x86-target.js';

export interface PartialInput {
  /** The partial device tree as read (for phandle checks). */
  tree: DeviceTree;
  devices: PartialDeviceTree;
  file: string;
}

export interface CheckContext {
  model: BootModel;
  /** The input tree (raw), for what the model does not keep (module nodes Xen would not find). */
  tree?: DeviceTree;
  host?: HostFacts;
  build?: XenBuild;
  /** Partial device trees (`multiboot,device-tree` blobs) by domain name. */
  partials: ReadonlyMap<string, PartialInput>;
  /** Set when the configuration is checked for x86 (`--arch x86_64`, or implied by a Hyperlaunch tree of multiboot modules). */
  x86?: X86CheckFacts;
  /** A FLASK policy source to check against the system (`check --xsm-policy`). */
  xsmPolicy?: XsmPolicyInput;
}

export interface XsmPolicyInput {
  file: string;
  /** Policy language text (absent for a binary policy). */
  source?: string;
  /** A binary policy's header version. */
  binaryVersion?: number;
}

interface Located {
  origin?: NodeOrigin;
}

/** The node path of an entity, or `fallback` when it was not read from a tree. */
export function pathOf(e: Located, fallback: string): string {
  return e.origin?.path ?? fallback;
}

export function domainPath(model: BootModel, d: Domain): string {
  if (d.origin) return d.origin.path;
  if (d.isDom0 && model.interface === 'dom0less') return '/chosen';
  return model.interface === 'hyperlaunch' ? `/chosen/hypervisor/${d.name}` : `/chosen/${d.name}`;
}

/** A node, or one of its properties: the property's source position when known, else the node's. */
export function at(e: Located, fallbackPath: string, prop?: string): Where {
  const path = pathOf(e, fallbackPath);
  const p = prop ? e.origin?.properties.find((x) => x.name === prop) : undefined;
  return { path: prop ? `${path}:${prop}` : path, position: p?.position ?? e.origin?.position };
}

/** A domain or one of its properties (dom0less dom0 has no node: /chosen). */
export function atDomain(model: BootModel, d: Domain, prop?: string): Where {
  return at(d, domainPath(model, d), prop);
}

export function hex(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

/** `[start, end)` as Xen prints regions. */
export function range(address: bigint, size: bigint): string {
  return `[${hex(address)}, ${hex(address + size)})`;
}

/** Xen's own command line by booting.txt's precedence rules. */
export function commandLineOf(model: BootModel): string | undefined {
  return commandLines(model).xen;
}
