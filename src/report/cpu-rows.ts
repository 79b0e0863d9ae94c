/**
 * The CPU map's facts: each physical CPU (host `device_type = "cpu"` nodes,
 * numbered as Xen numbers them), its cpupool and scheduler, the domains
 * that run there with their vCPU counts and pins. A pool without domains
 * is idle; one whose domains have more vCPUs than it has CPUs is
 * over-committed (with the null scheduler, the extra vCPUs never run).
 */
import type { HostFacts } from '../check/host-facts.js';
import { type BootModel, commandLines } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import { findingsAt } from './finding-targets.js';
import type { CpuDomain, CpuRow, ReportFinding } from './report-data.js';

/** The pool a domain without `domain-cpupool` runs in (Xen's cpupool 0). */
export const DEFAULT_POOL = 'Pool-0';

/** Domain findings that are about its CPUs: drawn on the CPUs of its pool. */
const CPU_RULES: ReadonlySet<string> = new Set(['cpupool-overcommit', 'host-vcpus', 'host-affinity', 'cpus-range', 'vcpu-node', 'cpupool-ref', 'x86-host-vcpus']);

function option(cmdline: string | undefined, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(cmdline ?? '');
  return m?.[1];
}

/** Xen's scheduler for cpupool 0: `sched=` on its command line, else credit2 (the default since 4.12). */
export function defaultScheduler(model: BootModel): string {
  return option(commandLines(model).xen, 'sched') ?? 'credit2';
}

/** vCPUs of a domain: `cpus`; dom0 without it gets `dom0_max_vcpus` or every CPU. */
export function vcpuCount(model: BootModel, d: Domain, hostCpus: number): number {
  if (d.vcpus !== undefined) return d.vcpus;
  if (!d.isDom0) return 1;
  const n = Number(option(commandLines(model).xen, 'dom0_max_vcpus'));
  return Number.isInteger(n) && n > 0 ? n : Math.max(1, hostCpus);
}

/** A Xen CPU list (`1,4-7`) as numbers; undefined when it is not one. */
export function cpuList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi && c - lo < 4096; c++) out.push(c);
  }
  return out;
}

function pinnedOn(d: Domain, cpu: number): string[] {
  return d.vcpuPins.filter((p) => p.hardAffinity !== undefined && (cpuList(p.hardAffinity) ?? []).includes(cpu)).map((p) => `vCPU ${p.id}`);
}

export function cpuRows(model: BootModel, host: HostFacts | undefined, findings: readonly ReportFinding[]): CpuRow[] {
  const cpus = host?.cpus ?? [];
  const poolOf = (path: string) => model.cpupools.find((p) => p.cpus.includes(path));
  const poolCpus = (name: string) => cpus.filter((c) => (poolOf(c.path)?.name ?? DEFAULT_POOL) === name).length;
  return cpus.map((c, cpu) => {
    const pool = poolOf(c.path);
    const name = pool?.name ?? DEFAULT_POOL;
    const members = model.domains.filter((d) => (d.cpupool ?? DEFAULT_POOL) === name);
    const domains: CpuDomain[] = members.map((d) => ({ name: d.name, vcpus: vcpuCount(model, d, cpus.length), pinned: pinnedOn(d, cpu) }));
    const total = domains.reduce((s, d) => s + d.vcpus, 0);
    const names = new Set(members.map((d) => d.name));
    // A CPU two pools name (cpupool-cpu-twice) shows the findings of both.
    const pools = model.cpupools.filter((p) => p.cpus.includes(c.path));
    const poolFindings = findingsAt(findings, pools.map((p) => p.origin?.path ?? `/chosen/${p.name}`));
    const domainFindings = findings.filter((f) => CPU_RULES.has(f.ruleId) && names.has(f.domain)).map((f) => f.id);
    return {
      cpu, path: c.path, cpupool: name, scheduler: pool?.scheduler ?? defaultScheduler(model), domains,
      idle: members.length === 0, overcommitted: total > poolCpus(name), findings: [...new Set([...poolFindings, ...domainFindings])],
    };
  });
}
