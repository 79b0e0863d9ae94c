/**
 * Gathering a report's inputs from files: a dom0less / Hyperlaunch
 * devicetree (checked as `check` checks it), or an ImageBuilder config and
 * its directory (laid out as `build` lays it out, checked as `build`'s
 * gate checks it). Problems that leave no model to draw come back as the
 * findings saying why.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildFromConfig } from '../artifacts/build-from-config.js';
import { resolveImageBuilder } from '../artifacts/imagebuilder-plan/resolve.js';
import type { ImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { imageBuilderToModel } from '../bindings/imagebuilder/model.js';
import type { ImageBuilderPlan } from '../bindings/imagebuilder/plan.js';
import type { PartialInput } from '../check/context.js';
import { type BootCheckResult, checkModel, checkSource, compileTree, readPartialInput } from '../check/engine.js';
import type { Finding } from '../check/finding.js';
import { hostFacts } from '../check/host-facts.js';
import type { XenBuild } from '../check/target.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { ReportInput } from './build-report.js';
import type { AssignedPath } from './devices.js';
import type { PlacedImageFact } from './memory-ranges.js';

export interface SourceReportOptions {
  file: string;
  includeDirs?: string[];
  /** `--host`: the board's tree and its name. */
  host?: { tree: DeviceTree; name: string };
  build?: XenBuild;
  partials?: ReadonlyMap<string, PartialInput>;
  /** `-d DIR`: where modules named by `xen,uefi-binary` are, for their sizes. */
  dir?: string;
}

/** Sizes of files under `dir`; undefined for one that is not there. */
export function fileSizesIn(dir: string): (file: string) => bigint | undefined {
  return (file) => {
    try {
      const st = statSync(join(dir, file), { bigint: true });
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  };
}

/** A devicetree's report input, or the findings that leave nothing to draw (it does not compile, the reader refuses it). */
export function reportInputFromSource(bytes: Uint8Array, opts: SourceReportOptions): ReportInput | { findings: Finding[] } {
  const result = checkSource(bytes, { file: opts.file, includeDirs: opts.includeDirs, host: opts.host?.tree, hostName: opts.host?.name, build: opts.build, partials: opts.partials });
  return reportInputFromCheck(result, opts);
}

/** The report input of what `checkSource` (or `checkTree`) gave for the same options; the findings alone when there is no model. */
export function reportInputFromCheck(result: BootCheckResult, opts: SourceReportOptions): ReportInput | { findings: Finding[] } {
  const partials = opts.partials ?? new Map();
  if (!result.model) return { findings: result.findings };
  const hostTree = opts.host?.tree ?? result.model.host;
  return {
    input: opts.file, model: result.model, findings: result.findings, build: opts.build, partials, route: 'devicetree',
    ...(opts.dir !== undefined ? { fileSize: fileSizesIn(opts.dir) } : {}),
    host: hostTree ? hostFacts(hostTree, opts.host ? opts.host.name : 'the input tree') : undefined,
  };
}

export interface ConfigReportOptions {
  /** The config's name as the page shows it. */
  file: string;
  /** `-d`: the directory the config's paths are relative to. */
  dir: string;
  build?: XenBuild;
}

interface Layout {
  plan: ImageBuilderPlan;
  images: PlacedImageFact[];
  notes: string[];
}

/** The build's layout; when an image is not on disk, the plan alone (sizes and load ranges unknown). */
function layoutOf(config: ImageBuilderConfig, dir: string): Layout {
  // Neither the load command nor the script's name moves anything: a config without them still has a layout.
  const overrides = { ...(config.loadCmd ? {} : { loadCmd: 'tftp' }), ...(config.ubootSource && config.ubootScript ? {} : { outputName: 'boot' }) };
  try {
    const b = buildFromConfig(config, { dir, overrides });
    return { plan: b.build.plan, images: b.build.images.map((i) => ({ label: i.label, address: i.address, size: i.size, file: i.file })), notes: [] };
  } catch (e) {
    if (!(e instanceof ImageBuilderError) || (e.code !== 'IB_FILE' && e.code !== 'IB_NO_DEVICE_TREE')) throw e;
    // `qemu -c` boots a config without DEVICE_TREE on QEMU virt's own DTB; the page still shows its domains.
    const why = e.code === 'IB_FILE' ? 'without every image on disk' : 'without the DTB (the first image placed)';
    return { plan: resolveImageBuilder(config, overrides), images: [], notes: [`${e.message}: ${why} the build cannot be laid out, so no module has a load range or size.`] };
  }
}

/** The config's host DTB, or the note saying why the page has no host facts. */
function readHost(plan: ImageBuilderPlan, dir: string): { tree?: DeviceTree; note?: string } {
  if (!plan.deviceTree) return { note: 'The config names no DEVICE_TREE: no host RAM, reserved memory or CPUs.' };
  if (!existsSync(join(dir, plan.deviceTree))) return { note: `${plan.deviceTree} (DEVICE_TREE) is not in ${dir}: no host RAM, reserved memory or CPUs.` };
  const c = compileTree(readFileSync(join(dir, plan.deviceTree)), plan.deviceTree);
  return 'tree' in c ? { tree: c.tree } : { note: `${plan.deviceTree} (DEVICE_TREE) cannot be read (${c.findings.at(-1)?.message ?? 'not a DTB'}): no host facts.` };
}

function partialsOf(plan: ImageBuilderPlan, dir: string, findings: Finding[]): Map<string, PartialInput> {
  const out = new Map<string, PartialInput>();
  for (const d of plan.domus) {
    if (d.skipped || !d.passthroughDtb || !existsSync(join(dir, d.passthroughDtb))) continue;
    const p = readPartialInput(readFileSync(join(dir, d.passthroughDtb)), d.passthroughDtb);
    if ('ruleId' in p) findings.push(p);
    else out.set(`domU${d.index}`, p);
  }
  return out;
}

/**
 * An ImageBuilder config's report input: the domains it boots, placed as
 * `build` places them (reversed domids: its boot.scr creates the nodes with
 * `fdt mknod`). Throws what the build throws for a config it cannot resolve.
 */
export function reportInputFromConfig(config: ImageBuilderConfig, opts: ConfigReportOptions): ReportInput {
  const layout = layoutOf(config, opts.dir);
  const at = (label: string) => layout.images.find((i) => i.label === label);
  const { model, files, losses } = imageBuilderToModel(layout.plan, layout.images.length ? at : undefined);
  const { tree: hostTree, note: hostNote } = readHost(layout.plan, opts.dir);
  const findings: Finding[] = [];
  const partials = partialsOf(layout.plan, opts.dir, findings);
  findings.push(...checkModel(hostTree ? { ...model, host: hostTree } : model, { host: hostTree, hostName: layout.plan.deviceTree, build: opts.build, partials, file: opts.file }));
  const assigned: AssignedPath[] = layout.plan.domus.flatMap((d) => d.passthroughPaths.map((hostPath) => ({ domain: `domU${d.index}`, hostPath })));
  return {
    input: opts.file, model, findings, build: opts.build, route: 'uboot-script', images: layout.images, moduleFiles: files, partials, assigned,
    host: hostTree ? hostFacts(hostTree, layout.plan.deviceTree!) : undefined,
    notes: [...layout.notes, ...(hostNote ? [hostNote] : []), ...losses.map((l) => `${l.item}: ${l.reason}`)],
  };
}
