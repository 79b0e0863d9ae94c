/**
 * `hyperlaunch build`: uboot-script-gen's job (same flags, same stdout,
 * same bytes) from an ImageBuilder config read as data, never executed —
 * or from a dom0less / Hyperlaunch devicetree plus the host DTB.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readImageBuilderConfig, type ImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { imageBuilderToModel } from '../bindings/imagebuilder/model.js';
import { type ImageBuilderOverrides, resolveImageBuilder } from '../artifacts/imagebuilder-plan/resolve.js';
import type { ImageBuilderPlan } from '../bindings/imagebuilder/plan.js';
import { parseShellConfig } from '../bindings/imagebuilder/shell-config.js';
import { writeImageBuilderConfig } from '../bindings/imagebuilder/write-config.js';
import { checkModel } from '../check/engine.js';
import { hasErrors } from '../check/finding.js';
import { findingDiagnostic } from '../check/format.js';
import { runDtc } from '../fdt/dtc.js';
import { FdtError } from '../fdt/errors.js';
import { readDtb } from '../fdt/dtb/read.js';
import type { NamingStyle } from '../artifacts/chosen-edits.js';
import { hexUpper } from '../artifacts/dt-edits.js';
import { applyFdtput } from '../artifacts/fdtput-apply.js';
import { directorySource } from '../artifacts/file-source.js';
import { configFromDeviceTree } from '../artifacts/from-devicetree.js';
import { type UbootBuild, buildUboot } from '../artifacts/uboot-build.js';
import { BootConfigError } from '../model/errors.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { type Reporter, buildErrorDiagnostic, createReporter } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'c', value: true, key: 'c' },
  { short: 'd', value: true, key: 'd' },
  { short: 't', value: true, key: 't' },
  { short: 'o', value: true, key: 'o' },
  { short: 'f', value: false, key: 'f' },
  { short: 'p', value: true, key: 'p' },
  { short: 'k', value: true, key: 'k' },
  { short: 'u', value: true, key: 'u' },
  { long: 'compat', value: true, key: 'compat' },
  { long: 'dry-run', value: false, key: 'dry-run' },
  { long: 'force', value: false, key: 'force' },
  { long: 'avoid-reserved', value: false, key: 'avoid-reserved' },
  { long: 'host', value: true, key: 'host' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'module', value: true, key: 'module' },
  { long: 'final-dtb', value: true, key: 'final-dtb' },
  { long: 'emit-config', value: true, key: 'emit-config' },
  { long: 'memory-start', value: true, key: 'memory-start' },
  { long: 'memory-end', value: true, key: 'memory-end' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const BUILD_USAGE = `usage: hyperlaunch build -c CONFIG -d DIR [-t LOADCMD] [-o NAME] [-f] [-p PREFIX]
                        [-k KEYDIR] [-u UBOOTDTB] [--compat imagebuilder-2023]
                        [--avoid-reserved] [--dry-run] [--force] [--json]
       hyperlaunch build BOOT.dts|BOOT.dtb --host HOST.dtb --xen XEN -d DIR
                        [--module DOMAIN/KIND=FILE]... [--final-dtb NAME.dtb]
                        [--memory-start A --memory-end B] [same options as above]
Builds what ImageBuilder's uboot-script-gen builds (U-Boot script, boot.scr, FIT,
edited host DTB) from its config file, which is read as data and never executed;
or from a dom0less / Hyperlaunch devicetree (Hyperlaunch is converted to dom0less).
  -c CONFIG   ImageBuilder config            -d DIR    directory the paths are relative to
  -t LOADCMD  tftp, sd, scsi, usb or a verbatim U-Boot load command (overrides LOAD_CMD)
  -o NAME     write NAME.source / NAME.scr   -f        build a FIT image
  -p PREFIX   put PREFIX/ before every path in load lines
  -k, -u      FIT key directory/hint and U-Boot DTB (signing is not built yet)
  --compat imagebuilder-2023   module0x... / dom0 node names, byte-identical to ImageBuilder 2023.2
                               (default: module@..., dom0@... as upstream since late 2024)
  --avoid-reserved             place no image over /reserved-memory or /memreserve/ of the host DTB
  --module dom0/kernel=Image   file of a module (kinds: kernel, ramdisk, device-tree); default: xen,uefi-binary
  --final-dtb NAME             also write the host DTB with /chosen filled (for loaders without scripts)
  --emit-config NAME           also write the ImageBuilder config the devicetree input amounts to
  --dry-run   print the layout and the script, write nothing
  --force     build even when the checks find errors
`;

interface BuildArgs {
  config?: string;
  tree?: string;
  host?: string;
  xen?: string;
  modules: Map<string, string>;
  finalDtb?: string;
  emitConfig?: string;
  memoryStart?: bigint;
  memoryEnd?: bigint;
  dir: string;
  overrides: ImageBuilderOverrides;
  prefix?: string;
  naming: NamingStyle;
  dryRun: boolean;
  force: boolean;
  avoidReserved: boolean;
  json: boolean;
}

function address(v: string | undefined, name: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new UsageError(`${name} needs a number, got '${v}'`);
  return BigInt(v);
}

function parseArgs(argv: string[]): BuildArgs | 'help' {
  const parsed = getopt(argv, SPECS);
  const one = (k: string): string | undefined => parsed.options.filter((o) => o.key === k).at(-1)?.value;
  const has = (k: string): boolean => parsed.options.some((o) => o.key === k);
  if (has('h')) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
  const config = one('c');
  const tree = parsed.positionals[0];
  const dir = one('d');
  if (!config && !tree) throw new UsageError('give -c CONFIG or a devicetree file');
  if (config && tree) throw new UsageError('give either -c CONFIG or a devicetree file, not both');
  if (tree && (!one('host') || !one('xen'))) throw new UsageError('devicetree input needs --host HOST.dtb and --xen XEN');
  if (!tree && one('emit-config')) throw new UsageError('--emit-config needs devicetree input');
  if (!dir) throw new UsageError('-d DIR is required');
  const compat = one('compat');
  if (compat !== undefined && compat !== 'imagebuilder-2023') throw new UsageError(`unknown --compat '${compat}' (known: imagebuilder-2023)`);
  const modules = new Map<string, string>();
  for (const o of parsed.options.filter((x) => x.key === 'module')) {
    const m = /^([^/=]+)\/(kernel|ramdisk|device-tree)=(.+)$/.exec(o.value!);
    if (!m) throw new UsageError(`--module wants DOMAIN/KIND=FILE (KIND kernel, ramdisk or device-tree), got '${o.value}'`);
    modules.set(`${m[1]}/${m[2]}`, m[3]!);
  }
  return {
    config,
    tree,
    host: one('host'),
    xen: one('xen'),
    modules,
    finalDtb: one('final-dtb'),
    emitConfig: one('emit-config'),
    memoryStart: address(one('memory-start'), '--memory-start'),
    memoryEnd: address(one('memory-end'), '--memory-end'),
    dir,
    overrides: { loadCmd: one('t'), outputName: one('o'), fit: has('f'), keyDir: one('k'), ubootDtb: one('u') },
    prefix: one('p'),
    naming: compat === 'imagebuilder-2023' ? 'imagebuilder-2023' : 'current',
    dryRun: has('dry-run'),
    force: has('force'),
    avoidReserved: has('avoid-reserved'),
    json: has('json'),
  };
}

function layoutTable(b: UbootBuild): string {
  const rows = [['address', 'end', 'size', 'image', 'file'], [hexUpper(b.scriptAddress), '', '', 'script', b.plan.ubootScript]];
  for (const i of b.images) rows.push([hexUpper(i.address), hexUpper(i.address + i.size), String(i.size), i.label, i.loadPath]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(w[c]!))).join('  ')).join('\n');
}

function readText(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FdtError('FILE_READ', `Couldn't open "${file}": ${(e as Error).message}`, { path: file });
  }
}

/** The config from -c, or made from the devicetree input (with its losses printed as notes). */
function loadConfig(args: BuildArgs, note: (s: string) => void): ImageBuilderConfig {
  if (args.config) return readImageBuilderConfig(parseShellConfig(new TextDecoder().decode(readText(args.config)), args.config));
  const input = readText(args.tree!);
  const r = runDtc(input, { file: args.tree!, outputFormat: 'dtb' });
  if (!r.tree) throw r.error ?? new FdtError('DTS', `cannot read ${args.tree}`, { path: args.tree });
  const hostDtb = readText(join(args.dir, args.host!));
  const { config, losses } = configFromDeviceTree(r.tree, {
    hostFile: args.host!, hostDtb, xen: args.xen!, files: args.modules, memoryStart: args.memoryStart, memoryEnd: args.memoryEnd,
  });
  for (const l of losses) note(`${args.tree}: ${l.path}: note: not carried into the build: ${l.item} (${l.reason})`);
  return config;
}

/** The check engine over what will boot; true when the build may go on. */
function runChecks(plan: ImageBuilderPlan, build: UbootBuild, args: BuildArgs, reporter: Reporter): boolean {
  if (plan.mode !== 'xen' || !plan.deviceTree) return true;
  const at = (label: string) => build.images.find((i) => i.label === label);
  const { model } = imageBuilderToModel(plan, at);
  const host = readDtb(directorySource(args.dir).read(plan.deviceTree));
  model.host = host;
  const findings = checkModel(model, { host, hostName: plan.deviceTree, file: args.config ?? args.tree });
  for (const f of findings) reporter.report(findingDiagnostic(f));
  if (!hasErrors(findings) || args.dryRun) return true;
  if (args.force) {
    process.stderr.write('hyperlaunch build: building anyway (--force)\n');
    return true;
  }
  process.stderr.write('hyperlaunch build: the checks found errors; nothing written (use --force to build anyway)\n');
  return false;
}

/** uImage/FIT time stamps: SOURCE_DATE_EPOCH when set (as mkimage), else 0 — never the clock. */
function imageTime(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  return v !== undefined && /^\d+$/.test(v) && Number(v) <= 0xffffffff ? Number(v) : 0;
}

function refuseInput(target: string, inputs: string[]): void {
  for (const input of inputs) {
    if (resolve(input) === resolve(target)) throw new UsageError(`refusing to overwrite input file '${input}'; choose another output name`);
  }
}

export async function buildCommand(argv: string[]): Promise<number> {
  let args: BuildArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`hyperlaunch build: ${e.message}\n${BUILD_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(BUILD_USAGE);
    return 0;
  }
  const reporter = createReporter(args.json);
  let build: UbootBuild;
  let config: ImageBuilderConfig;
  try {
    config = loadConfig(args, (s) => reporter.note(s));
    const plan = resolveImageBuilder(config, { ...args.overrides, verbatimCommandLines: args.tree !== undefined });
    build = buildUboot(plan, {
      dir: args.dir, files: directorySource(args.dir), prefix: args.prefix, naming: args.naming, avoidReserved: args.avoidReserved, time: imageTime(),
    });
    if (!runChecks(plan, build, args, reporter)) return 1;
  } catch (e) {
    if (e instanceof BootConfigError) {
      reporter.report(buildErrorDiagnostic(e, args.tree ?? args.config));
      return 1;
    }
    if (!(e instanceof FdtError)) throw e;
    reporter.error(e, args.config ?? args.tree);
    return 1;
  }
  const outputs = [...build.outputs];
  if (args.finalDtb) {
    const hostDtb = directorySource(args.dir).read(build.plan.deviceTree!);
    outputs.push({ path: args.finalDtb, data: applyFdtput(hostDtb, build.edits) });
  }
  if (args.emitConfig) {
    const complete = { ...config, loadCmd: build.plan.loadCmd, bootCmd: build.plan.bootCmd };
    outputs.push({ path: args.emitConfig, data: new TextEncoder().encode(writeImageBuilderConfig(complete)) });
  }
  if (args.dryRun) {
    process.stdout.write(`${layoutTable(build)}\n\n${build.source}`);
    return 0;
  }
  // never write over anything the build read
  const inputs = [...build.inputs.map((p) => join(args.dir, p))];
  if (args.config) inputs.push(args.config);
  if (args.tree) inputs.push(args.tree);
  try {
    // check every output first, so that a refusal leaves nothing half-written
    for (const o of outputs) refuseInput(join(args.dir, o.path), inputs);
    for (const o of outputs) writeOutput(join(args.dir, o.path), o.data, inputs);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    reporter.error(new FdtError('OUTPUT', e.message, { hint: 'rename UBOOT_SOURCE/UBOOT_SCRIPT/FDTEDIT/FIT so that no output is an input' }), args.config ?? args.tree);
    return 1;
  }
  process.stdout.write(`${build.stdout.join('\n')}\n`);
  return 0;
}
