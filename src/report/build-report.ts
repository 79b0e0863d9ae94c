/**
 * All the facts of one report, from what the other layers know: the boot
 * model, the host facts, the check findings, the target build, the build
 * layout, partial device trees and a qemu result. The views draw this.
 */
import type { PartialInput } from '../check/context.js';
import type { Finding } from '../check/finding.js';
import type { HostFacts } from '../check/host-facts.js';
import type { XenBuild } from '../check/target.js';
import { impliesX86 } from '../check/x86-target.js';
import { type BootModel, commandLines } from '../model/boot-model.js';
import type { BootModule } from '../model/module.js';
import type { BootResult } from './boot-result.js';
import { cpuRows } from './cpu-rows.js';
import { type AssignedPath, deviceRows } from './devices.js';
import { domainFacts } from './domain-facts.js';
import { type DomidRoute, predictDomids } from './domid.js';
import { domainIndex, reportFindings } from './finding-targets.js';
import { commLinks } from './links.js';
import { type PlacedImageFact, byId, memoryRanges } from './memory-ranges.js';
import { REPORT_SCHEMA, type ReportData, type TargetFacts } from './report-data.js';

export interface ReportInput {
  /** The input's name as the page shows it. */
  input: string;
  model: BootModel;
  findings: readonly Finding[];
  /** The board (`--host`, else the input's own host nodes). */
  host?: HostFacts;
  build?: XenBuild;
  /** How the domains are created: from the devicetree as written, or by a boot.scr (`fdt mknod`). */
  route: DomidRoute;
  /** Where a build placed its images (an ImageBuilder config's layout). */
  images?: readonly PlacedImageFact[];
  moduleFiles?: ReadonlyMap<BootModule, string>;
  /** The size of a module's file on disk (a `xen,uefi-binary` under `-d DIR`), when it has no `reg`. */
  fileSize?: (file: string) => bigint | undefined;
  partials?: ReadonlyMap<string, PartialInput>;
  assigned?: readonly AssignedPath[];
  boot?: BootResult;
  notes?: readonly string[];
}

function targetFacts(input: ReportInput): TargetFacts {
  const { model, build } = input;
  const out: TargetFacts = {
    interface: model.hyperlaunchForm ? `${model.interface} (${model.hyperlaunchForm} form)` : model.interface,
    arch: model.target.arch ?? (impliesX86(model) ? 'x86_64 (its modules are multiboot modules)' : 'arm64'),
    xenVersion: build ? build.label : 'not given (rules for every release; --xen or --xen-config names one)',
    hostSource: input.host?.source ?? 'none (no host nodes)',
    domidRoute: input.route === 'uboot-script' ? 'boot.scr: U-Boot creates the domain nodes with fdt mknod' : 'the devicetree as written',
  };
  if (build?.kconfig) out.kconfig = [...build.kconfig].sort();
  if (build?.schedulers) out.schedulers = [...build.schedulers];
  const xen = commandLines(model).xen;
  if (xen !== undefined) out.xenCommandLine = xen;
  return out;
}

function notes(input: ReportInput, data: Omit<ReportData, 'notes'>): string[] {
  const out = [...(input.notes ?? [])];
  if (!data.memory.some((r) => r.kind === 'xen')) out.push("Xen's own load address is not known from a devicetree alone (a build places it): not drawn.");
  if (data.domains.some((d) => d.modules.some((m) => m.size === undefined && m.multibootIndex === undefined))) out.push('A module without a size has no `reg` and no file on disk: its size and load range are unknown.');
  if (data.cpus.length === 0) out.push('The host tree has no CPU nodes: no CPU map.');
  const strangers = (input.boot?.domains ?? []).filter((b) => !data.domains.some((d) => d.name === b.name)).map((b) => b.name);
  if (strangers.length) out.push(`The --boot result names ${strangers.join(', ')}, which this configuration does not have: is it the result of another input?`);
  if (input.model.domains.some((d) => d.modules.some((m) => m.location?.type === 'multiboot-index'))) out.push('Multiboot modules are placed by the boot loader (GRUB): their sizes and load ranges are not in the configuration.');
  if (data.domains.some((d) => d.llcColors !== undefined)) out.push('LLC colours are listed per domain; a colour is a set of pages spread over all RAM, not a range, so the map does not draw it.');
  return out;
}

export function buildReport(input: ReportInput): ReportData {
  const index = domainIndex(input.model);
  const findings = reportFindings(input.findings, index);
  const data = {
    schema: REPORT_SCHEMA,
    input: input.input,
    domains: domainFacts({ model: input.model, host: input.host, domids: predictDomids(input.model, input.route), findings, moduleFiles: input.moduleFiles, fileSize: input.fileSize, boot: input.boot }),
    memory: memoryRanges(input.model, input.host, input.images ?? [], findings),
    cpus: cpuRows(input.model, input.host, findings).map((r) => ({ ...r, findings: r.findings.sort(byId) })),
    devices: deviceRows(input.model, input.partials ?? new Map(), input.assigned ?? [], input.host, findings),
    links: commLinks(input.model, findings),
    findings,
    target: targetFacts(input),
    ...(input.boot ? { boot: { route: input.boot.route, passed: input.boot.passed, seconds: input.boot.seconds, ...(input.boot.xenVersion ? { xenVersion: input.boot.xenVersion } : {}) } } : {}),
  } satisfies Omit<ReportData, 'notes'>;
  return { ...data, notes: notes(input, data) };
}
