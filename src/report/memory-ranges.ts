/**
 * Every physical range the page draws: host RAM and reserved memory (from
 * the host tree), Xen's static heap, boot modules (their `reg`, or where the
 * build placed them), Xen's own image and the host DTB when a build placed
 * them, static memory and static shared memory. Each carries the DT path
 * (or build label) it comes from, which is how findings find it.
 */
import { domainPath } from '../check/context.js';
import type { HostFacts } from '../check/host-facts.js';
import { allModules } from '../check/rules/support.js';
import type { BootModel } from '../model/boot-model.js';
import { nodeOf, shmPath } from './finding-targets.js';
import { type MemoryRange, type RangeKind, type ReportFinding, hex } from './report-data.js';

/** An image a build placed in memory (src/artifacts' layout). */
export interface PlacedImageFact {
  /** Layout label: `xen`, `dtb`, `dom0-kernel`, `domU1-ramdisk`, ... */
  label: string;
  address: bigint;
  size: bigint;
  file: string;
}

/** Rules whose finding names two ranges that overlap: both are drawn in error. */
const OVERLAP_RULES: ReadonlySet<string> = new Set(['mod-overlap', 'mod-overlap-reserved', 'static-mem-overlap', 'mod-in-memreserve']);

const RAM_RULES: ReadonlySet<string> = new Set(['memory-fit', 'x86-host-memory']);

interface Raw {
  kind: RangeKind;
  address: bigint;
  size: bigint;
  owner: string;
  label: string;
  source: string;
}

function hostRanges(host: HostFacts | undefined): Raw[] {
  if (!host) return [];
  const ram = host.memory.map((b): Raw => ({ kind: 'ram', ...b, owner: '', label: 'RAM', source: 'host RAM' }));
  return [...ram, ...host.reserved.map((r): Raw => ({ kind: 'reserved', address: r.address, size: r.size, owner: '', label: r.from, source: r.from }))];
}

function moduleRanges(model: BootModel): Raw[] {
  const out: Raw[] = [];
  for (const { module: m, domain, path } of allModules(model)) {
    if (m.location?.type !== 'range') continue;
    const owner = domain?.name ?? '';
    out.push({ kind: 'module', address: m.location.address, size: m.location.size, owner, label: `${owner || 'xen'} ${m.kind}`, source: path });
  }
  return out;
}

function staticRanges(model: BootModel): Raw[] {
  const out: Raw[] = (model.hypervisor.staticHeap ?? []).map((b) => ({ kind: 'reserved', ...b, owner: '', label: 'xen,static-heap', source: '/chosen:xen,static-heap' }));
  for (const d of model.domains) {
    for (const b of d.staticMemory ?? []) out.push({ kind: 'static-mem', ...b, owner: d.name, label: `${d.name} static memory`, source: `${domainPath(model, d)}:xen,static-mem` });
  }
  const seen = new Set<string>();
  for (const d of model.domains) {
    for (const s of d.sharedMemory) {
      if (s.hostAddress === undefined) continue;
      const key = `${s.id}:${s.hostAddress}`;
      if (seen.has(key)) continue; // one region, several borrowers: drawn once, owned by its owner
      seen.add(key);
      const owner = model.domains.find((o) => o.sharedMemory.some((x) => x.id === s.id && x.role === 'owner'))?.name ?? d.name;
      out.push({ kind: 'shm', address: s.hostAddress, size: s.size, owner, label: `shm "${s.id}"`, source: shmPath(d, s) });
    }
  }
  return out;
}

/** Images of the build that are no module of the model (Xen, the host DTB, overlays). */
function imageRanges(images: readonly PlacedImageFact[], modules: readonly Raw[]): Raw[] {
  return images
    .filter((i) => !modules.some((m) => m.address === i.address && m.size === i.size))
    .map((i) => ({ kind: i.label === 'xen' ? 'xen' : 'module', address: i.address, size: i.size, owner: '', label: i.label === 'xen' ? `Xen (${i.file})` : `${i.label} (${i.file})`, source: `build: ${i.label}` }));
}

const KIND_ORDER: readonly RangeKind[] = ['ram', 'reserved', 'xen', 'module', 'static-mem', 'shm', 'llc'];

function sortRaw(a: Raw, b: Raw): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.source.localeCompare(b.source);
}

function overlaps(a: Raw, b: Raw): boolean {
  return a.address < b.address + b.size && b.address < a.address + a.size;
}

export function memoryRanges(model: BootModel, host: HostFacts | undefined, images: readonly PlacedImageFact[], findings: readonly ReportFinding[]): MemoryRange[] {
  const modules = moduleRanges(model);
  const raw = [...hostRanges(host), ...imageRanges(images, modules), ...modules, ...staticRanges(model)].filter((r) => r.size > 0n).sort(sortRaw);
  // Domains asking for more memory than the host has left: the finding is about the RAM as a whole.
  const fit = findings.filter((f) => RAM_RULES.has(f.ruleId)).map((f) => f.id);
  const byPath = findingsByPath(findings);
  const own = raw.map((r) => [...(byPath.get(r.source) ?? []), ...(r.kind === 'ram' ? fit : [])]);
  // An overlap finding sits on one of its two ranges; the other one is drawn in error too.
  const rule = new Map(findings.map((f) => [f.id, f.ruleId]));
  const ids = own.map((f) => new Set(f));
  raw.forEach((r, i) => {
    const overlapIds = own[i]!.filter((id) => OVERLAP_RULES.has(rule.get(id)!));
    if (overlapIds.length === 0) return;
    raw.forEach((o, j) => {
      if (j !== i && o.kind !== 'ram' && o.source !== r.source && overlaps(r, o)) for (const id of overlapIds) ids[j]!.add(id);
    });
  });
  return raw.map((r, i) => ({ kind: r.kind, start: hex(r.address), end: hex(r.address + r.size), owner: r.owner, label: r.label, source: r.source, findings: [...ids[i]!].sort(byId) }));
}

/** Finding ids by the path they name, as written (`node:prop`) and by node alone: findingsAt's match, indexed (a page may have hundreds of both). */
function findingsByPath(findings: readonly ReportFinding[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of findings) {
    if (f.path === undefined) continue;
    for (const key of new Set([f.path, nodeOf(f.path)])) out.set(key, [...(out.get(key) ?? []), f.id]);
  }
  return out;
}

export function byId(a: string, b: string): number {
  return Number(a.slice(a.lastIndexOf('-') + 1)) - Number(b.slice(b.lastIndexOf('-') + 1));
}
