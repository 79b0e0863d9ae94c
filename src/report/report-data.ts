/**
 * The facts one report page shows, as plain JSON (`report --json`): every
 * address a lower-case hex string, so other tools can draw their own
 * picture without bigint handling. Each view is built from this alone.
 */
import type { BootStageName } from './boot-result.js';

export const REPORT_SCHEMA = 'hyperlaunch-report/1';

/** A hex address as the page prints it: `0x40000000` (lower case, no padding). */
export type Hex = string;

export interface ModuleFacts {
  kind: string;
  name: string;
  /** Load range [start, end); absent when the configuration gives none (a multiboot index, a UEFI file). */
  start?: Hex;
  end?: Hex;
  /** Bytes; absent when unknown (the image is not on disk and no `reg` gives it). */
  size?: string;
  /** The file it comes from, when known. */
  file?: string;
  /** x86: its index in the boot loader's multiboot module list. */
  multibootIndex?: number;
}

export interface DomainFacts {
  name: string;
  /** The domain node's DT path, when it has one. */
  path?: string;
  domid?: number;
  domidWhy: string;
  roles: string[];
  mode: string;
  /** KiB, decimal; absent when not written. */
  memoryKiB?: string;
  vcpus?: number;
  cpupool: string;
  scheduler: string;
  console: string;
  xenstore: string;
  llcColors?: string;
  modules: ModuleFacts[];
  /** finding ids about this domain. */
  findings: string[];
  boot?: { stage: BootStageName; detail: string; seconds?: number; stageSeconds?: number };
}

export type RangeKind = 'ram' | 'reserved' | 'xen' | 'module' | 'static-mem' | 'shm' | 'llc';

export interface MemoryRange {
  kind: RangeKind;
  start: Hex;
  /** Exclusive. */
  end: Hex;
  /** The domain it belongs to, or "" (host RAM, Xen, reserved memory). */
  owner: string;
  label: string;
  /** Where it comes from: a DT path (`/chosen/domU1/module@46000000`, `/chosen/domU1:xen,static-mem`) or a build label. */
  source: string;
  findings: string[];
}

export interface CpuDomain {
  name: string;
  vcpus: number;
  /** vCPUs pinned to this CPU (`xen,vcpu` hard affinity), as `vCPU 0`. */
  pinned: string[];
}

export interface CpuRow {
  cpu: number;
  path: string;
  cpupool: string;
  scheduler: string;
  domains: CpuDomain[];
  idle: boolean;
  /** The pool's domains have more vCPUs than it has CPUs. */
  overcommitted: boolean;
  findings: string[];
}

export interface DeviceRow {
  domain: string;
  /** Path in the domain's partial device tree, or the host path when only that is known. */
  path: string;
  hostPath?: string;
  /** `xen,reg` as `host size guest` triples in hex. */
  reg: string[];
  irqs: string;
  iommu: string;
  claimedTwice: boolean;
  findings: string[];
}

export interface Link {
  kind: 'evtchn' | 'shm';
  from: string;
  /** "" when the other end is no domain. */
  to: string;
  label: string;
  /** One-sided or dangling: drawn dashed. */
  dangling: boolean;
  /** DT path of the `from` end. */
  source: string;
  findings: string[];
}

export interface ReportFinding {
  id: string;
  ruleId: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  path?: string;
  /** file:line when the finding has a source position. */
  where?: string;
  hint?: string;
  /** "" when it concerns no one domain. */
  domain: string;
}

export interface TargetFacts {
  interface: string;
  arch: string;
  xenVersion: string;
  /** Kconfig options known on, when a build is known. */
  kconfig?: string[];
  schedulers?: string[];
  hostSource: string;
  domidRoute: string;
  xenCommandLine?: string;
}

export interface BootFacts {
  route: string;
  passed: boolean;
  seconds: number;
  xenVersion?: string;
}

export interface ReportData {
  schema: typeof REPORT_SCHEMA;
  input: string;
  domains: DomainFacts[];
  memory: MemoryRange[];
  cpus: CpuRow[];
  devices: DeviceRow[];
  links: Link[];
  findings: ReportFinding[];
  target: TargetFacts;
  boot?: BootFacts;
  /** What the page could not know (sizes of images not on disk, Xen's own load address...). */
  notes: string[];
}

export function hex(v: bigint): Hex {
  return `0x${v.toString(16)}`;
}
