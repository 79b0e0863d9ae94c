/**
 * A configuration moved into another board's tree (the direct route writes
 * it into QEMU virt's own DTB, not into the DTS it came from). Phandles are
 * numbers of one tree: the values dtc gave the configuration's source mean
 * other nodes, or nothing, in the board's. So:
 * - cpupool CPUs are matched onto the board's CPU nodes by `reg` (the MPIDR,
 *   which is what Xen turns a `cpupool-cpus` entry into), else by path;
 * - properties holding references (`cpupool-cpus`, `domain-cpupool`,
 *   `xen,evtchn`) are written afresh instead of reusing their source bytes;
 * - a configuration node's own `phandle` that the board already uses is
 *   dropped, so the writer numbers the node above the board's phandles.
 */
import { decodeReg } from '../fdt/tree/addresses.js';
import { type DeviceTree, type Node, getNodeByPath, walkNodes } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import type { Cpupool } from '../model/cpus.js';
import type { Domain } from '../model/domain.js';
import type { NodeOrigin } from '../model/origin.js';
import type { UnknownProperty } from '../model/unknown.js';
import { QemuError } from './errors.js';

const REFERENCE_PROPERTIES = new Set(['cpupool-cpus', 'domain-cpupool', 'xen,evtchn']);
const PHANDLE_PROPERTIES = new Set(['phandle', 'linux,phandle']);
// No fingerprint a codec computes looks like this, so the writer encodes the value again.
const STALE = 'board-placement:stale-reference';

interface Entity {
  unknownProperties: UnknownProperty[];
  origin?: NodeOrigin;
}

function isCpu(n: Node): boolean {
  const p = n.getProperty('device_type');
  return p !== undefined && new TextDecoder().decode(p.bytes).replace(/\0+$/, '') === 'cpu';
}

/** The first `reg` cell group of a CPU node (its MPIDR affinity), or undefined when unreadable. */
function cpuId(n: Node): bigint | undefined {
  try {
    return decodeReg(n)[0]?.address;
  } catch {
    return undefined;
  }
}

function regText(id: bigint | undefined): string {
  return id === undefined ? '?' : `0x${id.toString(16)}`;
}

function phandlesOf(board: DeviceTree): Set<number> {
  const out = new Set<number>();
  for (const n of walkNodes(board.root)) {
    for (const name of PHANDLE_PROPERTIES) {
      const p = n.getProperty(name);
      if (p?.bytes.length === 4) out.add(new DataView(p.bytes.buffer, p.bytes.byteOffset, 4).getUint32(0));
    }
  }
  return out;
}

/** The board CPU a configuration CPU path stands for: same `reg` when the source tree has the node, else same path. */
function boardCpu(path: string, source: DeviceTree | undefined, boardCpus: readonly Node[], pool: string): string {
  const from = source && getNodeByPath(source.root, path);
  const id = from && isCpu(from) ? cpuId(from) : undefined;
  const match = id !== undefined ? boardCpus.find((c) => cpuId(c) === id) : boardCpus.find((c) => c.path === path);
  if (match) return match.path;
  const have = boardCpus.map((c) => `${c.path} (reg ${regText(cpuId(c))})`).join(', ');
  throw new QemuError('CPU_NOT_ON_BOARD', `cpupool ${pool}: ${path}${id !== undefined ? ` (reg ${regText(id)})` : ''} is not a CPU of the board the configuration boots on; its CPUs: ${have}`, {
    hint: 'name CPUs the board has (QEMU virt: -smp sets how many)',
  });
}

function withStaleReferences(origin: NodeOrigin | undefined): NodeOrigin | undefined {
  if (!origin) return origin;
  return { ...origin, properties: origin.properties.map((p) => (REFERENCE_PROPERTIES.has(p.name) ? { ...p, fingerprint: STALE } : p)) };
}

/** The entity with reference bytes written afresh and a phandle the board already has taken away. */
function rebased<E extends Entity>(e: E, taken: ReadonlySet<number>): E {
  const clash = (u: UnknownProperty): boolean =>
    PHANDLE_PROPERTIES.has(u.name) && u.value.bytes.length === 4 && taken.has(new DataView(u.value.bytes.buffer, u.value.bytes.byteOffset, 4).getUint32(0));
  return { ...e, unknownProperties: e.unknownProperties.filter((u) => !clash(u)), origin: withStaleReferences(e.origin) };
}

function rebasedDomain(d: Domain, taken: ReadonlySet<number>): Domain {
  return {
    ...rebased(d, taken),
    modules: d.modules.map((m) => rebased(m, taken)),
    vcpuPins: d.vcpuPins.map((v) => rebased(v, taken)),
    sharedMemory: d.sharedMemory.map((s) => rebased(s, taken)),
    eventChannels: d.eventChannels.map((c) => rebased(c, taken)),
  };
}

/** `model` as it must be written into `board`'s tree (the input model is not changed). */
export function placeOnBoard(model: BootModel, board: DeviceTree): BootModel {
  const taken = phandlesOf(board);
  const boardCpus = [...walkNodes(board.root)].filter(isCpu);
  const cpupools: Cpupool[] = model.cpupools.map((p) => ({ ...rebased(p, taken), cpus: p.cpus.map((c) => boardCpu(c, model.host, boardCpus, p.name)) }));
  return {
    ...model,
    hypervisor: { ...rebased(model.hypervisor, taken), modules: model.hypervisor.modules.map((m) => rebased(m, taken)) },
    domains: model.domains.map((d) => rebasedDomain(d, taken)),
    cpupools,
  };
}
