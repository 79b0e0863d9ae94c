/**
 * `hyperlaunch build`: uboot-script-gen's job (same flags, same stdout,
 * same bytes) from an ImageBuilder config read as data, never executed —
 * or from a dom0less / Hyperlaunch devicetree plus the host DTB.
 */
import type { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import type { ImageBuilderOverrides } from '../artifacts/imagebuilder-plan/resolve.js';
import {
  type BuildFromConfigOptions, type ConfigBuild, buildFromConfig, buildFromDevicetree, checkBuild, readImageBuilderFile, writeBuild,
} from '../artifacts/build-from-config.js';
import { findingDiagnostic } from '../check/format.js';
import type { XenBuild } from '../check/target.js';
import { FdtError } from '../fdt/errors.js';
import type { NamingStyle } from '../artifacts/chosen-edits.js';
import { hexUpper } from '../artifacts/dt-edits.js';
import type { UbootBuild } from '../artifacts/uboot-build.js';
import { BootConfigError } from '../model/errors.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { RAM_OPTION_SPEC, ramBanks } from './ram-option.js';
import type { MemoryBank } from '../model/memory.js';
import { type Reporter, buildErrorDiagnostic, createReporter, printUsageError } from './report.js';
import { xenBuildFromArgs, xenTargetProblem } from './xen-target-options.js';
import { buildX86Command, wantsX86Build } from './build-x86-command.js';
import { XsmError } from '../artifacts/xsm/xsm-error.js';
import { XSM_OPTION_SPECS, type XsmRequest, parseXsmOptions } from './xsm-options.js';

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
  { long: 'xen-config', value: true, key: 'xen-config' },
  { long: 'module', value: true, key: 'module' },
  { long: 'final-dtb', value: true, key: 'final-dtb' },
  { long: 'emit-config', value: true, key: 'emit-config' },
  { long: 'memory-start', value: true, key: 'memory-start' },
  { long: 'memory-end', value: true, key: 'memory-end' },
  RAM_OPTION_SPEC,
  { long: 'json', value: false, key: 'json' },
  ...XSM_OPTION_SPECS,
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const BUILD_USAGE = `usage: hyperlaunch build -c CONFIG -d DIR [-t LOADCMD] [-o NAME] [-f] [-p PREFIX]
                        [-k KEYDIR] [-u UBOOTDTB] [--compat imagebuilder-2023]
                        [--avoid-reserved] [--xen-config FILE] [--dry-run] [--force] [--json]
       hyperlaunch build BOOT.dts|BOOT.dtb --host HOST.dtb --xen XEN -d DIR
                        [--module DOMAIN/KIND=FILE]... [--final-dtb NAME.dtb]
                        [--memory-start A --memory-end B | --ram START:SIZE...] [same options as above]
       hyperlaunch build --arch x86_64 BOOT.dts|BOOT.dtb -d DIR [--iso] ...   (x86: see build --arch x86_64 --help)
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
                               (devicetree input always does, and avoids its static memory ranges too)
  --ram START:SIZE             a RAM bank of a board whose DTB leaves /memory to the firmware (repeatable;
                               SIZE may end in K, M, G): the layout starts in the lowest, the checks use all
  --module dom0/kernel=Image   file of a module (kinds: kernel, ramdisk, device-tree); default: xen,uefi-binary
  --final-dtb NAME             also write the host DTB with /chosen filled (for loaders without scripts)
  --emit-config NAME           also write the ImageBuilder config the devicetree input amounts to
  --xen-config FILE            the .config of the Xen build that boots: check for its options
                               (STATIC_MEMORY, BOOT_TIME_CPUPOOLS, schedulers...) and its release
  --dry-run   print the layout and the script, write nothing
  --xsm flask         write the FLASK policy hyperlaunch xsm writes for this system as DIR/xenpolicy.bin,
                      load it as XEN_POLICY (the xen,xsm-policy module) and add xsm=flask flask=MODE
                      to Xen's line (docs/xsm.md); --xen-config's release picks the policy version
  --xsm-mode MODE     enforcing (default) or permissive
`;

interface BuildArgs {
  config?: string;
  tree?: string;
  host?: string;
  xen?: string;
  xenConfig?: string;
  modules: Map<string, string>;
  finalDtb?: string;
  emitConfig?: string;
  memoryStart?: bigint;
  memoryEnd?: bigint;
  ram: MemoryBank[];
  dir: string;
  overrides: ImageBuilderOverrides;
  prefix?: string;
  naming: NamingStyle;
  dryRun: boolean;
  force: boolean;
  avoidReserved: boolean;
  json: boolean;
  xsm?: XsmRequest;
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
  const xsm = parseXsmOptions(one);
  if (xsm && has('f')) throw new UsageError('--xsm with -f (FIT) is not built yet: the FIT has no XSM policy image');
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
    xenConfig: one('xen-config'),
    modules,
    finalDtb: one('final-dtb'),
    emitConfig: one('emit-config'),
    memoryStart: address(one('memory-start'), '--memory-start'),
    memoryEnd: address(one('memory-end'), '--memory-end'),
    ram: ramBanks(parsed.options),
    dir,
    overrides: { loadCmd: one('t'), outputName: one('o'), fit: has('f'), keyDir: one('k'), ubootDtb: one('u') },
    prefix: one('p'),
    naming: compat === 'imagebuilder-2023' ? 'imagebuilder-2023' : 'current',
    dryRun: has('dry-run'),
    force: has('force'),
    avoidReserved: has('avoid-reserved'),
    json: has('json'),
    xsm,
  };
}

function layoutTable(b: UbootBuild): string {
  const rows = [['address', 'end', 'size', 'image', 'file'], [hexUpper(b.scriptAddress), '', '', 'script', b.plan.ubootScript]];
  for (const i of b.images) rows.push([hexUpper(i.address), hexUpper(i.address + i.size), String(i.size), i.label, i.loadPath]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(w[c]!))).join('  ')).join('\n');
}

/** The build from -c, or from the devicetree input (with its losses printed as notes). */
function runBuild(args: BuildArgs, reporter: Reporter, target: XenBuild | undefined): ConfigBuild | number {
  const opts: BuildFromConfigOptions = {
    dir: args.dir, overrides: args.overrides, prefix: args.prefix, naming: args.naming, avoidReserved: args.avoidReserved, ram: args.ram,
    finalDtb: args.finalDtb, emitConfig: args.emitConfig, sourceFiles: args.config ? [args.config] : [],
    xsm: args.xsm && { mode: args.xsm.mode, xenVersion: target?.version },
  };
  if (args.config) {
    const problems: ImageBuilderError[] = [];
    const config = readImageBuilderFile(args.config, (e) => problems.push(e));
    for (const e of problems) reporter.error(e, args.config);
    return problems.length ? 1 : buildFromConfig(config, opts);
  }
  const b = buildFromDevicetree(
    { file: args.tree!, host: args.host!, xen: args.xen!, modules: args.modules, memoryStart: args.memoryStart, memoryEnd: args.memoryEnd }, opts,
  );
  for (const l of b.losses) reporter.note(`${args.tree}: ${l.path}: note: not carried into the build: ${l.item} (${l.reason})`);
  return b;
}

/** The checks over what will boot; true when the build may go on. */
function checksAllow(b: ConfigBuild, args: BuildArgs, target: XenBuild | undefined, reporter: Reporter): boolean {
  // --dry-run writes nothing, so it shows the findings and the layout whatever they say.
  const gate = checkBuild(b, { file: args.config ?? args.tree, force: args.force || args.dryRun, build: target, ram: args.ram });
  for (const f of gate?.findings ?? []) reporter.report(findingDiagnostic(f));
  if (gate?.outcome === 'forced' && !args.dryRun) reporter.status('build', 'building anyway (--force)');
  if (gate?.outcome !== 'refused') return true;
  reporter.status('build', 'the checks found errors; nothing written (use --force to build anyway)');
  return false;
}

export async function buildCommand(argv: string[]): Promise<number> {
  if (wantsX86Build(argv)) return buildX86Command(argv);
  let args: BuildArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('build', e.message, BUILD_USAGE);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(BUILD_USAGE);
    return 0;
  }
  const reporter = createReporter(args.json);
  let target: XenBuild | undefined;
  try {
    // Before building: a .config that cannot be used stops the command before any work.
    target = args.xenConfig === undefined ? undefined : xenBuildFromArgs({ xenConfig: args.xenConfig });
  } catch (e) {
    const problem = xenTargetProblem(e);
    if (!problem) throw e;
    reporter.report(problem);
    return 1;
  }
  let b: ConfigBuild;
  try {
    const built = runBuild(args, reporter, target);
    if (typeof built === 'number') return built;
    b = built;
    for (const n of b.notes) reporter.note(`${args.config ?? args.tree}: note: ${n}`);
    if (!checksAllow(b, args, target, reporter)) return 1;
    if (args.dryRun) {
      process.stdout.write(`${layoutTable(b.build)}\n\n${b.build.source}`);
      return 0;
    }
    writeBuild(b);
  } catch (e) {
    if (e instanceof BootConfigError) {
      reporter.report(buildErrorDiagnostic(e, args.tree ?? args.config));
      return 1;
    }
    if (e instanceof XsmError) {
      reporter.report(e.toDiagnostic());
      return 1;
    }
    if (!(e instanceof FdtError)) throw e;
    reporter.error(e, args.config ?? args.tree);
    return 1;
  }
  process.stdout.write(`${b.build.stdout.join('\n')}\n`);
  return 0;
}
