/**
 * ImageBuilder configs ↔ the boot model. A config names files, the model
 * names nodes; so each direction carries a file table beside the model
 * (module → file). What one side cannot express is listed as a Loss with
 * the variable or DT path it came from, never dropped silently.
 */
import type { BootModel } from '../../model/boot-model.js';
import { commandLines, dom0Of } from '../../model/boot-model.js';
import { type Domain, newDomain } from '../../model/domain.js';
import { newHypervisor } from '../../model/hypervisor.js';
import type { Loss } from '../../model/loss.js';
import { KIB } from '../../model/memory.js';
import { capabilitiesFromBits, capabilityBits } from '../../model/roles.js';
import { type BootModule, type ModuleKind, newModule } from '../../model/module.js';
import type { ImageBuilderConfig, DomUConfig } from './config.js';
import type { ImageBuilderPlan } from './plan.js';

export interface ModelWithFiles {
  model: BootModel;
  /** The file each module is loaded from (relative to the build directory). */
  files: Map<BootModule, string>;
  /** Config settings the model has no field for (e.g. DOMU_VIOMMU). */
  losses: Loss[];
}

function ibLoss(item: string, reason: string): Loss {
  return { code: 'IMAGEBUILDER_ONLY', path: item, item, reason, to: 'dom0less' };
}

/** Where the build placed an image, by its layout label (`dom0-kernel`, `domU1-ramdisk`, ...). */
export type PlacedAt = (label: string) => { address: bigint; size: bigint } | undefined;

function module(files: Map<BootModule, string>, kind: ModuleKind, file: string | undefined, fields: Partial<BootModule> = {}, at?: PlacedAt, label = ''): BootModule[] {
  if (file === undefined) return [];
  const placed = at?.(label);
  const m = newModule(kind, placed
    ? { ...fields, name: `module@${placed.address.toString(16)}`, location: { type: 'range', address: placed.address, size: placed.size } }
    : fields);
  files.set(m, file);
  return [m];
}

/** The domains, command lines and pools a resolved config boots (Xen mode). */
export function imageBuilderToModel(plan: ImageBuilderPlan, at?: PlacedAt): ModelWithFiles {
  const files = new Map<BootModule, string>();
  const losses: Loss[] = [];
  const domains: Domain[] = [];
  if (plan.dom0) {
    domains.push(newDomain('dom0', {
      isDom0: true,
      modules: [...module(files, 'kernel', plan.dom0.kernel, {}, at, 'dom0-kernel'), ...module(files, 'ramdisk', plan.dom0.ramdisk, {}, at, 'dom0-ramdisk')],
    }));
  }
  const passthrough: string[] = [];
  for (const d of plan.domus) {
    passthrough.push(...d.passthroughPaths);
    if (d.skipped) continue;
    const pool = d.cpupool !== undefined ? `cpupool_${d.cpupool}` : undefined;
    const staticMemory = d.staticMem?.flatMap((v, k, a) => (k % 2 === 0 ? [{ address: v, size: a[k + 1]! }] : []));
    if (d.viommu) losses.push(ibLoss(`DOMU_VIOMMU[${d.index}]`, 'the boot model has no vIOMMU field'));
    domains.push(newDomain(`domU${d.index}`, {
      memoryKiB: d.memoryKb,
      vcpus: Number(d.vcpus),
      staticMemory,
      directMap: staticMemory && d.directMap ? true : undefined,
      vpl011: true,
      enhanced: d.enhanced ? 'enabled' : undefined,
      llcColors: d.colorsMask !== undefined ? colorsRange(d.colorsMask) : undefined,
      cpupool: pool,
      capabilities: d.capabilities !== undefined ? capabilitiesFromBits(d.capabilities) : undefined,
      addressCells: 2,
      sizeCells: 2,
      modules: [
        ...module(files, 'kernel', d.kernel, { bootargs: d.cmd }, at, `domU${d.index}-kernel`),
        ...module(files, 'ramdisk', d.ramdisk, {}, at, `domU${d.index}-ramdisk`),
        ...module(files, 'device-tree', d.passthroughDtb, {}, at, `domU${d.index}-dtb`),
      ],
    }));
  }
  const model: BootModel = {
    interface: 'dom0less',
    target: { arch: 'arm64' },
    hypervisor: newHypervisor({
      xenBootargs: plan.xenCmd, dom0Bootargs: plan.dom0?.cmd, chosenAddressCells: 2, chosenSizeCells: 2,
      modules: module(files, 'xsm-policy', plan.xenPolicy, {}, at, 'xen-policy'),
    }),
    domains,
    cpupools: plan.cpupools.map((p, n) => ({
      name: `cpupool_${n}`, cpus: p.cpus.map((c) => `/cpus/${c}`), scheduler: p.sched, unknownProperties: [], unknownNodes: [],
    })),
    hostPassthrough: passthrough,
  };
  return { model, files, losses };
}

function colorsRange(mask: bigint): string {
  const bits: number[] = [];
  for (let b = 0; mask >> BigInt(b); b++) if ((mask >> BigInt(b)) & 1n) bits.push(b);
  return `${bits[0]}-${bits[bits.length - 1]}`;
}

/** Where a module's file comes from when writing a config: a table, or the node's `xen,uefi-binary`. */
export type FileOf = (m: BootModule, d: Domain) => string | undefined;

function modelLoss(path: string, item: string, reason: string): Loss {
  return { code: 'NOT_IN_IMAGEBUILDER', path, item, reason, to: 'dom0less' };
}

const UNEXPRESSED: Array<[keyof Domain, string]> = [
  ['functions', 'functions'], ['mode', 'mode'], ['uuid', 'domain-uuid'],
  ['securityId', 'security-id'], ['memoryMinKiB', 'mem-min'], ['memoryMaxKiB', 'mem-max'], ['passthrough', 'passthrough'],
  ['maxGrantVersion', 'max_grant_version'], ['maxGrantFrames', 'max_grant_frames'], ['maxMaptrackFrames', 'max_maptrack_frames'],
  ['nrSpis', 'nr_spis'], ['sve', 'sve'], ['trapUnmappedAccesses', 'trap-unmapped-accesses'], ['sciType', 'xen,sci_type'],
  ['v8rEl1Msa', 'v8r_el1_msa'], ['p2mPoolMiB', 'xen,domain-p2m-mem-mb'],
];

function domainLosses(d: Domain, path: string, losses: Loss[]): void {
  for (const [field, prop] of UNEXPRESSED) {
    if (d[field] !== undefined) losses.push(modelLoss(`${path}:${prop}`, prop, 'ImageBuilder 2023.2 has no variable for it'));
  }
  if (d.vpl011 === false) losses.push(modelLoss(`${path}:vpl011`, 'vpl011', 'ImageBuilder 2023.2 gives every domU a vpl011'));
  if (d.enhanced !== undefined && d.enhanced !== 'enabled') losses.push(modelLoss(`${path}:xen,enhanced`, 'xen,enhanced', `"${d.enhanced}" is not expressible`));
  if (d.vcpuPins.length) losses.push(modelLoss(path, 'xen,vcpu', 'vCPU pinning needs DOMU_VCPU_HARD_AFFINITY (after 2023.2)'));
  if (d.sharedMemory.length) losses.push(modelLoss(path, 'xen,domain-shared-memory-v1', 'static shared memory needs DOMU_SHARED_MEM (after 2023.2)'));
  if (d.eventChannels.length) losses.push(modelLoss(path, 'xen,evtchn', 'static event channels are not in ImageBuilder 2023.2'));
  for (const p of d.unknownProperties) losses.push(modelLoss(`${path}:${p.name}`, p.name, 'unknown property'));
  for (const n of d.unknownNodes) losses.push(modelLoss(`${path}/${n.node.name}`, n.node.name, 'unknown node'));
}

function moduleFile(d: Domain, kind: ModuleKind, fileOf: FileOf, path: string, losses: Loss[]): string | undefined {
  const m = d.modules.find((x) => x.kind === kind);
  if (!m) return undefined;
  const f = fileOf(m, d) ?? m.uefiBinary;
  if (f === undefined) losses.push(modelLoss(`${path}/${m.name ?? kind}`, kind, 'no file is known for this module (give it xen,uefi-binary or a file mapping)'));
  return f;
}

const mib = (kib: bigint): string => String(kib / KIB);

/** A config that boots the model (for what ImageBuilder 2023.2 can express), and the losses. */
export function modelToImageBuilder(model: BootModel, fileOf: FileOf, file = 'config'): { config: ImageBuilderConfig; losses: Loss[] } {
  const losses: Loss[] = [];
  const cfg: ImageBuilderConfig = { file, domus: [], cpupools: [], dtOverlays: [], variables: new Map() };
  const lines = commandLines(model);
  if (lines.xen !== undefined) cfg.xenCmd = lines.xen;
  const dom0 = dom0Of(model);
  if (dom0) {
    cfg.dom0Kernel = moduleFile(dom0, 'kernel', fileOf, '/chosen', losses);
    cfg.dom0Ramdisk = moduleFile(dom0, 'ramdisk', fileOf, '/chosen', losses);
    if (lines.dom0 !== undefined) cfg.dom0Cmd = lines.dom0;
  }
  const pools = model.cpupools.map((p) => p.name);
  cfg.cpupools = model.cpupools.map((p) => `${p.cpus.map((c) => c.replace(/^\/cpus\//, '')).join(',')}${p.scheduler ? ` ${p.scheduler}` : ''}`);
  if (cfg.cpupools.length) cfg.numCpupools = String(cfg.cpupools.length);
  const domus = model.domains.filter((d) => !d.isDom0);
  domus.forEach((d, i) => {
    const path = `/chosen/${d.name}`;
    const u: DomUConfig = { index: i };
    u.kernel = moduleFile(d, 'kernel', fileOf, path, losses);
    u.ramdisk = moduleFile(d, 'ramdisk', fileOf, path, losses);
    u.passthroughDtb = moduleFile(d, 'device-tree', fileOf, path, losses);
    const cmd = d.modules.find((m) => m.kind === 'kernel')?.bootargs;
    if (cmd !== undefined) u.cmd = cmd;
    if (d.memoryKiB !== undefined && !d.staticMemory) u.mem = mib(d.memoryKiB);
    if (d.memoryKiB !== undefined && d.memoryKiB % KIB !== 0n) losses.push(modelLoss(`${path}:memory`, 'memory', 'DOMU_MEM is in MiB'));
    if (d.vcpus !== undefined) u.vcpus = String(d.vcpus);
    if (d.staticMemory) {
      u.staticMem = d.staticMemory.map((b) => `0x${b.address.toString(16)} 0x${b.size.toString(16)}`).join(' ');
      u.directMap = d.directMap ? '1' : '0';
    }
    // 2023.2's default: enhanced with dom0, not without
    if (d.enhanced === 'enabled' && !dom0) u.enhanced = '1';
    if (d.enhanced === undefined && dom0) u.enhanced = '0';
    if (d.llcColors !== undefined) {
      if (/^\d+-\d+$/.test(d.llcColors)) u.colors = d.llcColors;
      else losses.push(modelLoss(`${path}:llc-colors`, 'llc-colors', 'DOMU_COLORS takes one range a-b'));
    }
    if (d.cpupool !== undefined) u.cpupool = String(pools.indexOf(d.cpupool));
    if (d.capabilities) u.caps = String(capabilityBits(d.capabilities));
    domainLosses(d, path, losses);
    cfg.domus.push(u);
  });
  cfg.numDomus = String(domus.length);
  const passthrough = model.hostPassthrough.join(' ');
  if (passthrough && cfg.domus[0]) cfg.domus[0].passthroughPaths = passthrough;
  for (const m of model.hypervisor.modules) losses.push(modelLoss(`/chosen/${m.name ?? m.kind}`, m.kind, 'XSM policy and microcode modules need XEN_POLICY (after 2023.2)'));
  return { config: cfg, losses };
}
