/**
 * The domains table's facts: for each domain its predicted domid (and why),
 * roles, mode, memory, vCPUs, pool and scheduler, console, xenstore, and
 * its boot modules with their load ranges and sizes.
 */
import type { HostFacts } from '../check/host-facts.js';
import { type BootModel, effectiveCapabilities } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { BootModule } from '../model/module.js';
import type { BootResult } from './boot-result.js';
import { DEFAULT_POOL, defaultScheduler, vcpuCount } from './cpu-rows.js';
import { domainPath } from '../check/context.js';
import type { DomidPrediction } from './domid.js';
import { type DomainFacts, type ModuleFacts, type ReportFinding, hex } from './report-data.js';

function roles(d: Domain): string[] {
  const c = effectiveCapabilities(d);
  const out = [...(d.isDom0 ? ['dom0'] : []), ...(['control', 'hardware', 'xenstore'] as const).filter((k) => c[k])];
  const f = d.functions;
  if (f) out.push(...(['boot', 'crash', 'console', 'legacyDom0'] as const).filter((k) => f[k]).map((k) => (k === 'legacyDom0' ? 'legacy dom0' : `${k} function`)));
  return out;
}

function mode(d: Domain): string {
  const parts = [d.mode ? `${d.mode.guest}${d.mode.longMode ? ' (64-bit)' : ''}` : 'default'];
  if (d.directMap) parts.push('direct-map');
  return parts.join(', ');
}

function console(d: Domain): string {
  if (d.isDom0) return "Xen's console (hvc0)";
  if (d.vpl011) return 'vpl011 (emulated PL011, through Xen to the serial line)';
  if (d.functions?.console) return 'console function';
  return 'none at boot';
}

function xenstore(d: Domain): string {
  if (effectiveCapabilities(d).xenstore) return 'runs xenstored';
  switch (d.enhanced) {
    case 'enabled':
    case 'legacy':
      return `client (xen,enhanced "${d.enhanced}")`;
    case 'no-xenstore':
      return 'no (PV interfaces without xenstore)';
    default:
      return 'no';
  }
}

function moduleFacts(m: BootModule, file: string | undefined, i: number, fileSize?: (file: string) => bigint | undefined): ModuleFacts {
  const out: ModuleFacts = { kind: m.kind, name: m.name ?? `module${i}` };
  if (m.location?.type === 'range') {
    out.start = hex(m.location.address);
    out.end = hex(m.location.address + m.location.size);
    out.size = m.location.size.toString();
  }
  if (m.location?.type === 'multiboot-index') out.multibootIndex = m.location.index;
  const f = file ?? m.uefiBinary;
  if (f !== undefined) out.file = f;
  if (out.size === undefined && f !== undefined) {
    // Loaded by the EFI stub wherever it likes: the size is known from the file, the range is not.
    const size = fileSize?.(f);
    if (size !== undefined) out.size = size.toString();
  }
  return out;
}

export interface DomainFactsInput {
  model: BootModel;
  host?: HostFacts;
  domids: readonly DomidPrediction[];
  findings: readonly ReportFinding[];
  moduleFiles?: ReadonlyMap<BootModule, string>;
  fileSize?: (file: string) => bigint | undefined;
  boot?: BootResult;
}

export function domainFacts(input: DomainFactsInput): DomainFacts[] {
  const { model } = input;
  const hostCpus = input.host?.cpus.length ?? 0;
  return model.domains.map((d) => {
    const pool = model.cpupools.find((p) => p.name === d.cpupool);
    const prediction = input.domids.find((p) => p.domain === d.name);
    const out: DomainFacts = {
      name: d.name, domidWhy: prediction?.why ?? 'unknown', roles: roles(d), mode: mode(d),
      vcpus: vcpuCount(model, d, hostCpus), cpupool: d.cpupool ?? DEFAULT_POOL, scheduler: pool?.scheduler ?? defaultScheduler(model),
      console: console(d), xenstore: xenstore(d),
      modules: d.modules.map((m, i) => moduleFacts(m, input.moduleFiles?.get(m), i, input.fileSize)),
      findings: input.findings.filter((f) => f.domain === d.name).map((f) => f.id),
    };
    if (d.origin || !d.isDom0) out.path = domainPath(model, d);
    if (prediction?.domid !== undefined) out.domid = prediction.domid;
    if (d.memoryKiB !== undefined) out.memoryKiB = d.memoryKiB.toString();
    if (d.llcColors !== undefined) out.llcColors = d.llcColors;
    const booted = input.boot?.domains.find((b) => b.name === d.name);
    if (booted && input.boot) out.boot = { stage: booted.stage, detail: booted.detail, seconds: input.boot.seconds, ...(booted.stageSeconds !== undefined ? { stageSeconds: booted.stageSeconds } : {}) };
    return out;
  });
}
