/**
 * `build` as a library call: an ImageBuilder config (or a dom0less /
 * Hyperlaunch devicetree plus the host DTB) to the U-Boot script, boot.scr,
 * FIT and edited DTBs, reproducibly (SOURCE_DATE_EPOCH), checked before
 * anything is written, and written without replacing any input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ImageBuilderConfig, readImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { imageBuilderToModel } from '../bindings/imagebuilder/model.js';
import { parseShellConfig } from '../bindings/imagebuilder/shell-config.js';
import { writeImageBuilderConfig } from '../bindings/imagebuilder/write-config.js';
import { type GateOptions, type GateResult, checkGate } from '../check/gate.js';
import type { ProblemSink } from '../diagnostics/hyperlaunch-error.js';
import { runDtc } from '../fdt/dtc.js';
import { readDtb } from '../fdt/dtb/read.js';
import { FdtError } from '../fdt/errors.js';
import type { Loss } from '../model/loss.js';
import type { NamingStyle } from './chosen-edits.js';
import { applyFdtput } from './fdtput-apply.js';
import { directorySource, typedReads } from './file-source.js';
import { configFromDeviceTree, hostMemory } from './from-devicetree.js';
import { type ImageBuilderOverrides, resolveImageBuilder } from './imagebuilder-plan/resolve.js';
import { overwrittenInput, refusalMessage, writeFileAtomic } from './output-write.js';
import { type BuildOutput, type UbootBuild, buildUboot } from './uboot-build.js';
import type { Range } from './layout.js';
import type { MemoryBank } from '../model/memory.js';
import { staticRegions } from '../check/rules/layout.js';
import { hostFacts, ramKnown } from '../check/host-facts.js';
import { type XsmBuildRequest, addFlask, withGeneratedFile } from './xsm/flask-build.js';

export interface BuildFromConfigOptions {
  /** The directory every path of the config is relative to (`-d`). */
  dir: string;
  overrides?: ImageBuilderOverrides;
  prefix?: string;
  naming?: NamingStyle;
  avoidReserved?: boolean;
  /** More ranges the layout skips (the devicetree route: its static memory, heap and shared memory). */
  extraReserved?: readonly Range[];
  /** The board's RAM (`--ram`) when its DTB leaves /memory to the firmware: the layout's and the checks' RAM. */
  ram?: readonly MemoryBank[];
  /** Also write the host DTB with /chosen filled, under this name. */
  finalDtb?: string;
  /** Also write the complete ImageBuilder config the build amounts to. */
  emitConfig?: string;
  /** uImage/FIT time stamp; default imageTime(). */
  time?: number;
  /** Files outside `dir` the build was made from (the config, the devicetree): never overwritten. */
  sourceFiles?: readonly string[];
  /** `--xsm flask`: generate the FLASK policy as XEN_POLICY and ask Xen for FLASK. */
  xsm?: XsmBuildRequest;
}

export interface ConfigBuild {
  config: ImageBuilderConfig;
  build: UbootBuild;
  /** Everything to write, paths relative to `dir`. */
  outputs: BuildOutput[];
  dir: string;
  /** Every file read, as paths from the working directory: no output may replace one. */
  inputs: string[];
  /** What the build could not do as configured (FLASK labels Xen cannot give). */
  notes: string[];
}

/** uImage/FIT time stamps: SOURCE_DATE_EPOCH when set (as mkimage), else 0 — never the clock. */
export function imageTime(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SOURCE_DATE_EPOCH;
  return v !== undefined && /^\d+$/.test(v) && Number(v) <= 0xffffffff ? Number(v) : 0;
}

function readInput(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FdtError('FILE_READ', `Couldn't open "${file}": ${(e as Error).message}`, { path: file });
  }
}

/**
 * Read an ImageBuilder config file (as data, never executed). With a sink,
 * every bad line and variable is reported there and the rest is read.
 */
export function readImageBuilderFile(file: string, onProblem?: ProblemSink<ImageBuilderError>): ImageBuilderConfig {
  return readImageBuilderConfig(parseShellConfig(new TextDecoder().decode(readInput(file)), file, onProblem), onProblem);
}

export function buildFromConfig(config: ImageBuilderConfig, opts: BuildFromConfigOptions, verbatimCommandLines = false): ConfigBuild {
  const plan = resolveImageBuilder(config, { ...opts.overrides, verbatimCommandLines });
  const flask = opts.xsm ? addFlask(plan, opts.xsm) : undefined;
  const dirFiles = directorySource(opts.dir);
  const files = typedReads(flask ? withGeneratedFile(dirFiles, flask.file, flask.data) : dirFiles);
  const build = buildUboot(plan, { dir: opts.dir, files, prefix: opts.prefix, naming: opts.naming, avoidReserved: opts.avoidReserved, extraReserved: opts.extraReserved, time: opts.time ?? imageTime() });
  const outputs = [...(flask ? [{ path: flask.file, data: flask.data }] : []), ...build.outputs];
  if (opts.finalDtb) outputs.push({ path: opts.finalDtb, data: applyFdtput(files.read(plan.deviceTree!), build.edits) });
  if (opts.emitConfig) {
    const complete = { ...config, loadCmd: plan.loadCmd, bootCmd: plan.bootCmd, ...(flask ? { xenCmd: plan.xenCmd, xenPolicy: flask.file } : {}) };
    outputs.push({ path: opts.emitConfig, data: new TextEncoder().encode(writeImageBuilderConfig(complete)) });
  }
  // The generated policy is read like an input but is an output of this build.
  const inputs = [...build.inputs.filter((p) => p !== flask?.file).map((p) => join(opts.dir, p)), ...(opts.sourceFiles ?? [])];
  return { config, build, outputs, dir: opts.dir, inputs, notes: flask?.notes ?? [] };
}

export interface DevicetreeInput {
  /** The dom0less or Hyperlaunch DTS/DTB. */
  file: string;
  /** Host DTB and Xen binary, relative to the build directory. */
  host: string;
  xen: string;
  /** `dom0/kernel`, `domU1/ramdisk`, `domU1/device-tree` → file. */
  modules?: ReadonlyMap<string, string>;
  memoryStart?: bigint;
  memoryEnd?: bigint;
}

/** The lowest bank: ImageBuilder lays everything out from MEMORY_START within one range. */
function lowestBank(ram: readonly MemoryBank[] | undefined): MemoryBank | undefined {
  return ram?.length ? ram.reduce((a, b) => (b.address < a.address ? b : a)) : undefined;
}

/** A devicetree built as the ImageBuilder config it amounts to; `losses` is what that config cannot carry. */
export function buildFromDevicetree(input: DevicetreeInput, opts: BuildFromConfigOptions): ConfigBuild & { losses: Loss[] } {
  const r = runDtc(readInput(input.file), { file: input.file, outputFormat: 'dtb' });
  if (!r.tree) throw r.error ?? new FdtError('DTS', `cannot read ${input.file}`, { path: input.file });
  const hostDtb = readInput(join(opts.dir, input.host));
  const bank = lowestBank(opts.ram);
  const { config, losses, model } = configFromDeviceTree(r.tree, {
    hostFile: input.host, hostDtb, xen: input.xen, files: new Map(input.modules ?? []),
    memoryStart: input.memoryStart ?? bank?.address, memoryEnd: input.memoryEnd ?? (bank && bank.address + bank.size),
  });
  if (input.memoryEnd === undefined && !bank && !hostMemory(hostDtb)) {
    throw new ImageBuilderError('IB_MEMORY', `${input.host} describes no RAM (no /memory, or banks of size 0: the firmware fills them at boot), so the binaries have nowhere to go`, {
      path: input.host, hint: 'give the board\'s RAM: --ram START:SIZE (or --memory-start/--memory-end), e.g. from the running board\'s /sys/firmware/fdt',
    });
  }
  // A devicetree names no load addresses of its own: lay the blobs out around the board's
  // reserved regions and the configuration's static ranges (Xen drops a module on either).
  const around = { avoidReserved: true, extraReserved: staticRegions(model) };
  return { ...buildFromConfig(config, { ...opts, ...around, sourceFiles: [...(opts.sourceFiles ?? []), input.file] }, true), losses };
}

/** The checks over what will boot (Xen builds with a device tree only); undefined when there is nothing to check. */
export function checkBuild(b: ConfigBuild, opts: Omit<GateOptions, 'host'> = {}): GateResult | undefined {
  const plan = b.build.plan;
  if (plan.mode !== 'xen' || !plan.deviceTree) return undefined;
  const at = (label: string) => b.build.images.find((i) => i.label === label);
  const { model } = imageBuilderToModel(plan, at);
  const host = readDtb(typedReads(directorySource(b.dir)).read(plan.deviceTree));
  // A board DTB without RAM: --ram, else the config's MEMORY_START..MEMORY_END, is the RAM the checks use.
  const facts = hostFacts(host, plan.deviceTree);
  const configured = plan.memoryEnd > plan.memoryStart ? [{ address: plan.memoryStart, size: plan.memoryEnd - plan.memoryStart }] : [];
  const ram = ramKnown(facts) ? [] : opts.ram?.length ? opts.ram : configured;
  return checkGate(model, { ...opts, host, hostName: plan.deviceTree, ram });
}

/** Write every output, or none: one that would replace an input is refused (OUTPUT) before anything is written. */
export function writeBuild(b: ConfigBuild): void {
  for (const o of b.outputs) {
    const input = overwrittenInput(join(b.dir, o.path), b.inputs);
    if (input !== undefined) throw new FdtError('OUTPUT', refusalMessage(input), { hint: 'rename UBOOT_SOURCE/UBOOT_SCRIPT/FDTEDIT/FIT so that no output is an input' });
  }
  for (const o of b.outputs) writeFileAtomic(join(b.dir, o.path), o.data);
}
